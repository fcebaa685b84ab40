// Dynamic task mapping (`map_over:`) in the executor: expansion into
// instances, their retries, max_map_parallelism, empty lists, trigger rules
// over instances, and resuming an expansion that was recorded.
#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "engine/engine.h"

namespace weir {
namespace {

using Behaviour = std::function<Result<std::string>(const TaskContext&)>;
using ItemsBehaviour = std::function<Result<std::vector<std::string>>(const TaskContext&)>;

// The id an attempt ran as: "t[2]" for an instance, "t" otherwise.
std::string AttemptTaskId(const TaskContext& context) {
  return context.map_index ? MapInstanceId(context.task.id, *context.map_index) : context.task.id;
}

// Runs every task and instance by the behaviour of its task id; reads a
// mapped task's items from its `map_over` list (each scalar as a JSON
// string) unless `items` has a behaviour for it.
class MappedRunners final : public TaskRunnerFactory, public TaskRunner, public MapItemsSource {
 public:
  std::map<std::string, Behaviour> behaviours;
  std::map<std::string, ItemsBehaviour> items;
  std::map<std::string, int> calls;       // by attempt task id
  std::map<std::string, int> item_reads;  // by task id
  std::map<std::string, std::string> seen_items;  // by attempt task id: the item it was given
  std::mutex mu;

  Result<std::shared_ptr<TaskRunner>> RunnerFor(const TaskDef&) override {
    return std::shared_ptr<TaskRunner>(this, [](TaskRunner*) {});
  }
  Result<std::shared_ptr<MapItemsSource>> MapItemsFor(const TaskDef&) override {
    return std::shared_ptr<MapItemsSource>(this, [](MapItemsSource*) {});
  }
  Result<std::string> Run(const TaskContext& context) override {
    Behaviour b;
    {
      std::lock_guard<std::mutex> guard(mu);
      ++calls[AttemptTaskId(context)];
      seen_items[AttemptTaskId(context)] = context.map_item_json;
      auto it = behaviours.find(context.task.id);
      if (it != behaviours.end()) b = it->second;
    }
    if (b) return b(context);
    return context.map_index ? "{\"index\": " + std::to_string(*context.map_index) + "}" : std::string("{}");
  }
  Result<std::vector<std::string>> Items(const TaskContext& context) override {
    ItemsBehaviour b;
    {
      std::lock_guard<std::mutex> guard(mu);
      ++item_reads[context.task.id];
      auto it = items.find(context.task.id);
      if (it != items.end()) b = it->second;
    }
    if (b) return b(context);
    std::vector<std::string> out;
    for (const ConfigNode& item : context.task.map_over->list.items()) out.push_back("\"" + item.scalar() + "\"");
    return out;
  }
};

class RecordingEvents final : public EventSink {
 public:
  std::vector<std::string> lines;
  void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status&,
                   std::optional<TimePoint>) override {
    lines.push_back(task_id + " " + std::string(TaskStateName(state)) + " " + std::to_string(attempt));
  }
};

struct TaskSpec {
  std::string id;
  std::vector<std::string> after;
  std::optional<std::vector<std::string>> map_over;  // the list; none: not mapped
  TriggerRule rule = TriggerRule::kAllSuccess;
  RetryPolicy retry;
  int max_map_parallelism = 0;
};

ConfigNode ListNode(const std::vector<std::string>& items) {
  std::vector<ConfigNode> nodes;
  for (const std::string& item : items) nodes.push_back(ConfigNode::Scalar(item, false, {}));
  return ConfigNode::Sequence(std::move(nodes), {});
}

class MappingTest : public ::testing::Test {
 protected:
  void Define(const std::vector<TaskSpec>& specs) {
    pipeline_.name = "p";
    for (const TaskSpec& s : specs) {
      TaskDef t;
      t.id = s.id;
      t.kind = {"test", {}};
      for (const auto& a : s.after) t.after.push_back({a, {}});
      t.trigger_rule = s.rule;
      t.retry = s.retry;
      t.max_map_parallelism = s.max_map_parallelism;
      if (s.map_over) {
        MapOver map;
        map.list = ListNode(*s.map_over);
        t.map_over = map;
      }
      pipeline_.tasks.push_back(t);
    }
    std::vector<Status> errors;
    graph_ = std::make_unique<PipelineGraph>(PipelineGraph::Build(pipeline_, errors));
    ASSERT_TRUE(errors.empty());
  }

  RunRecord NewRunRecord() {
    NewRun n{"p", "2024-01-01", "2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00", clock_->Now(), {}};
    for (const TaskDef& t : pipeline_.tasks) n.task_ids.push_back(t.id);
    Result<RunRecord> run = store_->CreateRun(n);
    EXPECT_TRUE(run.ok());
    return *run;
  }

  RunState Execute(const RunRecord& run, int threads = 2, PoolSlots* pools = nullptr) {
    ExecutorOptions options{threads, "/tmp/weir-mapping-test-logs", std::nullopt, 42, pools};
    executor_ = std::make_unique<RunExecutor>(project_, *graph_, *store_, runners_, *clock_, events_, options);
    Result<RunState> state = executor_->Execute(run, interval_);
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? *state : RunState::kRunning;
  }

  std::map<std::string, std::string> States(RunId run) {
    std::map<std::string, std::string> out;
    Result<std::vector<TaskInstanceRecord>> records = store_->TaskInstances(run);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) out[r.task_id] = std::string(TaskStateName(r.state));
    return out;
  }

  std::map<std::string, TaskInstanceRecord> Records(RunId run) {
    std::map<std::string, TaskInstanceRecord> out;
    Result<std::vector<TaskInstanceRecord>> records = store_->TaskInstances(run);
    for (const auto& r : *records) out[r.task_id] = r;
    return out;
  }

  size_t AttemptCount(RunId run, const std::string& task) { return store_->Attempts(run, task)->size(); }

  ProjectDef project_;
  PipelineDef pipeline_;
  std::unique_ptr<PipelineGraph> graph_;
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
  std::unique_ptr<Clock> clock_ = std::make_unique<FakeClock>(TimePoint(std::chrono::hours(24 * 20000)));
  MappedRunners runners_;
  RecordingEvents events_;
  DataInterval interval_;
  std::unique_ptr<RunExecutor> executor_;
  RunId run_id_;
};

TEST_F(MappingTest, ExpandsIntoOneInstancePerItemEachWithItsItem) {
  Define({{"start", {}}, {"regions", {"start"}, std::vector<std::string>{"eu", "us", "apac"}}, {"report", {"regions"}}});
  RunRecord run = NewRunRecord();
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"start", "success"},
                                                                {"regions", "success"},
                                                                {"regions[0]", "success"},
                                                                {"regions[1]", "success"},
                                                                {"regions[2]", "success"},
                                                                {"report", "success"}}));
  EXPECT_EQ(runners_.item_reads["regions"], 1);
  EXPECT_EQ(runners_.calls.count("regions"), 0u);  // the task itself only read its items
  EXPECT_EQ(runners_.seen_items["regions[0]"], "\"eu\"");
  EXPECT_EQ(runners_.seen_items["regions[2]"], "\"apac\"");
  std::map<std::string, TaskInstanceRecord> records = Records(run.id);
  EXPECT_EQ(records["regions"].map_count, 3);
  EXPECT_EQ(records["regions[1]"].map_item_json, "\"us\"");
  EXPECT_EQ(records["regions[1]"].output_json, "{\"index\": 1}");  // each instance keeps its own output
  // The expansion is the task's one attempt; each instance has its own.
  EXPECT_EQ(AttemptCount(run.id, "regions"), 1u);
  EXPECT_EQ(AttemptCount(run.id, "regions[2]"), 1u);
  // The report ran after every instance, which ran after the expansion.
  auto at = [&](const std::string& line) {
    return std::find(events_.lines.begin(), events_.lines.end(), line) - events_.lines.begin();
  };
  EXPECT_LT(at("regions running 1"), at("regions[0] running 1"));
  for (const char* instance : {"regions[0]", "regions[1]", "regions[2]"}) {
    EXPECT_LT(at(std::string(instance) + " success 1"), at("regions success 1"));
    EXPECT_LT(at(std::string(instance) + " success 1"), at("report running 1"));
  }
}

TEST_F(MappingTest, EachInstanceIsRetriedAlone) {
  RetryPolicy retry{2, std::chrono::seconds(30), false, std::chrono::hours(1), RetryOn::kFaults};
  Define({{"load", {}, std::vector<std::string>{"a", "b", "c"}, TriggerRule::kAllSuccess, retry}});
  RunRecord run = NewRunRecord();
  int failures_left = 1;
  runners_.behaviours["load"] = [&](const TaskContext& c) -> Result<std::string> {
    if (*c.map_index == 1 && failures_left-- > 0) return Fault("http-503", "unavailable");
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(runners_.calls["load[0]"], 1);
  EXPECT_EQ(runners_.calls["load[1]"], 2);
  EXPECT_EQ(runners_.calls["load[2]"], 1);
  std::vector<AttemptRecord> attempts = *store_->Attempts(run.id, "load[1]");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].error_code, "http-503");
  EXPECT_GE(attempts[1].started_at - *attempts[0].ended_at, std::chrono::seconds(27));
  EXPECT_EQ(AttemptCount(run.id, "load"), 1u);
  EXPECT_EQ(States(run.id)["load"], "success");
}

// Instances run at most max_map_parallelism at once, and do reach it: each
// waits (boundedly) for a sibling to be running before it ends.
TEST_F(MappingTest, MaxMapParallelismCapsRunningInstancesAndIsReached) {
  clock_ = std::make_unique<SystemClock>();
  TaskSpec spec{"work", {}, std::vector<std::string>{"1", "2", "3", "4", "5", "6"}};
  spec.max_map_parallelism = 2;
  Define({spec});
  RunRecord run = NewRunRecord();
  std::mutex mu;
  std::condition_variable cv;
  int running = 0, peak = 0;
  runners_.behaviours["work"] = [&](const TaskContext&) -> Result<std::string> {
    std::unique_lock<std::mutex> lock(mu);
    peak = std::max(peak, ++running);
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return running >= 2; });
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a third would start now if allowed
    lock.lock();
    --running;
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run, /*threads=*/4), RunState::kSuccess);
  EXPECT_EQ(peak, 2);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(runners_.calls["work[" + std::to_string(i) + "]"], 1);
}

TEST_F(MappingTest, InstancesStartInIndexOrder) {
  TaskSpec spec{"work", {}, std::vector<std::string>{"a", "b", "c", "d", "e"}};
  spec.max_map_parallelism = 1;
  Define({spec});
  RunRecord run = NewRunRecord();
  std::vector<int> order;
  runners_.behaviours["work"] = [&](const TaskContext& c) -> Result<std::string> {
    std::lock_guard<std::mutex> guard(runners_.mu);
    order.push_back(*c.map_index);
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run, 3), RunState::kSuccess);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST_F(MappingTest, WithoutACapInstancesUseEveryWorker) {
  clock_ = std::make_unique<SystemClock>();
  Define({{"work", {}, std::vector<std::string>{"1", "2", "3", "4"}}});
  RunRecord run = NewRunRecord();
  std::mutex mu;
  std::condition_variable cv;
  int running = 0, peak = 0;
  runners_.behaviours["work"] = [&](const TaskContext&) -> Result<std::string> {
    std::unique_lock<std::mutex> lock(mu);
    peak = std::max(peak, ++running);
    cv.notify_all();
    cv.wait_for(lock, std::chrono::seconds(5), [&] { return peak >= 4; });
    --running;
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run, /*threads=*/4), RunState::kSuccess);
  EXPECT_EQ(peak, 4);
}

TEST_F(MappingTest, PoolsStillApplyToInstances) {
  clock_ = std::make_unique<SystemClock>();
  TaskSpec spec{"call", {}, std::vector<std::string>{"1", "2", "3", "4"}};
  spec.max_map_parallelism = 3;
  Define({spec});
  pipeline_.tasks[0].pool = "api";
  RunRecord run = NewRunRecord();
  std::mutex mu;
  int running = 0, peak = 0;
  runners_.behaviours["call"] = [&](const TaskContext&) -> Result<std::string> {
    {
      std::lock_guard<std::mutex> guard(mu);
      peak = std::max(peak, ++running);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    std::lock_guard<std::mutex> guard(mu);
    --running;
    return std::string("{}");
  };
  PoolSlots pools({{"api", 1}});
  EXPECT_EQ(Execute(run, 4, &pools), RunState::kSuccess);
  EXPECT_EQ(peak, 1);
  EXPECT_EQ(pools.in_use("api"), 0);
}

TEST_F(MappingTest, AnEmptyListSkipsTheTaskAndItsDownstreamFollowsItsRule) {
  Define({{"none", {}, std::vector<std::string>{}},
          {"needs_all", {"none"}},
          {"tolerant", {"none"}, std::nullopt, TriggerRule::kNoneFailed}});
  RunRecord run = NewRunRecord();
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{
                                {"none", "skipped"}, {"needs_all", "skipped"}, {"tolerant", "success"}}));
  EXPECT_EQ(Records(run.id)["none"].map_count, 0);
  EXPECT_EQ(AttemptCount(run.id, "none"), 1u);
}

TEST_F(MappingTest, DownstreamRulesCountEachInstance) {
  Define({{"m", {}, std::vector<std::string>{"a", "b", "c"}},
          {"all_ok", {"m"}},
          {"all_done", {"m"}, std::nullopt, TriggerRule::kAllDone},
          {"one_failed", {"m"}, std::nullopt, TriggerRule::kOneFailed},
          {"one_ok", {"m"}, std::nullopt, TriggerRule::kOneSuccess},
          {"all_failed", {"m"}, std::nullopt, TriggerRule::kAllFailed}});
  RunRecord run = NewRunRecord();
  int ended_before_all_done = -1;
  runners_.behaviours["m"] = [](const TaskContext& c) -> Result<std::string> {
    if (*c.map_index == 1) return UserError("bad-item", "item b is broken");
    return std::string("{}");
  };
  runners_.behaviours["all_done"] = [&](const TaskContext&) -> Result<std::string> {
    ended_before_all_done = 0;
    for (const auto& [id, state] : States(run_id_)) {
      if (id.rfind("m[", 0) == 0 && (state == "success" || state == "failed")) ++ended_before_all_done;
    }
    return std::string("{}");
  };
  run_id_ = run.id;
  EXPECT_EQ(Execute(run), RunState::kFailed);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"m", "failed"},
                                                                {"m[0]", "success"},
                                                                {"m[1]", "failed"},
                                                                {"m[2]", "success"},
                                                                {"all_ok", "upstream_failed"},
                                                                {"all_done", "success"},
                                                                {"one_failed", "success"},
                                                                {"one_ok", "success"},
                                                                {"all_failed", "skipped"}}));
  EXPECT_EQ(ended_before_all_done, 3);
}

TEST_F(MappingTest, ItemsThatAreNotAListFailTheTaskAndFaultsAreRetried) {
  RetryPolicy retry{1, std::chrono::seconds(5), false, std::chrono::hours(1), RetryOn::kFaults};
  Define({{"bad", {}, std::vector<std::string>{}, TriggerRule::kAllSuccess, retry},
          {"flaky", {}, std::vector<std::string>{}, TriggerRule::kAllSuccess, retry},
          {"after", {"bad"}}});
  RunRecord run = NewRunRecord();
  runners_.items["bad"] = [](const TaskContext&) -> Result<std::vector<std::string>> {
    return UserError("map-over-not-list", "the output of 'x' is an object, not a list");
  };
  int faults = 1;
  runners_.items["flaky"] = [&](const TaskContext&) -> Result<std::vector<std::string>> {
    if (faults-- > 0) return Fault("warehouse-locked", "database is locked");
    return std::vector<std::string>{"1", "2"};
  };
  EXPECT_EQ(Execute(run), RunState::kFailed);
  std::map<std::string, std::string> states = States(run.id);
  EXPECT_EQ(states["bad"], "failed");
  EXPECT_EQ(states["after"], "upstream_failed");
  EXPECT_EQ(states["flaky"], "success");
  EXPECT_EQ(states["flaky[1]"], "success");
  ASSERT_EQ(AttemptCount(run.id, "bad"), 1u);  // a user error: not retried
  EXPECT_EQ(store_->Attempts(run.id, "bad")->at(0).error_code, "map-over-not-list");
  EXPECT_EQ(AttemptCount(run.id, "flaky"), 2u);
}

// A crash (kill -9) after the expansion: resuming keeps the recorded
// items, does not read them again, and runs only unfinished instances.
TEST_F(MappingTest, ResumeKeepsTheRecordedExpansionAndRunsOnlyUnfinishedInstances) {
  TaskSpec spec{"load", {}, std::vector<std::string>{"a", "b", "c", "d"}};
  spec.max_map_parallelism = 1;
  Define({spec, {"report", {"load"}}});
  RunRecord run = NewRunRecord();
  // What the crashed process recorded: load expanded, load[0] done, load[1]
  // running when it died.
  ASSERT_TRUE(store_->ExpandTask(run.id, "load", {"\"a\"", "\"b\"", "\"c\"", "\"d\""}).ok());
  ASSERT_TRUE(store_->SetTaskState(run.id, "load", TaskState::kRunning).ok());
  AttemptRecord done = *store_->StartAttempt(run.id, "load[0]", clock_->Now(), "");
  ASSERT_TRUE(store_->FinishAttempt(done.id, AttemptEnd{AttemptState::kSuccess, clock_->Now(), "", "", "{}",
                                                        TaskState::kSuccess}).ok());
  ASSERT_TRUE(store_->StartAttempt(run.id, "load[1]", clock_->Now(), "").ok());
  ASSERT_EQ(*store_->InterruptRunningAttempts(run.id, clock_->Now()), 1);
  runners_.items["load"] = [](const TaskContext&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"\"changed\""};  // what a query would say now
  };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(runners_.item_reads.count("load"), 0u);
  EXPECT_EQ(runners_.calls.count("load[0]"), 0u);
  EXPECT_EQ(runners_.calls["load[1]"], 1);
  EXPECT_EQ(runners_.seen_items["load[3]"], "\"d\"");
  EXPECT_EQ(store_->Attempts(run.id, "load[1]")->back().number, 2);
  EXPECT_EQ(States(run.id)["load"], "success");
  EXPECT_EQ(States(run.id)["report"], "success");
}

TEST_F(MappingTest, ResumeAfterAFailedInstanceRerunsOnlyIt) {
  Define({{"load", {}, std::vector<std::string>{"a", "b", "c"}}, {"report", {"load"}}});
  RunRecord run = NewRunRecord();
  bool broken = true;
  runners_.behaviours["load"] = [&](const TaskContext& c) -> Result<std::string> {
    if (*c.map_index == 2 && broken) return UserError("bad", "broken");
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run), RunState::kFailed);
  EXPECT_EQ(States(run.id)["load"], "failed");
  EXPECT_EQ(States(run.id)["report"], "upstream_failed");
  broken = false;
  ASSERT_TRUE(store_->ReopenRun(run.id).ok());
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(runners_.item_reads["load"], 1);
  EXPECT_EQ(runners_.calls["load[0]"], 1);
  EXPECT_EQ(runners_.calls["load[2]"], 2);
  EXPECT_EQ(States(run.id)["load"], "success");
}

// `weir clear --task load` forgets the expansion: the items are read again
// and may have changed; instances past the new count go.
TEST_F(MappingTest, AClearedMappedTaskIsExpandedAgain) {
  Define({{"load", {}, std::vector<std::string>{"a", "b", "c"}}});
  RunRecord run = NewRunRecord();
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  ASSERT_TRUE(store_->ResetExpansion(run.id, "load").ok());
  ASSERT_TRUE(store_->SetTaskState(run.id, "load", TaskState::kPending).ok());
  ASSERT_TRUE(store_->ReopenRun(run.id).ok());
  runners_.items["load"] = [](const TaskContext&) -> Result<std::vector<std::string>> {
    return std::vector<std::string>{"\"x\"", "\"y\""};
  };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(runners_.item_reads["load"], 2);
  EXPECT_EQ(runners_.seen_items["load[1]"], "\"y\"");
  EXPECT_EQ(runners_.calls["load[1]"], 2);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{
                                {"load", "success"}, {"load[0]", "success"}, {"load[1]", "success"}}));
  EXPECT_EQ(store_->Attempts(run.id, "load[0]")->back().number, 2);  // numbering goes on
}

TEST_F(MappingTest, StopInterruptsInstancesAndTheMappedTask) {
  clock_ = std::make_unique<SystemClock>();
  Define({{"load", {}, std::vector<std::string>{"a", "b"}}});
  RunRecord run = NewRunRecord();
  runners_.behaviours["load"] = [&](const TaskContext& c) -> Result<std::string> {
    if (*c.map_index == 0) return std::string("{}");
    executor_->Stop();
    while (!c.cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return Cancelled("stopped");
  };
  EXPECT_EQ(Execute(run, 1), RunState::kInterrupted);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{
                                {"load", "interrupted"}, {"load[0]", "success"}, {"load[1]", "interrupted"}}));
}

}  // namespace
}  // namespace weir
