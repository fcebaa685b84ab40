// The StateStore contract, run against every implementation with the same
// assertions: this is what keeps the memory fake honest.
#include <chrono>
#include <map>
#include <thread>

#include "state/state.h"
#include "state/tests/test_support.h"

namespace weir {
namespace {

TimePoint At(int64_t epoch_ms) { return TimePoint(std::chrono::milliseconds(epoch_ms)); }

// Built field by field: GCC 12 warns on designated initializers that leave
// members out (-Wmissing-field-initializers).
RunFilter Filter(std::optional<std::string> pipeline, std::optional<std::string> ds, int limit = 100) {
  RunFilter filter;
  filter.pipeline = std::move(pipeline);
  filter.ds = std::move(ds);
  filter.limit = limit;
  return filter;
}

NewRun DailyRun(std::string ds, int64_t started_ms, std::vector<std::string> tasks = {"extract", "load"}) {
  return NewRun{"daily", ds, ds + "T00:00:00+00:00", ds + "T23:59:59+00:00", At(started_ms), std::move(tasks)};
}

AttemptEnd Ended(AttemptState state, TaskState task_state, int64_t ended_ms, std::string output = "") {
  AttemptEnd end;
  end.state = state;
  end.task_state = task_state;
  end.ended_at = At(ended_ms);
  end.output_json = std::move(output);
  if (state == AttemptState::kFailed) {
    end.error_code = "sql";
    end.error_message = "syntax error";
  }
  return end;
}

class StateStoreTest : public EachStoreTest {
 protected:
};

TEST_P(StateStoreTest, CreateRunMakesEveryTaskPending) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000, {"b", "a", "c"})));
  EXPECT_EQ(run.state, RunState::kRunning);
  EXPECT_EQ(run.pipeline, "daily");
  EXPECT_EQ(run.started_at, At(1000));
  EXPECT_FALSE(run.ended_at.has_value());

  ASSERT_OK_AND_ASSIGN(RunRecord read, store_->GetRun(run.id));
  EXPECT_EQ(read.id, run.id);
  EXPECT_EQ(read.ds, "2024-03-01");
  EXPECT_EQ(read.interval_start, "2024-03-01T00:00:00+00:00");
  EXPECT_EQ(read.interval_end, "2024-03-01T23:59:59+00:00");
  EXPECT_EQ(read.started_at, At(1000));

  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
  ASSERT_EQ(tasks.size(), 3u);
  std::vector<std::string> ids;
  for (const TaskInstanceRecord& task : tasks) {
    ids.push_back(task.task_id);
    EXPECT_EQ(task.run_id, run.id);
    EXPECT_EQ(task.state, TaskState::kPending);
    EXPECT_EQ(task.attempts, 0);
    EXPECT_EQ(task.output_json, "");
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "a", "c"}));  // the order the run gave
}

TEST_P(StateStoreTest, CreateRunRefusesDuplicateTaskIds) {
  Result<RunRecord> run = store_->CreateRun(DailyRun("2024-03-01", 1000, {"a", "b", "a"}));
  EXPECT_EQ(run.status().code(), "duplicate-task");
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, store_->ListRuns({}));
  EXPECT_TRUE(runs.empty());
}

TEST_P(StateStoreTest, StartAttemptNumbersRetries) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000)));
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK_AND_ASSIGN(AttemptRecord attempt, store_->StartAttempt(run.id, "load", At(2000 + i), "logs/load." +
                                                                                                  std::to_string(i)));
    EXPECT_EQ(attempt.number, i);
    EXPECT_EQ(attempt.state, AttemptState::kRunning);
    EXPECT_EQ(attempt.run_id, run.id);
    EXPECT_EQ(attempt.task_id, "load");
    ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
    EXPECT_EQ(tasks[1].state, TaskState::kRunning);
    EXPECT_EQ(tasks[1].attempts, i);
    if (i < 3) ASSERT_OK(store_->FinishAttempt(attempt.id, Ended(AttemptState::kFailed, TaskState::kUpForRetry, 2500)));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> attempts, store_->Attempts(run.id, "load"));
  ASSERT_EQ(attempts.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(attempts[i].number, i + 1);
    EXPECT_EQ(attempts[i].started_at, At(2001 + i));
    EXPECT_EQ(attempts[i].log_path, "logs/load." + std::to_string(i + 1));
  }
  EXPECT_EQ(attempts[0].state, AttemptState::kFailed);
  EXPECT_EQ(attempts[2].state, AttemptState::kRunning);
  EXPECT_FALSE(attempts[0].id == attempts[1].id);
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> none, store_->Attempts(run.id, "extract"));
  EXPECT_TRUE(none.empty());
}

TEST_P(StateStoreTest, FinishAttemptSetsTaskStateAndOutput) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000)));
  ASSERT_OK_AND_ASSIGN(AttemptRecord first, store_->StartAttempt(run.id, "extract", At(2000), ""));
  ASSERT_OK(store_->FinishAttempt(first.id, Ended(AttemptState::kSuccess, TaskState::kSuccess, 3000, R"({"rows":5})")));

  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
  EXPECT_EQ(tasks[0].state, TaskState::kSuccess);
  EXPECT_EQ(tasks[0].output_json, R"({"rows":5})");
  EXPECT_EQ(tasks[1].state, TaskState::kPending);

  // A later failed attempt keeps the last successful output on the task.
  ASSERT_OK_AND_ASSIGN(AttemptRecord second, store_->StartAttempt(run.id, "extract", At(4000), ""));
  ASSERT_OK(store_->FinishAttempt(second.id, Ended(AttemptState::kFailed, TaskState::kFailed, 5000, "")));
  ASSERT_OK_AND_ASSIGN(tasks, store_->TaskInstances(run.id));
  EXPECT_EQ(tasks[0].state, TaskState::kFailed);
  EXPECT_EQ(tasks[0].output_json, R"({"rows":5})");

  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> attempts, store_->Attempts(run.id, "extract"));
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].state, AttemptState::kSuccess);
  EXPECT_EQ(attempts[0].ended_at, At(3000));
  EXPECT_EQ(attempts[0].output_json, R"({"rows":5})");
  EXPECT_EQ(attempts[0].error_code, "");
  EXPECT_EQ(attempts[1].state, AttemptState::kFailed);
  EXPECT_EQ(attempts[1].error_code, "sql");
  EXPECT_EQ(attempts[1].error_message, "syntax error");
}

TEST_P(StateStoreTest, SetTaskStateChangesOnlyThatTask) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000)));
  ASSERT_OK(store_->SetTaskState(run.id, "load", TaskState::kUpstreamFailed));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
  EXPECT_EQ(tasks[0].state, TaskState::kPending);
  EXPECT_EQ(tasks[1].state, TaskState::kUpstreamFailed);
  EXPECT_EQ(tasks[1].attempts, 0);
}

TEST_P(StateStoreTest, ListRunsNewestFirstWithFiltersAndLimit) {
  ASSERT_OK_AND_ASSIGN(RunRecord a, store_->CreateRun(DailyRun("2024-03-01", 1000)));
  ASSERT_OK_AND_ASSIGN(RunRecord b, store_->CreateRun(DailyRun("2024-03-02", 3000)));
  ASSERT_OK_AND_ASSIGN(RunRecord c, store_->CreateRun(DailyRun("2024-03-01", 2000)));
  NewRun other = DailyRun("2024-03-01", 4000);
  other.pipeline = "hourly";
  ASSERT_OK_AND_ASSIGN(RunRecord d, store_->CreateRun(other));
  // Same start as b: the later-created run counts as newer.
  ASSERT_OK_AND_ASSIGN(RunRecord e, store_->CreateRun(DailyRun("2024-03-03", 3000)));

  auto ids = [](const std::vector<RunRecord>& runs) {
    std::vector<int64_t> out;
    for (const RunRecord& run : runs) out.push_back(run.id.value);
    return out;
  };
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> all, store_->ListRuns({}));
  EXPECT_EQ(ids(all), (std::vector<int64_t>{d.id.value, e.id.value, b.id.value, c.id.value, a.id.value}));

  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> daily, store_->ListRuns(Filter("daily", std::nullopt)));
  EXPECT_EQ(ids(daily), (std::vector<int64_t>{e.id.value, b.id.value, c.id.value, a.id.value}));

  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> first_day, store_->ListRuns(Filter("daily", "2024-03-01")));
  EXPECT_EQ(ids(first_day), (std::vector<int64_t>{c.id.value, a.id.value}));

  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> by_ds, store_->ListRuns(Filter(std::nullopt, "2024-03-01")));
  EXPECT_EQ(ids(by_ds), (std::vector<int64_t>{d.id.value, c.id.value, a.id.value}));

  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> two, store_->ListRuns(Filter(std::nullopt, std::nullopt, 2)));
  EXPECT_EQ(ids(two), (std::vector<int64_t>{d.id.value, e.id.value}));

  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> unlimited, store_->ListRuns(Filter(std::nullopt, std::nullopt, 0)));
  EXPECT_EQ(unlimited.size(), 5u);

  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> none, store_->ListRuns(Filter("weekly", std::nullopt)));
  EXPECT_TRUE(none.empty());
}

TEST_P(StateStoreTest, RunParametersAreKept) {
  NewRun with_params = DailyRun("2024-03-05", 1000);
  with_params.params_json = R"({"region": "eu"})";
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(with_params));
  EXPECT_EQ(run.params_json, R"({"region": "eu"})");
  ASSERT_OK_AND_ASSIGN(RunRecord again, store_->GetRun(run.id));
  EXPECT_EQ(again.params_json, R"({"region": "eu"})");
  ASSERT_OK_AND_ASSIGN(RunRecord plain, store_->CreateRun(DailyRun("2024-03-06", 2000)));
  EXPECT_EQ(plain.params_json, "{}");
}

TEST_P(StateStoreTest, FinishRunThenReopenRun) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000)));
  ASSERT_OK(store_->FinishRun(run.id, RunState::kFailed, At(9000)));
  ASSERT_OK_AND_ASSIGN(RunRecord finished, store_->GetRun(run.id));
  EXPECT_EQ(finished.state, RunState::kFailed);
  EXPECT_EQ(finished.ended_at, At(9000));

  ASSERT_OK(store_->ReopenRun(run.id));
  ASSERT_OK_AND_ASSIGN(RunRecord reopened, store_->GetRun(run.id));
  EXPECT_EQ(reopened.state, RunState::kRunning);
  EXPECT_FALSE(reopened.ended_at.has_value());
  EXPECT_EQ(reopened.started_at, At(1000));
}

TEST_P(StateStoreTest, QueuedRunIsClaimedOnceAndStartsWhenClaimed) {
  NewRun queued = DailyRun("2024-03-01", 1000);
  queued.queued = true;
  queued.run_type = "scheduled";
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(queued));
  EXPECT_EQ(run.state, RunState::kQueued);
  ASSERT_OK_AND_ASSIGN(RunRecord plain, store_->CreateRun(DailyRun("2024-03-02", 1500)));
  EXPECT_EQ(plain.state, RunState::kRunning);
  EXPECT_EQ(plain.run_type, "manual");

  RunFilter only_queued = Filter("daily", std::nullopt);
  only_queued.state = RunState::kQueued;
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> waiting, store_->ListRuns(only_queued));
  ASSERT_EQ(waiting.size(), 1u);
  EXPECT_EQ(waiting[0].id, run.id);
  EXPECT_EQ(waiting[0].run_type, "scheduled");

  ASSERT_OK_AND_ASSIGN(bool claimed, store_->StartQueuedRun(run.id, At(5000)));
  EXPECT_TRUE(claimed);
  ASSERT_OK_AND_ASSIGN(bool again, store_->StartQueuedRun(run.id, At(6000)));
  EXPECT_FALSE(again);
  ASSERT_OK_AND_ASSIGN(RunRecord started, store_->GetRun(run.id));
  EXPECT_EQ(started.state, RunState::kRunning);
  EXPECT_EQ(started.started_at, At(5000));
  ASSERT_OK_AND_ASSIGN(waiting, store_->ListRuns(only_queued));
  EXPECT_TRUE(waiting.empty());
  // A run stopped and queued again starts afresh, with no end time.
  ASSERT_OK(store_->FinishRun(run.id, RunState::kQueued, At(7000)));
  ASSERT_OK_AND_ASSIGN(claimed, store_->StartQueuedRun(run.id, At(8000)));
  EXPECT_TRUE(claimed);
  ASSERT_OK_AND_ASSIGN(started, store_->GetRun(run.id));
  EXPECT_EQ(started.started_at, At(8000));
  EXPECT_FALSE(started.ended_at.has_value());
  EXPECT_FALSE(store_->StartQueuedRun(RunId{999}, At(1)).ok());
}

TEST_P(StateStoreTest, PipelineStateKeepsPauseAndNextStartApart) {
  ASSERT_OK_AND_ASSIGN(PipelineScheduleState fresh, store_->GetPipelineState("daily"));
  EXPECT_FALSE(fresh.paused);
  EXPECT_FALSE(fresh.next_start.has_value());

  ASSERT_OK(store_->SetNextScheduledStart("daily", At(86'400'000)));
  ASSERT_OK(store_->SetPipelinePaused("daily", true));
  ASSERT_OK(store_->SetPipelinePaused("hourly", true));
  ASSERT_OK_AND_ASSIGN(PipelineScheduleState daily, store_->GetPipelineState("daily"));
  EXPECT_TRUE(daily.paused);
  EXPECT_EQ(daily.next_start, At(86'400'000));

  ASSERT_OK(store_->SetPipelinePaused("daily", false));
  ASSERT_OK(store_->SetNextScheduledStart("daily", At(172'800'000)));
  ASSERT_OK_AND_ASSIGN(daily, store_->GetPipelineState("daily"));
  EXPECT_FALSE(daily.paused);
  EXPECT_EQ(daily.next_start, At(172'800'000));
  ASSERT_OK_AND_ASSIGN(PipelineScheduleState hourly, store_->GetPipelineState("hourly"));
  EXPECT_TRUE(hourly.paused);
  EXPECT_FALSE(hourly.next_start.has_value());
}

TEST_P(StateStoreTest, DatasetEventsAreReadAfterACursorInOrder) {
  auto event = [](std::string dataset, int64_t run, std::string start) {
    return DatasetEvent{0, std::move(dataset), "producer", RunId{run}, "load", start, start + "+1d", At(run * 1000)};
  };
  ASSERT_OK(store_->RecordDatasetEvent(event("analytics.sales", 1, "2024-01-01")));
  ASSERT_OK(store_->RecordDatasetEvent(event("analytics.orders", 1, "2024-01-01")));
  ASSERT_OK(store_->RecordDatasetEvent(event("analytics.sales", 2, "2024-01-02")));
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetEvent> all, store_->DatasetEventsAfter({"analytics.sales", "analytics.orders"}, 0));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0].id, all[1].id);
  EXPECT_LT(all[1].id, all[2].id);
  EXPECT_EQ(all[1].dataset, "analytics.orders");
  EXPECT_EQ(all[2].interval_start, "2024-01-02");
  EXPECT_EQ(all[2].run_id, RunId{2});
  EXPECT_EQ(all[2].created_at, At(2000));
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetEvent> sales, store_->DatasetEventsAfter({"analytics.sales"}, all[0].id));
  ASSERT_EQ(sales.size(), 1u);
  EXPECT_EQ(sales[0].id, all[2].id);
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetEvent> none, store_->DatasetEventsAfter({"other"}, 0));
  EXPECT_TRUE(none.empty());

  ASSERT_OK(store_->SetDatasetCursor("consumer", all[2].id));
  ASSERT_OK(store_->SetNextScheduledStart("consumer", At(5)));
  ASSERT_OK_AND_ASSIGN(PipelineScheduleState consumer, store_->GetPipelineState("consumer"));
  EXPECT_EQ(consumer.dataset_cursor, all[2].id);
  EXPECT_EQ(consumer.next_start, At(5));
}

TEST_P(StateStoreTest, InterruptRunningAttemptsMarksOnlyRunningAttemptsOfThatRun) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000, {"a", "b", "c"})));
  ASSERT_OK_AND_ASSIGN(RunRecord other, store_->CreateRun(DailyRun("2024-03-02", 1000, {"a"})));
  ASSERT_OK_AND_ASSIGN(AttemptRecord done, store_->StartAttempt(run.id, "a", At(2000), ""));
  ASSERT_OK(store_->FinishAttempt(done.id, Ended(AttemptState::kSuccess, TaskState::kSuccess, 2100)));
  ASSERT_OK(store_->StartAttempt(run.id, "b", At(2200), ""));
  ASSERT_OK(store_->StartAttempt(run.id, "c", At(2300), ""));
  ASSERT_OK(store_->StartAttempt(other.id, "a", At(2400), ""));

  ASSERT_OK_AND_ASSIGN(int count, store_->InterruptRunningAttempts(run.id, At(5000)));
  EXPECT_EQ(count, 2);

  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
  EXPECT_EQ(tasks[0].state, TaskState::kSuccess);
  EXPECT_EQ(tasks[1].state, TaskState::kInterrupted);
  EXPECT_EQ(tasks[2].state, TaskState::kInterrupted);
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> a, store_->Attempts(run.id, "a"));
  EXPECT_EQ(a[0].state, AttemptState::kSuccess);
  EXPECT_EQ(a[0].ended_at, At(2100));
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> b, store_->Attempts(run.id, "b"));
  EXPECT_EQ(b[0].state, AttemptState::kInterrupted);
  EXPECT_EQ(b[0].ended_at, At(5000));

  // The other run's attempt is untouched; a second call finds nothing left.
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> other_a, store_->Attempts(other.id, "a"));
  EXPECT_EQ(other_a[0].state, AttemptState::kRunning);
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> other_tasks, store_->TaskInstances(other.id));
  EXPECT_EQ(other_tasks[0].state, TaskState::kRunning);
  ASSERT_OK_AND_ASSIGN(int again, store_->InterruptRunningAttempts(run.id, At(6000)));
  EXPECT_EQ(again, 0);
}

TEST_P(StateStoreTest, AttemptsRecordTheirOwnerHeartbeatAndProcessGroup) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000, {"a", "b", "c"})));
  ASSERT_OK_AND_ASSIGN(RunRecord other, store_->CreateRun(DailyRun("2024-03-02", 1000, {"a"})));
  ProcessIdentity owner{"host-1", 4242, 987654};
  ASSERT_OK_AND_ASSIGN(AttemptRecord a, store_->StartAttempt(run.id, "a", At(2000), "", owner));
  EXPECT_EQ(a.owner, owner);
  EXPECT_EQ(a.heartbeat_at, At(2000));  // starting is the first beat
  ASSERT_OK_AND_ASSIGN(AttemptRecord b, store_->StartAttempt(run.id, "b", At(2100), "", owner));
  ASSERT_OK_AND_ASSIGN(AttemptRecord c, store_->StartAttempt(run.id, "c", At(2200), ""));
  ASSERT_OK(store_->StartAttempt(other.id, "a", At(2300), "", owner));
  ASSERT_OK(store_->FinishAttempt(c.id, Ended(AttemptState::kSuccess, TaskState::kSuccess, 2500)));

  ProcessIdentity group{"host-1", 5151, 990000};
  ASSERT_OK(store_->RecordAttemptProcess(b.id, group));
  // A beat moves running attempts only: c has ended.
  ASSERT_OK(store_->Heartbeat({a.id, b.id, c.id}, At(7000)));

  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> running, store_->RunningAttempts(run.id));
  ASSERT_EQ(running.size(), 2u);
  EXPECT_EQ(running[0].task_id, "a");
  EXPECT_EQ(running[0].heartbeat_at, At(7000));
  EXPECT_TRUE(running[0].process_group.empty());
  EXPECT_EQ(running[1].task_id, "b");
  EXPECT_EQ(running[1].owner, owner);
  EXPECT_EQ(running[1].process_group, group);
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> ended, store_->Attempts(run.id, "c"));
  EXPECT_EQ(ended[0].heartbeat_at, At(2200));
  EXPECT_TRUE(ended[0].owner.empty());
  EXPECT_EQ(store_->RecordAttemptProcess(AttemptId{999}, group).code(), "unknown-attempt");
  EXPECT_EQ(store_->RunningAttempts(RunId{999}).status().code(), "unknown-run");
}

TEST_P(StateStoreTest, DatasetFreshnessAndLatestEvent) {
  ASSERT_OK_AND_ASSIGN(std::optional<DatasetEvent> none, store_->LatestDatasetEvent("analytics.sales"));
  EXPECT_FALSE(none.has_value());
  for (int64_t run : {1, 2}) {
    ASSERT_OK(store_->RecordDatasetEvent(
        DatasetEvent{0, "analytics.sales", "producer", RunId{run}, "load", "s", "e", At(run * 1000)}));
  }
  ASSERT_OK(store_->RecordDatasetEvent(DatasetEvent{0, "analytics.orders", "producer", RunId{3}, "x", "s", "e", At(9000)}));
  ASSERT_OK_AND_ASSIGN(std::optional<DatasetEvent> latest, store_->LatestDatasetEvent("analytics.sales"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->run_id, RunId{2});
  EXPECT_EQ(latest->created_at, At(2000));

  ASSERT_OK_AND_ASSIGN(DatasetFreshnessRecord fresh, store_->GetDatasetFreshness("analytics.sales"));
  EXPECT_FALSE(fresh.watched_since.has_value());
  EXPECT_FALSE(fresh.missed_at.has_value());
  EXPECT_EQ(fresh.missed_event_id, 0);
  ASSERT_OK(store_->SetDatasetFreshness("analytics.sales", DatasetFreshnessRecord{At(100), At(5000), latest->id}));
  ASSERT_OK_AND_ASSIGN(DatasetFreshnessRecord missed, store_->GetDatasetFreshness("analytics.sales"));
  EXPECT_EQ(missed.watched_since, At(100));
  EXPECT_EQ(missed.missed_at, At(5000));
  EXPECT_EQ(missed.missed_event_id, latest->id);
  ASSERT_OK_AND_ASSIGN(DatasetFreshnessRecord other, store_->GetDatasetFreshness("analytics.orders"));
  EXPECT_FALSE(other.watched_since.has_value());
}

TEST_P(StateStoreTest, UnknownIdsAreUserErrors) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000)));
  RunId missing{run.id.value + 100};
  std::vector<Status> unknown_run = {
      store_->GetRun(missing).status(),
      store_->FinishRun(missing, RunState::kSuccess, At(2000)),
      store_->ReopenRun(missing),
      store_->TaskInstances(missing).status(),
      store_->SetTaskState(missing, "load", TaskState::kSkipped),
      store_->StartAttempt(missing, "load", At(2000), "").status(),
      store_->Attempts(missing, "load").status(),
      store_->InterruptRunningAttempts(missing, At(2000)).status(),
  };
  for (const Status& s : unknown_run) {
    EXPECT_EQ(s.code(), "unknown-run") << s.ToString();
    EXPECT_EQ(s.kind(), ErrorKind::kUser);
    EXPECT_NE(s.message().find(std::to_string(missing.value)), std::string::npos) << s.message();
  }
  EXPECT_EQ(store_->StartAttempt(run.id, "nope", At(2000), "").status().code(), "unknown-task");
  EXPECT_EQ(store_->SetTaskState(run.id, "nope", TaskState::kSkipped).code(), "unknown-task");
  EXPECT_EQ(store_->Attempts(run.id, "nope").status().code(), "unknown-task");
  EXPECT_EQ(store_->FinishAttempt(AttemptId{12345}, AttemptEnd{}).code(), "unknown-attempt");
}

TEST_P(StateStoreTest, TimesAreKeptToTheMillisecond) {
  TimePoint start = At(1700000000123) + std::chrono::microseconds(456);
  NewRun new_run = DailyRun("2024-03-01", 0);
  new_run.started_at = start;
  ASSERT_OK_AND_ASSIGN(RunRecord created, store_->CreateRun(new_run));
  EXPECT_EQ(created.started_at, At(1700000000123));
  ASSERT_OK_AND_ASSIGN(RunRecord read, store_->GetRun(created.id));
  EXPECT_EQ(read.started_at, At(1700000000123));
}

TEST_P(StateStoreTest, ConcurrentCallersFromManyThreads) {
  constexpr int kThreads = 4;
  constexpr int kRunsEach = 10;
  std::vector<std::thread> threads;
  std::vector<Status> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsEach; ++i) {
        Result<RunRecord> run = store_->CreateRun(DailyRun("2024-03-01", 1000 + i));
        Status status = run.status();
        if (run.ok()) status = store_->StartAttempt(run->id, "load", At(2000), "").status();
        if (!status.ok()) {
          failures[t] = status;
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Status& s : failures) EXPECT_TRUE(s.ok()) << s.ToString();
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, store_->ListRuns(Filter(std::nullopt, std::nullopt, 0)));
  EXPECT_EQ(runs.size(), static_cast<size_t>(kThreads * kRunsEach));
}

INSTANTIATE_TEST_SUITE_P(Stores, StateStoreTest, EachStore(), StoreName);

}  // namespace
}  // namespace weir

namespace weir {
namespace {

// Dynamic task mapping: instances of a mapped task are task instances of
// their own ("regions[1]"), made and reused by ExpandTask.
std::map<std::string, TaskInstanceRecord> ById(const std::vector<TaskInstanceRecord>& tasks) {
  std::map<std::string, TaskInstanceRecord> by_id;
  for (const TaskInstanceRecord& t : tasks) by_id[t.task_id] = t;
  return by_id;
}

TEST_P(StateStoreTest, ExpandTaskRecordsOneInstancePerItem) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000, {"regions", "report"})));
  ASSERT_OK(store_->ExpandTask(run.id, "regions", {R"("eu")", R"("us")", R"({"name":"apac"})"}));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
  ASSERT_EQ(tasks.size(), 5u);
  std::map<std::string, TaskInstanceRecord> by_id = ById(tasks);
  EXPECT_EQ(by_id["regions"].map_count, 3);
  EXPECT_EQ(by_id["regions"].map_index, -1);
  EXPECT_EQ(by_id["report"].map_count, std::nullopt);
  EXPECT_EQ(by_id["regions[0]"].map_index, 0);
  EXPECT_EQ(by_id["regions[0]"].map_item_json, R"("eu")");
  EXPECT_EQ(by_id["regions[2]"].map_item_json, R"({"name":"apac"})");
  EXPECT_EQ(by_id["regions[2]"].state, TaskState::kPending);
  // Each instance has attempts of its own.
  ASSERT_OK_AND_ASSIGN(AttemptRecord attempt, store_->StartAttempt(run.id, "regions[1]", At(2000), ""));
  EXPECT_EQ(attempt.number, 1);
  ASSERT_OK(store_->FinishAttempt(attempt.id, Ended(AttemptState::kSuccess, TaskState::kSuccess, 2500, "{}")));
  ASSERT_OK_AND_ASSIGN(tasks, store_->TaskInstances(run.id));
  EXPECT_EQ(ById(tasks)["regions[1]"].state, TaskState::kSuccess);
  EXPECT_EQ(ById(tasks)["regions[0]"].attempts, 0);
  EXPECT_EQ(store_->ExpandTask(run.id, "nope", {}).code(), "unknown-task");
}

TEST_P(StateStoreTest, ExpandingAgainReusesInstancesAndDropsTheOnesPastTheNewCount) {
  ASSERT_OK_AND_ASSIGN(RunRecord run, store_->CreateRun(DailyRun("2024-03-01", 1000, {"regions"})));
  ASSERT_OK(store_->ExpandTask(run.id, "regions", {"1", "2", "3"}));
  for (const char* id : {"regions[0]", "regions[2]"}) {
    ASSERT_OK_AND_ASSIGN(AttemptRecord a, store_->StartAttempt(run.id, id, At(2000), ""));
    ASSERT_OK(store_->FinishAttempt(a.id, Ended(AttemptState::kSuccess, TaskState::kSuccess, 2500, "{\"n\":1}")));
  }
  ASSERT_OK(store_->ResetExpansion(run.id, "regions"));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store_->TaskInstances(run.id));
  std::map<std::string, TaskInstanceRecord> by_id = ById(tasks);
  EXPECT_EQ(by_id["regions"].map_count, std::nullopt);
  EXPECT_EQ(by_id["regions[0]"].state, TaskState::kPending);

  ASSERT_OK(store_->ExpandTask(run.id, "regions", {"10", "20"}));
  ASSERT_OK_AND_ASSIGN(tasks, store_->TaskInstances(run.id));
  by_id = ById(tasks);
  EXPECT_EQ(tasks.size(), 3u);  // regions[2] is gone
  EXPECT_EQ(by_id.count("regions[2]"), 0u);
  EXPECT_EQ(by_id["regions"].map_count, 2);
  EXPECT_EQ(by_id["regions[0]"].map_item_json, "10");
  EXPECT_EQ(by_id["regions[0]"].output_json, "");  // the old item's output is not the new one's
  EXPECT_EQ(by_id["regions[0]"].attempts, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> attempts, store_->Attempts(run.id, "regions[0]"));
  EXPECT_EQ(attempts.size(), 1u);
  ASSERT_OK_AND_ASSIGN(AttemptRecord next, store_->StartAttempt(run.id, "regions[0]", At(3000), ""));
  EXPECT_EQ(next.number, 2);  // numbering goes on
  EXPECT_EQ(store_->Attempts(run.id, "regions[2]").status().code(), "unknown-task");

  // An empty list: no instances, and the count says it was expanded.
  ASSERT_OK(store_->ExpandTask(run.id, "regions", {}));
  ASSERT_OK_AND_ASSIGN(tasks, store_->TaskInstances(run.id));
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].map_count, 0);
}

TEST_P(StateStoreTest, CacheEntriesAreStoredReplacedAndCleared) {
  ASSERT_OK_AND_ASSIGN(auto none, store_->LookupCache("daily", "extract", "k1"));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK(store_->StoreCache(CacheEntry{"daily", "extract", "k1", R"({"rows":1})", At(1000)}));
  ASSERT_OK(store_->StoreCache(CacheEntry{"daily", "extract", "k1", R"({"rows":2})", At(2000)}));
  ASSERT_OK(store_->StoreCache(CacheEntry{"daily", "load", "k1", "{}", At(3000)}));
  ASSERT_OK(store_->StoreCache(CacheEntry{"other", "extract", "k1", "{}", At(3000)}));
  ASSERT_OK_AND_ASSIGN(auto hit, store_->LookupCache("daily", "extract", "k1"));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->output_json, R"({"rows":2})");
  EXPECT_EQ(hit->created_at, At(2000));
  ASSERT_OK_AND_ASSIGN(int removed, store_->ClearCache("daily", "extract"));
  EXPECT_EQ(removed, 1);
  ASSERT_OK_AND_ASSIGN(removed, store_->ClearCache("daily", ""));
  EXPECT_EQ(removed, 1);
  ASSERT_OK_AND_ASSIGN(auto other, store_->LookupCache("other", "extract", "k1"));
  EXPECT_TRUE(other.has_value());
  ASSERT_OK_AND_ASSIGN(removed, store_->ClearCache("", ""));
  EXPECT_EQ(removed, 1);
}

}  // namespace
}  // namespace weir
