// Callbacks and SLAs: which task changes call which callbacks, what the
// webhook receives, retries with backoff, SLA misses by timer and by a late
// success, once per task instance. The queue runs only when the test says
// (RunDue), on a FakeClock, so retry gaps and SLA deadlines are exact.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "connectors/tests/local_http_server.h"
#include "tasks/internal/callback_queue.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::LocalHttpServer;

constexpr char kSecret[] = "hook-5ecret-77";

// 2024-03-06T00:00:00Z: the end of the 2024-03-05 interval.
const TimePoint kIntervalEnd = std::chrono::system_clock::from_time_t(1709683200);

class RecordingSink final : public EventSink {
 public:
  void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status&,
                   std::optional<TimePoint>) override {
    seen.push_back(task_id + " " + std::string(TaskStateName(state)) + " " + std::to_string(attempt));
  }
  std::vector<std::string> seen;
};

class CallbacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("weir-callbacks-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())).string();
    std::filesystem::create_directories(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // Loads weir.yml and one pipeline, with {{URL}} replaced by the server's.
  void Load(std::string pipeline, const std::string& weir_yml = "name: p\n") {
    for (size_t at = pipeline.find("{URL}"); at != std::string::npos; at = pipeline.find("{URL}")) {
      pipeline.replace(at, 5, server_.Url(""));
    }
    FakeFilesystem fs;
    ASSERT_TRUE(fs.WriteFile(root_ + "/weir.yml", weir_yml).ok());
    ASSERT_TRUE(fs.WriteFile(root_ + "/pipelines/p.yml", pipeline).ok());
    ProjectLoad load = LoadProject(root_, fs);
    ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
    project_ = std::move(load.project);
    std::vector<std::string> ids;
    for (const TaskDef& t : project_.pipelines[0].tasks) ids.push_back(t.id);
    interval_ = DataInterval{kIntervalEnd - hours(24), kIntervalEnd, "2024-03-05", "2024-03-05T00:00:00+00:00",
                             "2024-03-06T00:00:00+00:00"};
    Result<RunRecord> run = store_->CreateRun(NewRun{"p", interval_.ds, interval_.start_iso, interval_.end_iso,
                                                     run_started_, ids});
    ASSERT_TRUE(run.ok());
    run_ = *run;
    callbacks_ = std::make_unique<Callbacks>(project_, services_, *store_, clock_, Options());
  }

  CallbackOptions Options() {
    return CallbackOptions{root_ + "/logs", [this](const std::string& line) { warnings_.push_back(line); }, false};
  }

  std::unique_ptr<RunCallbacks> Sink() { return callbacks_->ForRun(project_.pipelines[0], run_, interval_, inner_); }

  // Records attempt `number` of `task` with a log file that has a line in it.
  std::string Attempt(const std::string& task) {
    std::string path = root_ + "/" + task + "." + std::to_string(++attempts_[task]) + ".log";
    std::ofstream(path) << "task output\n";
    EXPECT_TRUE(store_->StartAttempt(run_.id, task, clock_.Now(), path).ok());
    return path;
  }

  nlohmann::json Body(const std::string& path, size_t i) {
    std::vector<LocalHttpServer::Request> got;
    for (const auto& r : server_.requests()) {
      if (r.path == path) got.push_back(r);
    }
    EXPECT_LT(i, got.size()) << path;
    return i < got.size() ? nlohmann::json::parse(got[i].body) : nlohmann::json();
  }

  std::string root_;
  LocalHttpServer server_;
  FakeClock clock_{kIntervalEnd + minutes(5)};
  TimePoint run_started_ = kIntervalEnd + minutes(5);
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
  PosixProcessLauncher processes_;
  FakeEnvironment env_{{{"WEIR_SECRET_HOOK", kSecret}}};
  LocalFilesystem files_;
  DuckDbConnector duckdb_;
  TaskServices services_{processes_, env_, files_, duckdb_};
  ProjectDef project_;
  DataInterval interval_;
  RunRecord run_;
  RecordingSink inner_;
  std::vector<std::string> warnings_;
  std::map<std::string, int> attempts_;
  std::unique_ptr<Callbacks> callbacks_;
};

TEST_F(CallbacksTest, FailureRetryAndSuccessCallTheirWebhooksWithThePayload) {
  Load(R"(pipeline: p
tasks:
  - id: t
    kind: shell
    command: "false"
    on_failure: {webhook: "{URL}/fail", headers: {Authorization: "Bearer {{ secret('hook') }}"}}
    on_retry: {webhook: "{URL}/retry"}
  - id: u
    kind: shell
    command: "true"
    on_failure: {webhook: "{URL}/fail"}
    on_success: {webhook: "{URL}/ok"}
)");
  server_.Script("/fail", {{200, ""}});
  server_.Script("/retry", {{204, ""}});
  server_.Script("/ok", {{200, ""}});
  auto sink = Sink();
  Status fault = Fault("shell-exit", "shell command exited with code 1");
  for (int n = 1; n <= 3; ++n) {
    Attempt("t");
    sink->TaskChanged("t", TaskState::kRunning, n, OkStatus(), std::nullopt);
    sink->TaskChanged("t", n < 3 ? TaskState::kUpForRetry : TaskState::kFailed, n, fault, std::nullopt);
  }
  sink->TaskChanged("u", TaskState::kUpstreamFailed, 0, OkStatus(), std::nullopt);  // not a failure of its own
  EXPECT_EQ(server_.requests().size(), 0u);  // nothing runs on the engine's thread
  callbacks_->RunDue();

  EXPECT_EQ(inner_.seen.size(), 7u);  // the wrapped sink hears everything
  EXPECT_EQ(server_.RequestCount("/retry"), 2);
  EXPECT_EQ(Body("/retry", 0)["attempt"], 1);
  EXPECT_EQ(Body("/retry", 1)["attempt"], 2);
  EXPECT_EQ(Body("/retry", 1)["state"], "up_for_retry");
  ASSERT_EQ(server_.RequestCount("/fail"), 1);
  EXPECT_EQ(server_.RequestCount("/ok"), 0);
  nlohmann::json failed = Body("/fail", 0);
  EXPECT_EQ(failed, nlohmann::json::parse(R"({"event": "on_failure", "pipeline": "p", "run_id": )" +
                                          std::to_string(run_.id.value) + R"(, "task": "t", "state": "failed",
      "attempt": 3, "ds": "2024-03-05", "data_interval_start": "2024-03-05T00:00:00+00:00",
      "data_interval_end": "2024-03-06T00:00:00+00:00", "error": "shell command exited with code 1",
      "error_code": "shell-exit", "log_path": ")" + root_ + R"(/t.3.log"})"));
  LocalHttpServer::Request request;
  for (const auto& r : server_.requests()) {
    if (r.path == "/fail") request = r;
  }
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("authorization"), std::string("Bearer ") + kSecret);

  sink->TaskChanged("u", TaskState::kSuccess, 1, OkStatus(), std::nullopt);
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/ok"), 1);
  EXPECT_EQ(Body("/ok", 0)["error"], nullptr);
  EXPECT_TRUE(warnings_.empty()) << warnings_[0];
}

TEST_F(CallbacksTest, AWebhookThatFailsIsTriedAgainWithBackoffAndTheTaskIsNotTouched) {
  Load("pipeline: p\ntasks:\n  - {id: t, kind: shell, command: x, on_failure: {webhook: \"{URL}/flaky\"}}\n");
  server_.Script("/flaky", {{500, "busy"}, {500, "busy"}, {200, "ok"}});
  auto sink = Sink();
  std::string log = Attempt("t");
  sink->TaskChanged("t", TaskState::kFailed, 1, UserError("x", "boom"), std::nullopt);
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/flaky"), 1);
  clock_.Advance(seconds(1));
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/flaky"), 2);
  clock_.Advance(seconds(1));  // the second wait is twice as long
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/flaky"), 2);
  clock_.Advance(seconds(1));
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/flaky"), 3);
  EXPECT_TRUE(warnings_.empty()) << warnings_[0];
  std::string text = Slurp(log);
  EXPECT_NE(text.find("[weir] on_failure webhook POST " + server_.Url("/flaky") +
                      ": answered 500 (try 1 of 4); again in 1s"), std::string::npos) << text;
  EXPECT_NE(text.find("answered 500 (try 2 of 4); again in 2s"), std::string::npos) << text;
  EXPECT_NE(text.find("on_failure webhook POST " + server_.Url("/flaky") + ": done (try 3 of 4)"), std::string::npos);
  Result<std::vector<TaskInstanceRecord>> tasks = store_->TaskInstances(run_.id);
  EXPECT_EQ((*tasks)[0].state, TaskState::kRunning);  // as the attempt left it: callbacks write no state
}

TEST_F(CallbacksTest, A404IsNotRetriedAndSecretsStayOutOfWarningsAndLogs) {
  Load("pipeline: p\ntasks:\n  - {id: t, kind: shell, command: x, on_failure: "
       "{webhook: \"{URL}/gone?key={{ secret('hook') }}\"}}\n");
  server_.Script("/gone", {{404, "no"}});
  auto sink = Sink();
  std::string log = Attempt("t");
  sink->TaskChanged("t", TaskState::kFailed, 1, UserError("x", "boom"), std::nullopt);
  callbacks_->RunDue();
  clock_.Advance(minutes(5));
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/gone"), 1);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "task 't' of p (2024-03-05): on_failure webhook POST " + server_.Url("/gone") +
                              "?key=*** failed: answered 404");
  std::string text = Slurp(log);
  EXPECT_NE(text.find("?key=*** failed: answered 404"), std::string::npos) << text;
  EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
}

TEST_F(CallbacksTest, ShellActionsGetThePayloadAndTheirFailuresAreWarnings) {
  Load(R"(pipeline: p
tasks:
  - id: t
    kind: shell
    command: x
    on_success:
      - shell: "printf '%s' \"$WEIR_CALLBACK_PAYLOAD\" > payload.json; echo {{ event }} {{ state }} {{ task_id }}"
      - shell: "echo about to fail; exit 3"
)");
  auto sink = Sink();
  std::string log = Attempt("t");
  sink->TaskChanged("t", TaskState::kCached, 1, OkStatus(), std::nullopt);
  callbacks_->RunDue();
  nlohmann::json payload = nlohmann::json::parse(Slurp(root_ + "/payload.json"));
  EXPECT_EQ(payload["event"], "on_success");
  EXPECT_EQ(payload["state"], "cached");
  EXPECT_EQ(payload["log_path"], log);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "task 't' of p (2024-03-05): on_success shell: echo about to fail; exit 3 failed: "
                          "exited with code 3");
  std::string text = Slurp(log);
  EXPECT_NE(text.find("on_success cached t\n"), std::string::npos) << text;
  EXPECT_NE(text.find("about to fail\n"), std::string::npos) << text;
}

TEST_F(CallbacksTest, AnSlaIsMissedOnceWhileTheTaskRunsAndNotAgainAfterAResume) {
  Load("pipeline: p\ntasks:\n  - {id: t, kind: shell, command: x, sla: 10m, "
       "on_sla_miss: {webhook: \"{URL}/late\"}}\n");
  server_.Script("/late", {{200, ""}});
  auto sink = Sink();
  Attempt("t");
  sink->TaskChanged("t", TaskState::kRunning, 1, OkStatus(), std::nullopt);
  clock_.Advance(minutes(9));
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/late"), 0);
  clock_.Advance(minutes(2));  // 10 minutes after the run started (after the interval ended)
  callbacks_->RunDue();
  ASSERT_EQ(server_.RequestCount("/late"), 1);
  nlohmann::json late = Body("/late", 0);
  EXPECT_EQ(late["event"], "on_sla_miss");
  EXPECT_EQ(late["state"], "running");
  EXPECT_EQ(late["sla"], "10m");
  EXPECT_EQ(late["sla_deadline"], "2024-03-06T00:15:00Z");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "task 't' of p (2024-03-05) missed its SLA of 10m: not done by 2024-03-06T00:15:00Z "
                          "(state: running)");
  std::string marker = root_ + "/logs/p/2024-03-05/run-" + std::to_string(run_.id.value) + "/t.sla_miss";
  EXPECT_NE(Slurp(marker).find("\"event\":\"on_sla_miss\""), std::string::npos);

  sink->TaskChanged("t", TaskState::kSuccess, 1, OkStatus(), std::nullopt);  // late, but already reported
  callbacks_->RunDue();
  sink.reset();
  auto resumed = Sink();  // the same run again: the record says it was reported
  resumed->TaskChanged("t", TaskState::kSuccess, 2, OkStatus(), std::nullopt);
  clock_.Advance(hours(1));
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/late"), 1);
  EXPECT_EQ(warnings_.size(), 1u);
}

TEST_F(CallbacksTest, ALateSuccessIsAMissEvenBeforeTheTimerRuns) {
  Load("pipeline: p\ntasks:\n  - {id: t, kind: shell, command: x, sla: 10m, "
       "on_sla_miss: {webhook: \"{URL}/late\"}}\n  - {id: quick, kind: shell, command: x, sla: 10m}\n");
  server_.Script("/late", {{200, ""}});
  auto sink = Sink();
  sink->TaskChanged("quick", TaskState::kSuccess, 1, OkStatus(), std::nullopt);  // in time
  clock_.Advance(minutes(11));
  sink->TaskChanged("t", TaskState::kSuccess, 1, OkStatus(), std::nullopt);
  callbacks_->RunDue();  // the success's miss, then the timer (due too), which finds it reported
  EXPECT_EQ(server_.RequestCount("/late"), 1);
  EXPECT_EQ(Body("/late", 0)["state"], "success");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_NE(warnings_[0].find("task 't'"), std::string::npos);
}

TEST_F(CallbacksTest, TheSlaCountsFromTheIntervalEndForARunStartedBeforeIt) {
  run_started_ = kIntervalEnd - hours(1);
  clock_.Advance(-minutes(65));  // now: the run's start
  Load("pipeline: p\ntasks:\n  - {id: t, kind: shell, command: x, sla: 10m}\n"
       "  - {id: failed_in_time, kind: shell, command: x, sla: 10m}\n");
  auto sink = Sink();
  sink->TaskChanged("failed_in_time", TaskState::kFailed, 1, UserError("x", "boom"), std::nullopt);
  clock_.Advance(minutes(30));
  callbacks_->RunDue();
  EXPECT_TRUE(warnings_.empty());
  clock_.Advance(minutes(41));  // 11 minutes after the interval's end
  callbacks_->RunDue();
  ASSERT_EQ(warnings_.size(), 1u);  // a task that failed in time gets on_failure, not a miss
  EXPECT_NE(warnings_[0].find("task 't' of p (2024-03-05) missed its SLA of 10m: not done by 2024-03-06T00:10:00Z"),
            std::string::npos) << warnings_[0];
}

TEST_F(CallbacksTest, TheRunsOwnCallbacksNameTheFailedTasks) {
  Load("pipeline: p\non_failure: {webhook: \"{URL}/run\"}\non_success: {webhook: \"{URL}/run\"}\n"
       "tasks:\n  - {id: a, kind: shell, command: x}\n  - {id: b, kind: shell, command: x}\n");
  ASSERT_TRUE(store_->SetTaskState(run_.id, "b", TaskState::kFailed).ok());
  auto sink = Sink();
  sink->RunFinished(RunState::kInterrupted);  // neither callback
  callbacks_->RunDue();
  EXPECT_EQ(server_.RequestCount("/run"), 0);
  sink->RunFinished(RunState::kFailed);
  callbacks_->RunDue();
  nlohmann::json run = Body("/run", 0);
  EXPECT_EQ(run["event"], "on_failure");
  EXPECT_EQ(run["task"], nullptr);
  EXPECT_EQ(run["attempt"], nullptr);
  EXPECT_EQ(run["state"], "failed");
  EXPECT_EQ(run["error"], "failed tasks: b");
}

TEST(CallbackQueueTest, ABackgroundQueueRunsJobsInOrderAndDrainsWithABoundedWait) {
  SystemClock clock;
  tasks_internal::CallbackQueue queue(clock, true);
  std::mutex mu;
  std::vector<int> ran;
  for (int i = 0; i < 3; ++i) {
    queue.Post([&, i](const CancelToken&) {
      std::lock_guard<std::mutex> lock(mu);
      ran.push_back(i);
    });
  }
  EXPECT_EQ(queue.Drain(seconds(30)), 0);
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2}));
  int later = queue.PostAt(clock.Now() + hours(1), [](const CancelToken&) {});
  EXPECT_EQ(queue.Drain(std::chrono::milliseconds(20)), 1);  // gives up on what is not due
  queue.Cancel(later);
  EXPECT_EQ(queue.Drain(seconds(30)), 0);
  queue.PostAt(clock.Now() + hours(1), [](const CancelToken&) {});
  queue.Abandon();  // a second Ctrl-C: no waiting, whatever the limit
  EXPECT_EQ(queue.Drain(hours(1)), 1);
}

TEST_F(CallbacksTest, AStaleDatasetsOnStaleRunsAsOfTheRunThatLastUpdatedIt) {
  Load(R"(pipeline: p
tasks:
  - id: load
    kind: shell
    command: x
    produces: [analytics.sales]
)", R"(name: p
datasets:
  analytics.sales:
    freshness: 1h
    on_stale:
      - shell: "printf '%s' \"$WEIR_CALLBACK_PAYLOAD\" > payload.json; echo {{ dataset }} {{ task_id }} {{ ds }} $WEIR_DATASET > said.txt"
)");
  DatasetEvent update{4, "analytics.sales", "p", run_.id, "load", interval_.start_iso, interval_.end_iso,
                      kIntervalEnd};
  FreshnessCheck check = EvaluateFreshness("analytics.sales", hours(1), update, DatasetFreshnessRecord{},
                                           kIntervalEnd + hours(2) + std::chrono::milliseconds(700));
  ASSERT_TRUE(check.stale);
  callbacks_->DatasetStale(project_.datasets.at("analytics.sales"), check);
  callbacks_->RunDue();
  EXPECT_EQ(Slurp(root_ + "/said.txt"), "analytics.sales load 2024-03-05 analytics.sales\n");
  nlohmann::json payload = nlohmann::json::parse(Slurp(root_ + "/payload.json"));
  EXPECT_EQ(payload["event"], "on_stale");
  EXPECT_EQ(payload["state"], "stale");
  EXPECT_EQ(payload["dataset"], "analytics.sales");
  EXPECT_EQ(payload["freshness"], "1h");
  EXPECT_EQ(payload["age"], "2h");  // whole seconds
  EXPECT_EQ(payload["last_updated"], "2024-03-06T00:00:00Z");
  EXPECT_EQ(payload["run_id"], run_.id.value);
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "dataset 'analytics.sales' was last updated 2024-03-06T00:00:00Z, 2h ago; its "
                          "freshness promise is 1h");
}

TEST_F(CallbacksTest, ADatasetNeverUpdatedIsDescribedByTheTaskThatProducesIt) {
  Load("pipeline: p\ntasks:\n  - {id: load, kind: shell, command: x, produces: [d]}\n",
       "name: p\ndatasets:\n  d: {freshness: 1h, on_stale: {shell: \"echo {{ pipeline }} {{ task_id }} > said.txt\"}}\n");
  FreshnessCheck check = EvaluateFreshness("d", hours(1), std::nullopt,
                                           DatasetFreshnessRecord{kIntervalEnd, std::nullopt, 0}, kIntervalEnd + hours(3));
  callbacks_->DatasetStale(project_.datasets.at("d"), check);
  callbacks_->RunDue();
  EXPECT_EQ(Slurp(root_ + "/said.txt"), "p load\n");
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "dataset 'd' has never been updated (watched for 3h); its freshness promise is 1h");
}

}  // namespace
}  // namespace weir
