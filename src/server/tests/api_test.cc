// The request handlers through Api::Handle, without a socket: each route's
// answers for good and bad input, and what its writes leave in the state
// store (the store read back directly, not through the API).
#include "server/tests/api_test_support.h"

namespace weir::server_test {
namespace {

using nlohmann::json;

std::vector<std::string> Strings(const json& list, const std::string& key) {
  std::vector<std::string> out;
  for (const json& item : list) out.push_back(item[key].is_string() ? item[key].get<std::string>() : item[key].dump());
  return out;
}

std::vector<AuditEntry> AuditOf(StateStore& store) {
  Result<std::vector<AuditEntry>> entries = store.AuditLog(0, 0);
  EXPECT_TRUE(entries.ok());
  return entries.ok() ? *entries : std::vector<AuditEntry>{};
}

TEST_F(ApiTest, PipelinesListTheirScheduleNextRunPauseAndLatestRuns) {
  RunRecord first = CreateRun("chain", "2024-03-08");
  RunRecord second = CreateRun("chain", "2024-03-09");
  HttpResponse response = Call("GET", "/api/v1/pipelines");
  ASSERT_EQ(response.status, 200) << response.body;
  json pipelines = JsonOf(response)["pipelines"];
  ASSERT_EQ(pipelines.size(), 2u);
  const json& chain = pipelines[0];
  EXPECT_EQ(chain["name"], "chain");
  EXPECT_EQ(chain["schedule"], "0 6 * * *");
  EXPECT_EQ(chain["paused"], false);
  EXPECT_EQ(chain["tags"], json::array({"demo"}));
  // At 12:00 on the 10th the interval that started at 06:00 is open; it is
  // due when it ends at 06:00 on the 11th.
  EXPECT_EQ(chain["next_run"]["ds"], "2024-03-10");
  EXPECT_EQ(chain["next_run"]["interval_start"], "2024-03-10T06:00:00+00:00");
  EXPECT_EQ(chain["next_run"]["due_at"], "2024-03-11T06:00:00Z");
  EXPECT_EQ(Strings(chain["last_runs"], "id"), (std::vector<std::string>{std::to_string(second.id.value),
                                                                          std::to_string(first.id.value)}));
  EXPECT_EQ(pipelines[1]["name"], "manual");
  EXPECT_TRUE(pipelines[1]["schedule"].is_null());
  EXPECT_TRUE(pipelines[1]["next_run"].is_null());

  // With catchup off, an interval owed long ago is skipped to the open one;
  // one owed in the future is next.
  ASSERT_TRUE(store_->SetNextScheduledStart("chain", Utc("2024-03-12T06:00:00")).ok());
  EXPECT_EQ(JsonOf(Call("GET", "/api/v1/pipelines/chain"))["next_run"]["ds"], "2024-03-12");
  EXPECT_EQ(JsonOf(Call("GET", "/api/v1/pipelines?last_runs=1"))["pipelines"][0]["last_runs"].size(), 1u);
}

// Before its start_date a pipeline's next run is its first interval, not
// today's: the scheduler starts nothing earlier.
TEST_F(ApiTest, NextRunOfAPipelineNotStartedYetIsItsFirstInterval) {
  FakeClock before_start(Utc("2023-06-01T12:00:00"));
  ServerContext context = Context(&scheduler_);
  context.clock = &before_start;
  Api early(context);
  HttpRequest request;
  request.path = "/api/v1/pipelines/chain";
  json chain = JsonOf(early.Handle(request));
  EXPECT_EQ(chain["start_date"], "2024-01-01");
  EXPECT_EQ(chain["next_run"]["ds"], "2024-01-01");
  EXPECT_EQ(chain["next_run"]["interval_start"], "2024-01-01T06:00:00+00:00");
  EXPECT_EQ(chain["next_run"]["due_at"], "2024-01-02T06:00:00Z");
}

TEST_F(ApiTest, PipelineDetailHasTasksParamsAndSettings) {
  HttpResponse response = Call("GET", "/api/v1/pipelines/chain");
  ASSERT_EQ(response.status, 200) << response.body;
  json chain = JsonOf(response);
  EXPECT_EQ(chain["file"], "pipelines/chain.yml");
  EXPECT_EQ(chain["start_date"], "2024-01-01");
  EXPECT_EQ(chain["params"], json::parse(R"({"who": "nobody", "n": 1})"));
  EXPECT_EQ(Strings(chain["tasks"], "id"), (std::vector<std::string>{"extract.a", "b", "c", "side"}));
  const json& a = chain["tasks"][0];
  EXPECT_EQ(a["group"], "extract");
  EXPECT_EQ(a["kind"], "shell");
  EXPECT_EQ(a["downstream"], json::array({"b"}));
  EXPECT_EQ(chain["tasks"][1]["upstream"], json::array({"extract.a"}));

  HttpResponse unknown = Call("GET", "/api/v1/pipelines/chan");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(ErrorCode(unknown), "unknown-pipeline");
  EXPECT_NE(JsonOf(unknown)["error"]["message"].get<std::string>().find("did you mean 'chain'"), std::string::npos);
}

TEST_F(ApiTest, PauseAndUnpauseAreRecordedWithAnAuditEntry) {
  HttpResponse paused = Call("POST", "/api/v1/pipelines/chain/pause");
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_EQ(JsonOf(paused)["paused"], true);
  EXPECT_TRUE(store_->GetPipelineState("chain")->paused);
  ASSERT_EQ(Call("POST", "/api/v1/pipelines/chain/unpause").status, 200);
  EXPECT_FALSE(store_->GetPipelineState("chain")->paused);
  std::vector<AuditEntry> audit = AuditOf(*store_);
  ASSERT_EQ(audit.size(), 2u);
  EXPECT_EQ(audit[0].action, "unpause");
  EXPECT_EQ(audit[1].action, "pause");
  EXPECT_EQ(audit[1].who, "api");
  EXPECT_EQ(audit[1].pipeline, "chain");
  EXPECT_EQ(audit[1].at, Utc("2024-03-10T12:00:00"));
  EXPECT_EQ(Call("GET", "/api/v1/pipelines/chain/pause").status, 405);
}

TEST_F(ApiTest, TriggerQueuesARunOfTheDateWithItsParams) {
  HttpResponse response = Call("POST", "/api/v1/pipelines/chain/runs", R"({"date": "2024-03-01", "params": {"who": "api"}})");
  ASSERT_EQ(response.status, 201) << response.body;
  json run = JsonOf(response);
  EXPECT_EQ(run["state"], "queued");
  EXPECT_EQ(run["ds"], "2024-03-01");
  EXPECT_EQ(run["interval_start"], "2024-03-01T06:00:00+00:00");
  EXPECT_EQ(run["interval_end"], "2024-03-02T06:00:00+00:00");
  EXPECT_EQ(run["params"], json::parse(R"({"who": "api", "n": 1})"));
  int64_t id = run["id"];
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0], (std::pair<std::string, std::string>{"Location", "/api/v1/runs/" + std::to_string(id)}));
  // In the store: queued, every task pending, and the audit entry.
  Result<RunRecord> stored = store_->GetRun(RunId{id});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state, RunState::kQueued);
  EXPECT_EQ(store_->TaskInstances(RunId{id})->size(), 4u);
  std::vector<AuditEntry> audit = AuditOf(*store_);
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "trigger");
  EXPECT_EQ(audit[0].run_id.value, id);
  EXPECT_EQ(json::parse(audit[0].details_json)["date"], "2024-03-01");

  // The same interval again while it is queued: refused, as `weir trigger`.
  HttpResponse again = Call("POST", "/api/v1/pipelines/chain/runs", R"({"date": "2024-03-01"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(ErrorCode(again), "run-active");
  // No date: the latest interval that has ended (06:00 on the 9th to the 10th).
  HttpResponse latest = Call("POST", "/api/v1/pipelines/chain/runs");
  ASSERT_EQ(latest.status, 201) << latest.body;
  EXPECT_EQ(JsonOf(latest)["ds"], "2024-03-09");
  EXPECT_EQ(JsonOf(latest)["params"], json::parse(R"({"who": "nobody", "n": 1})"));
}

TEST_F(ApiTest, TriggerRefusesBadInputWithA4xx) {
  auto trigger = [&](const std::string& body) { return Call("POST", "/api/v1/pipelines/chain/runs", body); };
  EXPECT_EQ(ErrorCode(trigger(R"({"date": "2024-13-01"})")), "bad-date");
  EXPECT_EQ(ErrorCode(trigger(R"({"date": 20240301})")), "bad-field");
  EXPECT_EQ(ErrorCode(trigger(R"({"params": {"whom": "x"}})")), "unknown-param");
  EXPECT_EQ(ErrorCode(trigger(R"({"params": ["who", "x"]})")), "bad-params");
  EXPECT_EQ(ErrorCode(trigger(R"({"dates": "2024-03-01"})")), "unknown-field");
  EXPECT_EQ(ErrorCode(trigger(R"([1, 2])")), "bad-body");
  HttpResponse malformed = trigger(R"({"date": "2024-03-01",})");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(ErrorCode(malformed), "bad-json");
  EXPECT_NE(JsonOf(malformed)["error"]["message"].get<std::string>().find("line 1, column 23"), std::string::npos)
      << malformed.body;
  EXPECT_EQ(trigger(std::string(server_internal::kMaxBodyBytes + 1, ' ')).status, 413);
  EXPECT_EQ(Call("POST", "/api/v1/pipelines/nope/runs").status, 404);
  EXPECT_TRUE(store_->ListRuns(RunFilter{})->empty()) << "nothing was created";
  EXPECT_TRUE(AuditOf(*store_).empty());
}

TEST_F(ApiTest, RunsListWithFiltersAndPaging) {
  std::vector<RunRecord> runs;
  for (int day = 1; day <= 5; ++day) runs.push_back(CreateRun("chain", "2024-03-0" + std::to_string(day)));
  RunRecord manual = CreateRun("manual", "2024-03-05");
  ASSERT_TRUE(store_->FinishRun(runs[1].id, RunState::kFailed, clock_.Now()).ok());

  json all = JsonOf(Call("GET", "/api/v1/runs"));
  EXPECT_EQ(all["runs"].size(), 6u);
  EXPECT_EQ(all["runs"][0]["id"], manual.id.value);
  EXPECT_TRUE(all["next_offset"].is_null());

  json page = JsonOf(Call("GET", "/api/v1/runs?pipeline=chain&limit=2"));
  EXPECT_EQ(Strings(page["runs"], "ds"), (std::vector<std::string>{"2024-03-05", "2024-03-04"}));
  EXPECT_EQ(page["next_offset"], 2);
  json last = JsonOf(Call("GET", "/api/v1/runs?pipeline=chain&limit=2&offset=4"));
  EXPECT_EQ(Strings(last["runs"], "ds"), (std::vector<std::string>{"2024-03-01"}));
  EXPECT_TRUE(last["next_offset"].is_null());
  EXPECT_EQ(Strings(JsonOf(Call("GET", "/api/v1/runs?state=failed"))["runs"], "ds"),
            (std::vector<std::string>{"2024-03-02"}));
  EXPECT_EQ(Strings(JsonOf(Call("GET", "/api/v1/pipelines/chain/runs?since=2024-03-04"))["runs"], "ds"),
            (std::vector<std::string>{"2024-03-05", "2024-03-04"}));

  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs?limit=0")), "bad-parameter");
  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs?limit=ten")), "bad-parameter");
  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs?state=done")), "bad-parameter");
  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs?since=yesterday")), "bad-date");
  EXPECT_EQ(Call("GET", "/api/v1/runs?pipeline=nope").status, 404);
  HttpResponse typo = Call("GET", "/api/v1/runs?limt=2");
  EXPECT_EQ(typo.status, 400);
  EXPECT_EQ(ErrorCode(typo), "unknown-parameter");
  EXPECT_NE(typo.body.find("did you mean 'limit'"), std::string::npos) << typo.body;
}

TEST_F(ApiTest, ARunWithItsTaskInstancesAndAttempts) {
  RunRecord run = CreateRun("chain", "2024-03-01");
  Result<AttemptRecord> first = store_->StartAttempt(run.id, "b", Utc("2024-03-10T12:00:00"), "");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->FinishAttempt(first->id, FailedForRetry("2024-03-10T12:00:02", "exit status 3")).ok());

  json detail = JsonOf(Call("GET", "/api/v1/runs/" + std::to_string(run.id.value)));
  EXPECT_EQ(detail["state"], "running");
  EXPECT_EQ(Strings(detail["tasks"], "task_id"), (std::vector<std::string>{"extract.a", "b", "c", "side"}));
  json tasks = JsonOf(Call("GET", "/api/v1/runs/" + std::to_string(run.id.value) + "/tasks"));
  EXPECT_EQ(Strings(tasks["tasks"], "state"),
            (std::vector<std::string>{"pending", "up_for_retry", "pending", "pending"}));
  json b = JsonOf(Call("GET", "/api/v1/runs/" + std::to_string(run.id.value) + "/tasks/b"));
  EXPECT_EQ(b["attempt_count"], 1);
  ASSERT_EQ(b["attempts"].size(), 1u);
  EXPECT_EQ(b["attempts"][0]["state"], "failed");
  EXPECT_EQ(b["attempts"][0]["duration_seconds"], 2.0);
  EXPECT_EQ(b["attempts"][0]["error"], json::parse(R"({"code": "exit", "message": "exit status 3"})"));

  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs/999")), "unknown-run");
  EXPECT_EQ(Call("GET", "/api/v1/runs/999").status, 404);
  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs/abc")), "bad-id");
  EXPECT_EQ(ErrorCode(Call("GET", "/api/v1/runs/-1")), "bad-id");
  EXPECT_EQ(Call("GET", "/api/v1/runs/" + std::to_string(run.id.value) + "/tasks/zz").status, 404);
}

// ?attempts=true: what the Gantt chart draws, every attempt of every
// instance in one answer.
TEST_F(ApiTest, TaskInstancesWithTheirAttemptsOnRequest) {
  RunRecord run = CreateRun("chain", "2024-03-01");
  Result<AttemptRecord> first = store_->StartAttempt(run.id, "b", Utc("2024-03-10T12:00:00"), "");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->FinishAttempt(first->id, FailedForRetry("2024-03-10T12:00:02", "exit status 3")).ok());
  ASSERT_TRUE(store_->StartAttempt(run.id, "b", Utc("2024-03-10T12:00:07"), "").ok());
  std::string path = "/api/v1/runs/" + std::to_string(run.id.value) + "/tasks";

  json plain = JsonOf(Call("GET", path));
  EXPECT_FALSE(plain["tasks"][1].contains("attempts"));
  json with = JsonOf(Call("GET", path + "?attempts=true"));
  ASSERT_EQ(with["tasks"].size(), 4u);
  EXPECT_EQ(with["tasks"][0]["attempts"], json::array());
  const json& b = with["tasks"][1]["attempts"];
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0]["state"], "failed");
  EXPECT_EQ(b[0]["started_at"], "2024-03-10T12:00:00Z");
  EXPECT_EQ(b[0]["ended_at"], "2024-03-10T12:00:02Z");
  EXPECT_EQ(b[1]["state"], "running");
  EXPECT_EQ(b[1]["started_at"], "2024-03-10T12:00:07Z");
  EXPECT_TRUE(b[1]["ended_at"].is_null());
  EXPECT_FALSE(JsonOf(Call("GET", path + "?attempts=false"))["tasks"][1].contains("attempts"));
  EXPECT_EQ(ErrorCode(Call("GET", path + "?attempts=yes")), "bad-parameter");
}

TEST_F(ApiTest, TaskLogIsWhatWeirLogsPrintsWithTailAndAttempt) {
  TempFolder folder;
  RunRecord run = CreateRun("chain", "2024-03-01");
  std::string log1 = folder.Write("b-1.log", "one\ntwo\n");
  std::string log2 = folder.Write("b-2.log", "three");  // no final newline
  Result<AttemptRecord> first = store_->StartAttempt(run.id, "b", Utc("2024-03-10T12:00:00"), log1);
  ASSERT_TRUE(store_->FinishAttempt(first->id, FailedForRetry("2024-03-10T12:00:01", "exit status 1")).ok());
  Result<AttemptRecord> second = store_->StartAttempt(run.id, "b", Utc("2024-03-10T12:00:05"), log2);
  AttemptEnd ok;
  ok.ended_at = Utc("2024-03-10T12:00:06");
  ASSERT_TRUE(store_->FinishAttempt(second->id, ok).ok());

  std::string base = "/api/v1/runs/" + std::to_string(run.id.value) + "/tasks/b/log";
  HttpResponse log = Call("GET", base);
  ASSERT_EQ(log.status, 200) << log.body;
  EXPECT_EQ(log.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(log.body,
            "=== b attempt 1: failed, started 2024-03-10T12:00:00Z ===\n"
            "one\ntwo\n"
            "error[exit]: exit status 1\n"
            "=== b attempt 2: success, started 2024-03-10T12:00:05Z ===\n"
            "three\n");
  EXPECT_EQ(Call("GET", base + "?tail=2").body, "=== b attempt 2: success, started 2024-03-10T12:00:05Z ===\nthree\n");
  EXPECT_EQ(Call("GET", base + "?tail=100").body, log.body);
  EXPECT_EQ(Call("GET", base + "?attempt=1&tail=1").body, "error[exit]: exit status 1\n");
  EXPECT_EQ(ErrorCode(Call("GET", base + "?attempt=3")), "unknown-attempt");
  EXPECT_EQ(ErrorCode(Call("GET", base + "?tail=0")), "bad-parameter");
  // An attempt without a log file says so, as `weir logs` does.
  EXPECT_EQ(Call("GET", "/api/v1/runs/" + std::to_string(run.id.value) + "/tasks/c/log").body, "");
}

TEST_F(ApiTest, ClearResetsTasksAndQueuesTheRunForTheScheduler) {
  RunRecord run = CreateRun("chain", "2024-03-01");
  for (const char* task : {"extract.a", "b", "c", "side"}) {
    ASSERT_TRUE(store_->SetTaskState(run.id, task, TaskState::kSuccess).ok());
  }
  ASSERT_TRUE(store_->SetTaskState(run.id, "c", TaskState::kFailed).ok());
  ASSERT_TRUE(store_->FinishRun(run.id, RunState::kFailed, clock_.Now()).ok());
  std::string path = "/api/v1/runs/" + std::to_string(run.id.value) + "/clear";

  HttpResponse cleared = Call("POST", path, R"({"tasks": ["b"], "downstream": true})");
  ASSERT_EQ(cleared.status, 200) << cleared.body;
  json body = JsonOf(cleared);
  EXPECT_EQ(body["count"], 2);
  EXPECT_EQ(Strings(body["cleared"], "task_id"), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Strings(body["cleared"], "was"), (std::vector<std::string>{"success", "failed"}));
  EXPECT_EQ(body["run"]["state"], "queued");
  // In the store: b and c pending, the others kept, the run queued.
  std::map<std::string, TaskState> states;
  Result<std::vector<TaskInstanceRecord>> instances = store_->TaskInstances(run.id);
  ASSERT_TRUE(instances.ok());
  for (const TaskInstanceRecord& t : *instances) states[t.task_id] = t.state;
  EXPECT_EQ(states["b"], TaskState::kPending);
  EXPECT_EQ(states["c"], TaskState::kPending);
  EXPECT_EQ(states["extract.a"], TaskState::kSuccess);
  EXPECT_EQ(states["side"], TaskState::kSuccess);
  EXPECT_EQ(store_->GetRun(run.id)->state, RunState::kQueued);
  ASSERT_EQ(AuditOf(*store_).size(), 1u);
  EXPECT_EQ(AuditOf(*store_)[0].action, "clear");

  // Queued now: a second clear waits until the run has ended.
  HttpResponse busy = Call("POST", path, "{}");
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(ErrorCode(busy), "run-active");
  ASSERT_TRUE(store_->FinishRun(run.id, RunState::kFailed, clock_.Now()).ok());
  EXPECT_EQ(ErrorCode(Call("POST", path, R"({"tasks": ["nope"]})")), "unknown-task");
  EXPECT_EQ(ErrorCode(Call("POST", path, R"({"tasks": "b"})")), "bad-field");
  EXPECT_EQ(ErrorCode(Call("POST", path, R"({"downstream": "yes"})")), "bad-field");
  // failed_only with nothing failed clears nothing and leaves the run as it was.
  ASSERT_TRUE(store_->SetTaskState(run.id, "b", TaskState::kSuccess).ok());
  ASSERT_TRUE(store_->SetTaskState(run.id, "c", TaskState::kSuccess).ok());
  HttpResponse none = Call("POST", path, R"({"failed_only": true})");
  EXPECT_EQ(JsonOf(none)["count"], 0);
  EXPECT_EQ(store_->GetRun(run.id)->state, RunState::kFailed);
}

TEST_F(ApiTest, WithoutASchedulerAClearedRunIsLeftInterrupted) {
  api_ = std::make_unique<Api>(Context(nullptr));
  RunRecord run = CreateRun("chain", "2024-03-01");
  ASSERT_TRUE(store_->SetTaskState(run.id, "b", TaskState::kFailed).ok());
  ASSERT_TRUE(store_->FinishRun(run.id, RunState::kFailed, clock_.Now()).ok());
  ASSERT_EQ(Call("POST", "/api/v1/runs/" + std::to_string(run.id.value) + "/clear", "").status, 200);
  EXPECT_EQ(store_->GetRun(run.id)->state, RunState::kInterrupted);
}

TEST_F(ApiTest, MarkSetsTasksAndTheRunFollows) {
  RunRecord run = CreateRun("chain", "2024-03-01");
  ASSERT_TRUE(store_->FinishRun(run.id, RunState::kInterrupted, clock_.Now()).ok());
  std::string path = "/api/v1/runs/" + std::to_string(run.id.value) + "/mark";
  HttpResponse failed = Call("POST", path, R"({"state": "failed", "tasks": ["b"], "downstream": true})");
  ASSERT_EQ(failed.status, 200) << failed.body;
  EXPECT_EQ(JsonOf(failed)["marked"], json::array({"b", "c"}));
  EXPECT_EQ(JsonOf(failed)["run"]["state"], "failed");
  HttpResponse success = Call("POST", path, R"({"state": "success", "tasks": ["extract.a", "b", "c", "side"]})");
  EXPECT_EQ(JsonOf(success)["run"]["state"], "success");
  EXPECT_EQ(store_->GetRun(run.id)->state, RunState::kSuccess);
  EXPECT_EQ(AuditOf(*store_).size(), 2u);

  EXPECT_EQ(ErrorCode(Call("POST", path, R"({"state": "skipped", "tasks": ["b"]})")), "bad-field");
  EXPECT_EQ(ErrorCode(Call("POST", path, R"({"state": "success"})")), "bad-field");
  EXPECT_EQ(ErrorCode(Call("POST", path, R"({"state": "success", "tasks": ["zz"]})")), "unknown-task");
  EXPECT_EQ(AuditOf(*store_).size(), 2u) << "refused marks are not audited";
}

TEST_F(ApiTest, CancelAsksTheSchedulerForActiveRunsOnly) {
  RunRecord queued = CreateRun("chain", "2024-03-01", /*queued=*/true);
  RunRecord done = CreateRun("chain", "2024-03-02");
  ASSERT_TRUE(store_->FinishRun(done.id, RunState::kSuccess, clock_.Now()).ok());
  HttpResponse accepted = Call("POST", "/api/v1/runs/" + std::to_string(queued.id.value) + "/cancel");
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(scheduler_.cancelled, std::vector<int64_t>{queued.id.value});
  HttpResponse ended = Call("POST", "/api/v1/runs/" + std::to_string(done.id.value) + "/cancel");
  EXPECT_EQ(ended.status, 409);
  EXPECT_EQ(ErrorCode(ended), "run-not-active");
  EXPECT_EQ(scheduler_.cancelled.size(), 1u);
  api_ = std::make_unique<Api>(Context(nullptr));
  HttpResponse alone = Call("POST", "/api/v1/runs/" + std::to_string(queued.id.value) + "/cancel");
  EXPECT_EQ(alone.status, 503);
  EXPECT_EQ(ErrorCode(alone), "no-scheduler");
}

TEST_F(ApiTest, UnknownPathsWrongMethodsAndOptions) {
  HttpResponse missing = Call("GET", "/api/v2/runs");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(ErrorCode(missing), "not-found");
  HttpResponse wrong = Call("DELETE", "/api/v1/runs");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(ErrorCode(wrong), "method-not-allowed");
  EXPECT_EQ(wrong.headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET"}}));
  HttpResponse both = Call("OPTIONS", "/api/v1/pipelines/chain/runs");
  EXPECT_EQ(both.status, 204);
  EXPECT_EQ(both.headers, (std::vector<std::pair<std::string, std::string>>{{"Allow", "GET, POST"}}));
  EXPECT_EQ(Call("HEAD", "/healthz").status, 200);
  EXPECT_EQ(Call("GET", "/api/v1/runs/").status, 200) << "a trailing slash is the same path";
  HttpResponse home = Call("GET", "/");
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  EXPECT_NE(home.body.find("<script type=\"module\" src=\"/ui/app.js\">"), std::string::npos) << "the web UI";
}

TEST_F(ApiTest, ReadyOnceTheSchedulerHasTicked) {
  HttpResponse waiting = Call("GET", "/readyz");
  EXPECT_EQ(waiting.status, 503);
  EXPECT_EQ(JsonOf(waiting)["checks"]["scheduler"], "not started yet");
  scheduler_.ticks = 1;
  scheduler_.last_tick = clock_.Now();
  EXPECT_EQ(Call("GET", "/readyz").status, 200);
  EXPECT_EQ(JsonOf(Call("GET", "/healthz"))["status"], "ok");
}

TEST_F(ApiTest, MetricsCountRunsTasksLoopLagAndRequests) {
  RunRecord failed = CreateRun("chain", "2024-03-01");
  CreateRun("chain", "2024-03-02");
  CreateRun("manual", "2024-03-02");
  ASSERT_TRUE(store_->SetTaskState(failed.id, "b", TaskState::kFailed).ok());
  ASSERT_TRUE(store_->FinishRun(failed.id, RunState::kFailed, clock_.Now()).ok());
  // The last tick ended 5 s ago and the scheduler polls every second: 4 s late.
  scheduler_.ticks = 7;
  scheduler_.last_tick = clock_.Now() - std::chrono::seconds(5);
  Call("GET", "/api/v1/runs/999");  // a 404, counted
  HttpResponse metrics = Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  std::vector<std::string> lines;
  std::istringstream in(metrics.body);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  }
  EXPECT_EQ(lines, (std::vector<std::string>{
                       "weir_runs{pipeline=\"chain\",state=\"failed\"} 1",
                       "weir_runs{pipeline=\"chain\",state=\"running\"} 1",
                       "weir_runs{pipeline=\"manual\",state=\"running\"} 1",
                       "weir_task_instances{pipeline=\"chain\",state=\"failed\"} 1",
                       "weir_task_instances{pipeline=\"chain\",state=\"pending\"} 7",
                       "weir_task_instances{pipeline=\"manual\",state=\"pending\"} 1",
                       "weir_scheduler_loop_lag_seconds 4.000",
                       "weir_scheduler_ticks_total 7",
                       "weir_http_requests_total{code=\"404\"} 1",
                   }));
  EXPECT_NE(metrics.body.find("# TYPE weir_runs gauge\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("# TYPE weir_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(Call("GET", "/metrics").body.find("weir_http_requests_total{code=\"200\"} 1\n"), std::string::npos);
}

TEST_F(ApiTest, AuditListsChangesNewestFirst) {
  RunRecord run = CreateRun("chain", "2024-03-01");
  ASSERT_TRUE(store_->FinishRun(run.id, RunState::kFailed, clock_.Now()).ok());
  Call("POST", "/api/v1/pipelines/chain/pause");
  Call("POST", "/api/v1/runs/" + std::to_string(run.id.value) + "/clear", "");
  json audit = JsonOf(Call("GET", "/api/v1/audit"));
  EXPECT_EQ(Strings(audit["entries"], "action"), (std::vector<std::string>{"clear", "pause"}));
  EXPECT_EQ(audit["entries"][0]["run_id"], run.id.value);
  EXPECT_TRUE(audit["entries"][1]["run_id"].is_null());
  EXPECT_EQ(audit["entries"][0]["who"], "api");
  EXPECT_EQ(JsonOf(Call("GET", "/api/v1/audit?limit=1&offset=1"))["entries"][0]["action"], "pause");
}

}  // namespace
}  // namespace weir::server_test
