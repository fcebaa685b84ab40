#include <algorithm>
#include <atomic>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <thread>

#include "engine/engine.h"

namespace weir {
namespace {

using Behaviour = std::function<Result<std::string>(const TaskContext&)>;

// Runs each task by the behaviour registered for its id.
class ScriptedRunners final : public TaskRunnerFactory, public TaskRunner {
 public:
  std::map<std::string, Behaviour> behaviours;
  std::map<std::string, int> calls;
  std::mutex mu;

  Result<std::shared_ptr<TaskRunner>> RunnerFor(const TaskDef& task) override {
    if (task.kind.value == "unavailable") return UserError("unavailable-kind", "kind not available");
    return std::shared_ptr<TaskRunner>(this, [](TaskRunner*) {});
  }
  Result<std::string> Run(const TaskContext& context) override {
    Behaviour b;
    {
      std::lock_guard<std::mutex> guard(mu);
      ++calls[context.task.id];
      auto it = behaviours.find(context.task.id);
      if (it != behaviours.end()) b = it->second;
    }
    return b ? b(context) : Result<std::string>(std::string("{}"));
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
  RetryPolicy retry;
  TriggerRule rule = TriggerRule::kAllSuccess;
  std::optional<std::chrono::milliseconds> timeout;
  std::string kind = "test";
};

class ExecutorTest : public ::testing::Test {
 protected:
  void Define(const std::vector<TaskSpec>& specs) {
    pipeline_.name = "p";
    for (const TaskSpec& s : specs) {
      TaskDef t;
      t.id = s.id;
      t.kind = {s.kind, {}};
      for (const auto& a : s.after) t.after.push_back({a, {}});
      t.retry = s.retry;
      t.trigger_rule = s.rule;
      t.timeout = s.timeout;
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

  RunState Execute(const RunRecord& run, int threads = 2, std::optional<std::set<std::string>> only = {}) {
    executor_ = std::make_unique<RunExecutor>(project_, *graph_, *store_, runners_, *clock_, events_,
                                              ExecutorOptions{threads, "/tmp/weir-executor-test-logs", only, 42});
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

  std::vector<AttemptRecord> Attempts(RunId run, const std::string& task) { return *store_->Attempts(run, task); }

  ProjectDef project_;
  PipelineDef pipeline_;
  std::unique_ptr<PipelineGraph> graph_;
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
  std::unique_ptr<Clock> clock_ = std::make_unique<FakeClock>(TimePoint(std::chrono::hours(24 * 20000)));
  ScriptedRunners runners_;
  RecordingEvents events_;
  DataInterval interval_;
  std::unique_ptr<RunExecutor> executor_;
};

TEST_F(ExecutorTest, RunsInDependencyOrderAndRecordsSuccess) {
  Define({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}});
  RunRecord run = NewRunRecord();
  runners_.behaviours["b"] = [](const TaskContext&) { return Result<std::string>(std::string(R"({"rows": 3})")); };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(events_.lines, (std::vector<std::string>{"a running 1", "a success 1", "b running 1", "b success 1",
                                                     "c running 1", "c success 1"}));
  EXPECT_EQ(Attempts(run.id, "b")[0].output_json, R"({"rows": 3})");
  EXPECT_EQ(store_->GetRun(run.id)->state, RunState::kSuccess);
}

TEST_F(ExecutorTest, FaultIsRetriedWithExponentialBackoff) {
  RetryPolicy retry{3, std::chrono::seconds(60), true, std::chrono::hours(1), RetryOn::kFaults};
  Define({{"flaky", {}, retry}});
  RunRecord run = NewRunRecord();
  int failures_left = 2;
  runners_.behaviours["flaky"] = [&](const TaskContext&) -> Result<std::string> {
    if (failures_left-- > 0) return Fault("http-503", "service unavailable");
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  std::vector<AttemptRecord> attempts = Attempts(run.id, "flaky");
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].state, AttemptState::kFailed);
  EXPECT_EQ(attempts[0].error_code, "http-503");
  EXPECT_EQ(attempts[2].state, AttemptState::kSuccess);
  // Gaps: 60 s then 120 s, each shortened by at most 10% jitter.
  auto gap1 = attempts[1].started_at - *attempts[0].ended_at;
  auto gap2 = attempts[2].started_at - *attempts[1].ended_at;
  EXPECT_GE(gap1, std::chrono::seconds(54));
  EXPECT_LE(gap1, std::chrono::seconds(60));
  EXPECT_GE(gap2, std::chrono::seconds(108));
  EXPECT_LE(gap2, std::chrono::seconds(120));
}

TEST_F(ExecutorTest, RetryAfterHintLengthensTheDelay) {
  RetryPolicy retry{2, std::chrono::seconds(1), false, std::chrono::hours(1), RetryOn::kFaults};
  Define({{"limited", {}, retry}});
  RunRecord run = NewRunRecord();
  int failures_left = 1;
  runners_.behaviours["limited"] = [&](const TaskContext&) -> Result<std::string> {
    if (failures_left-- > 0) return Fault("http-status", "429 Too Many Requests").WithRetryAfter(std::chrono::seconds(90));
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  std::vector<AttemptRecord> attempts = Attempts(run.id, "limited");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_GE(attempts[1].started_at - *attempts[0].ended_at, std::chrono::seconds(90));
  EXPECT_LE(attempts[1].started_at - *attempts[0].ended_at, std::chrono::seconds(91));
}

TEST_F(ExecutorTest, UserErrorIsNotRetriedUnlessRetryOnAny) {
  RetryPolicy retry{3, std::chrono::seconds(1), false, std::chrono::hours(1), RetryOn::kFaults};
  RetryPolicy any = retry;
  any.retry_on = RetryOn::kAny;
  Define({{"bad_sql", {}, retry}, {"any", {}, any}, {"after_bad", {"bad_sql"}}});
  RunRecord run = NewRunRecord();
  runners_.behaviours["bad_sql"] = [](const TaskContext&) -> Result<std::string> {
    return UserError("sql", "syntax error at or near SELEC");
  };
  runners_.behaviours["any"] = runners_.behaviours["bad_sql"];
  EXPECT_EQ(Execute(run), RunState::kFailed);
  EXPECT_EQ(Attempts(run.id, "bad_sql").size(), 1u);
  EXPECT_EQ(Attempts(run.id, "any").size(), 4u);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{
                                {"after_bad", "upstream_failed"}, {"any", "failed"}, {"bad_sql", "failed"}}));
}

TEST_F(ExecutorTest, TriggerRulesDecideWhatRunsAfterAFailure) {
  Define({{"fails", {}},
          {"cleanup", {"fails"}, {}, TriggerRule::kAllDone},
          {"alert", {"fails"}, {}, TriggerRule::kOneFailed},
          {"report", {"cleanup"}, {}, TriggerRule::kNoneFailed},
          {"never", {"fails"}}});
  RunRecord run = NewRunRecord();
  runners_.behaviours["fails"] = [](const TaskContext&) -> Result<std::string> { return UserError("x", "boom"); };
  EXPECT_EQ(Execute(run), RunState::kFailed);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"alert", "success"},
                                                                {"cleanup", "success"},
                                                                {"fails", "failed"},
                                                                {"never", "upstream_failed"},
                                                                {"report", "success"}}));
}

TEST_F(ExecutorTest, IndependentTasksRunInParallel) {
  clock_ = std::make_unique<SystemClock>();
  Define({{"left", {}}, {"right", {}}});
  RunRecord run = NewRunRecord();
  std::atomic<bool> left_started{false}, right_started{false};
  auto wait_for = [](std::atomic<bool>& mine, std::atomic<bool>& other) -> Result<std::string> {
    mine = true;
    for (int i = 0; i < 500 && !other; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!other) return UserError("deadlock", "the other task never started");
    return std::string("{}");
  };
  runners_.behaviours["left"] = [&](const TaskContext&) { return wait_for(left_started, right_started); };
  runners_.behaviours["right"] = [&](const TaskContext&) { return wait_for(right_started, left_started); };
  EXPECT_EQ(Execute(run, 2), RunState::kSuccess);
}

TEST_F(ExecutorTest, TimeoutCancelsTheAttemptAndCountsAsAFault) {
  clock_ = std::make_unique<SystemClock>();
  RetryPolicy retry{1, std::chrono::milliseconds(10), false, std::chrono::hours(1), RetryOn::kFaults};
  Define({{"slow", {}, retry, TriggerRule::kAllSuccess, std::chrono::milliseconds(100)}});
  RunRecord run = NewRunRecord();
  runners_.behaviours["slow"] = [](const TaskContext& c) -> Result<std::string> {
    while (!c.cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return Cancelled("stopped");
  };
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Execute(run), RunState::kFailed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  std::vector<AttemptRecord> attempts = Attempts(run.id, "slow");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].error_code, "timeout");
  EXPECT_EQ(attempts[1].error_code, "timeout");
  EXPECT_GE(*attempts[0].ended_at - attempts[0].started_at, std::chrono::milliseconds(100));
}

TEST_F(ExecutorTest, StopInterruptsRunningTasks) {
  clock_ = std::make_unique<SystemClock>();
  Define({{"long", {}}, {"next", {"long"}}});
  RunRecord run = NewRunRecord();
  std::atomic<bool> started{false};
  runners_.behaviours["long"] = [&](const TaskContext& c) -> Result<std::string> {
    started = true;
    while (!c.cancel.cancelled()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return Cancelled("stopped");
  };
  std::thread stopper([&] {
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    while (!executor_) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    executor_->Stop();
  });
  EXPECT_EQ(Execute(run), RunState::kInterrupted);
  stopper.join();
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"long", "interrupted"}, {"next", "pending"}}));
  EXPECT_EQ(Attempts(run.id, "long")[0].state, AttemptState::kInterrupted);
  EXPECT_EQ(store_->GetRun(run.id)->state, RunState::kInterrupted);
}

TEST_F(ExecutorTest, ResumeKeepsFinishedTasksAndRerunsTheRest) {
  Define({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}});
  RunRecord run = NewRunRecord();
  bool fail_b = true;
  runners_.behaviours["b"] = [&](const TaskContext&) -> Result<std::string> {
    if (fail_b) return UserError("x", "broken input");
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run), RunState::kFailed);
  fail_b = false;
  ASSERT_TRUE(store_->ReopenRun(run.id).ok());
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(runners_.calls["a"], 1);
  EXPECT_EQ(runners_.calls["b"], 2);
  EXPECT_EQ(Attempts(run.id, "a").size(), 1u);
  EXPECT_EQ(Attempts(run.id, "b").size(), 2u);
  EXPECT_EQ(Attempts(run.id, "b")[1].number, 2);
}

TEST_F(ExecutorTest, OnlySelectedTasksRun) {
  Define({{"a", {}}, {"b", {"a"}}});
  RunRecord run = NewRunRecord();
  EXPECT_EQ(Execute(run, 2, std::set<std::string>{"b"}), RunState::kInterrupted);
  EXPECT_EQ(runners_.calls.count("a"), 0u);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"a", "pending"}, {"b", "success"}}));
}

TEST_F(ExecutorTest, SelectedTasksKeepTheirOrder) {
  Define({{"a", {}}, {"b", {"a"}}, {"c", {"b"}}});
  RunRecord run = NewRunRecord();
  std::vector<std::string> order;
  std::mutex mu;
  for (const char* id : {"b", "c"}) {
    runners_.behaviours[id] = [&, id](const TaskContext&) -> Result<std::string> {
      std::lock_guard<std::mutex> guard(mu);
      order.push_back(id);
      return std::string("{}");
    };
  }
  Execute(run, 2, std::set<std::string>{"c", "b"});
  EXPECT_EQ(order, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(runners_.calls.count("a"), 0u);
}

TEST_F(ExecutorTest, SkippedTaskSkipsItsAllSuccessDownstream) {
  Define({{"gate", {}}, {"work", {"gate"}}, {"report", {"work"}, {}, TriggerRule::kAllDone},
          {"notify", {"gate"}, {}, TriggerRule::kNoneFailed}});
  RunRecord run = NewRunRecord();
  runners_.behaviours["gate"] = [](const TaskContext&) -> Result<std::string> { return SkipTask("nothing new"); };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{
                                {"gate", "skipped"}, {"notify", "success"}, {"report", "success"}, {"work", "skipped"}}));
  EXPECT_EQ(runners_.calls.count("work"), 0u);
  EXPECT_EQ(Attempts(run.id, "gate")[0].error_message, "nothing new");
}

TEST_F(ExecutorTest, PoolLimitsConcurrencyAndPriorityOrdersTheQueue) {
  clock_ = std::make_unique<SystemClock>();
  std::vector<TaskSpec> specs;
  for (int i = 0; i < 6; ++i) specs.push_back({"t" + std::to_string(i), {}});
  Define(specs);
  for (int i = 0; i < 6; ++i) {
    pipeline_.tasks[i].pool = "api";
    pipeline_.tasks[i].priority = i;  // t5 first
  }
  RunRecord run = NewRunRecord();
  std::mutex mu;
  int running = 0, peak = 0;
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) {
    runners_.behaviours["t" + std::to_string(i)] = [&, i](const TaskContext&) -> Result<std::string> {
      {
        std::lock_guard<std::mutex> guard(mu);
        peak = std::max(peak, ++running);
        order.push_back("t" + std::to_string(i));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      std::lock_guard<std::mutex> guard(mu);
      --running;
      return std::string("{}");
    };
  }
  PoolSlots pools({{"api", 2}});
  ExecutorOptions options{4, "/tmp/weir-executor-test-logs", std::nullopt, 42, &pools};
  RunExecutor executor(project_, *graph_, *store_, runners_, *clock_, events_, options);
  ASSERT_EQ(*executor.Execute(run, interval_), RunState::kSuccess);
  EXPECT_EQ(peak, 2);
  EXPECT_EQ(pools.in_use("api"), 0);
  ASSERT_EQ(order.size(), 6u);
  EXPECT_EQ(std::set<std::string>(order.begin(), order.begin() + 2), (std::set<std::string>{"t5", "t4"}));
  // Two tasks can be handed out in one round; their starts may interleave.
  EXPECT_EQ(std::set<std::string>(order.end() - 2, order.end()), (std::set<std::string>{"t1", "t0"}));
}

TEST(PoolSlotsTest, AcquireReleaseAndListeners) {
  PoolSlots pools({{"db", 3}});
  int woken = 0;
  int id = pools.AddListener([&] { ++woken; });
  EXPECT_TRUE(pools.TryAcquire("db", 2));
  EXPECT_FALSE(pools.TryAcquire("db", 2));
  EXPECT_TRUE(pools.TryAcquire("db", 1));
  EXPECT_TRUE(pools.TryAcquire("unlimited", 100));
  EXPECT_EQ(pools.in_use("db"), 3);
  pools.Release("db", 2);
  EXPECT_EQ(woken, 1);
  pools.RemoveListener(id);
  pools.Release("db", 1);
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(pools.in_use("db"), 0);
}

TEST_F(ExecutorTest, UnavailableKindFailsWithItsReason) {
  TaskSpec t{"t", {}};
  t.kind = "unavailable";
  Define({t});
  RunRecord run = NewRunRecord();
  EXPECT_EQ(Execute(run), RunState::kFailed);
  ASSERT_EQ(Attempts(run.id, "t").size(), 1u);
  EXPECT_EQ(Attempts(run.id, "t")[0].error_code, "unavailable-kind");
}

// A sensor whose condition another task brings about, with one worker:
// it can only be met if its waits leave the worker free for that task.
TEST_F(ExecutorTest, WaitingSensorHoldsNoWorkerAndItsDownstreamRunsOnceMet) {
  Define({{"wait", {}}, {"produce", {}}, {"after", {"wait"}}});
  pipeline_.tasks[0].sensor = SensorPolicy{std::chrono::seconds(60), std::chrono::hours(1), false};
  RunRecord run = NewRunRecord();
  std::atomic<bool> produced{false};
  runners_.behaviours["wait"] = [&](const TaskContext&) -> Result<std::string> {
    if (!produced) return NotYet("no file yet");
    return std::string(R"({"matched": 1})");
  };
  runners_.behaviours["produce"] = [&](const TaskContext&) -> Result<std::string> {
    produced = true;
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run, /*threads=*/1), RunState::kSuccess);
  EXPECT_EQ(events_.lines, (std::vector<std::string>{"wait running 1", "wait up_for_reschedule 1", "produce running 1",
                                                     "produce success 1", "wait running 1", "wait success 1",
                                                     "after running 1", "after success 1"}));
  EXPECT_EQ(runners_.calls["wait"], 2);
  // One attempt for the whole wait, not one per poke, and no failure recorded.
  std::vector<AttemptRecord> attempts = Attempts(run.id, "wait");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].state, AttemptState::kSuccess);
  EXPECT_EQ(attempts[0].output_json, R"({"matched": 1})");
  // The second poke came one poke interval after the first.
  std::vector<TimePoint> waits = static_cast<FakeClock&>(*clock_).waits();
  EXPECT_NE(std::find(waits.begin(), waits.end(), attempts[0].started_at + std::chrono::seconds(60)), waits.end());
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{
                                {"wait", "success"}, {"produce", "success"}, {"after", "success"}}));
}

TEST_F(ExecutorTest, SensorPastItsTimeoutFailsWithoutRetries) {
  RetryPolicy retry{3, std::chrono::seconds(1), false, std::chrono::hours(1), RetryOn::kAny};
  Define({{"wait", {}, retry}, {"after", {"wait"}}});
  pipeline_.tasks[0].sensor = SensorPolicy{std::chrono::seconds(10), std::chrono::seconds(35), false};
  RunRecord run = NewRunRecord();
  runners_.behaviours["wait"] = [](const TaskContext&) -> Result<std::string> { return NotYet("no file yet"); };
  EXPECT_EQ(Execute(run), RunState::kFailed);
  // Pokes at 0, 10, 20 and 30 s, and a last one at the timeout, 35 s.
  EXPECT_EQ(runners_.calls["wait"], 5);
  std::vector<AttemptRecord> attempts = Attempts(run.id, "wait");
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].state, AttemptState::kFailed);
  EXPECT_EQ(attempts[0].error_code, "sensor-timeout");
  EXPECT_NE(attempts[0].error_message.find("no file yet"), std::string::npos) << attempts[0].error_message;
  EXPECT_EQ(*attempts[0].ended_at - attempts[0].started_at, std::chrono::seconds(35));
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"wait", "failed"}, {"after", "upstream_failed"}}));
}

TEST_F(ExecutorTest, SoftFailSensorPastItsTimeoutSkipsItsDownstream) {
  Define({{"wait", {}}, {"after", {"wait"}}});
  pipeline_.tasks[0].sensor = SensorPolicy{std::chrono::seconds(10), std::chrono::seconds(20), true};
  RunRecord run = NewRunRecord();
  runners_.behaviours["wait"] = [](const TaskContext&) -> Result<std::string> { return NotYet("no file yet"); };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  EXPECT_EQ(runners_.calls["wait"], 3);
  EXPECT_EQ(runners_.calls["after"], 0);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"wait", "skipped"}, {"after", "skipped"}}));
  ASSERT_EQ(Attempts(run.id, "wait").size(), 1u);
  EXPECT_EQ(Attempts(run.id, "wait")[0].error_code, "sensor-timeout");
}

// A fault during a poke is retried as any fault (a new attempt, whose wait
// starts again), and pokes do not use up the retries.
TEST_F(ExecutorTest, SensorPokesDoNotUseRetries) {
  RetryPolicy retry{1, std::chrono::seconds(5), false, std::chrono::hours(1), RetryOn::kFaults};
  Define({{"wait", {}, retry}});
  pipeline_.tasks[0].sensor = SensorPolicy{std::chrono::seconds(10), std::chrono::hours(1), false};
  RunRecord run = NewRunRecord();
  int poke = 0;
  runners_.behaviours["wait"] = [&](const TaskContext&) -> Result<std::string> {
    ++poke;
    if (poke == 4) return Fault("http-connection", "connection reset");
    if (poke < 7) return NotYet("not there");
    return std::string("{}");
  };
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  std::vector<AttemptRecord> attempts = Attempts(run.id, "wait");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].error_code, "http-connection");
  EXPECT_EQ(attempts[1].state, AttemptState::kSuccess);
}

// Stopped between two pokes, the sensor's attempt ends interrupted; the
// resumed run pokes again with a new attempt.
TEST_F(ExecutorTest, StoppedSensorIsInterruptedAndResumingPokesAgain) {
  Define({{"wait", {}}, {"after", {"wait"}}});
  pipeline_.tasks[0].sensor = SensorPolicy{std::chrono::seconds(10), std::chrono::hours(1), false};
  RunRecord run = NewRunRecord();
  bool arrived = false;
  runners_.behaviours["wait"] = [&](const TaskContext&) -> Result<std::string> {
    if (arrived) return std::string("{}");
    if (runners_.calls["wait"] == 2) executor_->Stop();
    return NotYet("not there");
  };
  EXPECT_EQ(Execute(run), RunState::kInterrupted);
  EXPECT_EQ(States(run.id), (std::map<std::string, std::string>{{"wait", "interrupted"}, {"after", "pending"}}));
  ASSERT_EQ(Attempts(run.id, "wait").size(), 1u);
  EXPECT_EQ(Attempts(run.id, "wait")[0].state, AttemptState::kInterrupted);
  arrived = true;
  ASSERT_TRUE(store_->ReopenRun(run.id).ok());
  EXPECT_EQ(Execute(run), RunState::kSuccess);
  std::vector<AttemptRecord> attempts = Attempts(run.id, "wait");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[1].number, 2);
  EXPECT_EQ(attempts[1].state, AttemptState::kSuccess);
  EXPECT_EQ(States(run.id)["after"], "success");
}

TEST(RetryDelayTest, DoublesAndCaps) {
  RetryPolicy p{5, std::chrono::seconds(10), true, std::chrono::seconds(50), RetryOn::kFaults};
  EXPECT_EQ(RetryDelay(p, 1, 0.0), std::chrono::seconds(10));
  EXPECT_EQ(RetryDelay(p, 2, 0.0), std::chrono::seconds(20));
  EXPECT_EQ(RetryDelay(p, 3, 0.5), std::chrono::milliseconds(38000));
  EXPECT_EQ(RetryDelay(p, 4, 0.0), std::chrono::seconds(50));
  p.exponential_backoff = false;
  EXPECT_EQ(RetryDelay(p, 4, 0.9), std::chrono::seconds(10));
}

}  // namespace
}  // namespace weir
