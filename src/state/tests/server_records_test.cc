// What the server reads and records besides runs: paging and the since
// filter of ListRuns, counts by state (CountStates) and the audit trail
// (RecordAudit, AuditLog), run against both stores with the same assertions.
#include <chrono>

#include "state/state.h"
#include "state/tests/test_support.h"

namespace weir {
namespace {

TimePoint At(int64_t epoch_ms) { return TimePoint(std::chrono::milliseconds(epoch_ms)); }

NewRun DailyRunOf(std::string pipeline, std::string ds, int64_t started_ms, std::vector<std::string> tasks) {
  return NewRun{std::move(pipeline), ds, ds + "T00:00:00+00:00", ds + "T23:59:59+00:00", At(started_ms),
                std::move(tasks)};
}

// "id ds" of each run, newest first.
std::string Listed(const Result<std::vector<RunRecord>>& runs) {
  if (!runs.ok()) return "error: " + runs.status().ToString();
  std::string out;
  for (const RunRecord& r : *runs) out += (out.empty() ? "" : ", ") + std::to_string(r.id.value) + " " + r.ds;
  return out;
}

std::string Counted(const std::vector<StateCount>& counts) {
  std::string out;
  for (const StateCount& c : counts) {
    out += (out.empty() ? "" : ", ") + c.pipeline + "/" + c.state + "=" + std::to_string(c.count);
  }
  return out;
}

class ServerRecordsTest : public EachStoreTest {
 protected:
};

TEST_P(ServerRecordsTest, ListRunsPagesNewestFirstAndFiltersBySince) {
  // Days 1..5, started in order: run i is the run of day i.
  for (int day = 1; day <= 5; ++day) {
    ASSERT_OK(store_->CreateRun(DailyRunOf("daily", "2024-03-0" + std::to_string(day), 1000 * day, {"a"})));
  }
  ASSERT_OK(store_->CreateRun(DailyRunOf("other", "2024-03-09", 9000, {"a"})));
  RunFilter filter;
  filter.pipeline = "daily";
  filter.limit = 2;
  EXPECT_EQ(Listed(store_->ListRuns(filter)), "5 2024-03-05, 4 2024-03-04");
  filter.offset = 2;
  EXPECT_EQ(Listed(store_->ListRuns(filter)), "3 2024-03-03, 2 2024-03-02");
  filter.offset = 4;
  EXPECT_EQ(Listed(store_->ListRuns(filter)), "1 2024-03-01");
  filter.offset = 9;
  EXPECT_EQ(Listed(store_->ListRuns(filter)), "");

  // since: on or after the date; with paging, the page is of what matches.
  RunFilter since;
  since.pipeline = "daily";
  since.since = "2024-03-03";
  since.limit = 0;
  EXPECT_EQ(Listed(store_->ListRuns(since)), "5 2024-03-05, 4 2024-03-04, 3 2024-03-03");
  since.offset = 1;
  since.limit = 1;
  EXPECT_EQ(Listed(store_->ListRuns(since)), "4 2024-03-04");
}

TEST_P(ServerRecordsTest, CountStatesByPipelineAndState) {
  ASSERT_OK_AND_ASSIGN(RunRecord first, store_->CreateRun(DailyRunOf("daily", "2024-03-01", 1000, {"a", "b", "c"})));
  ASSERT_OK_AND_ASSIGN(RunRecord second, store_->CreateRun(DailyRunOf("daily", "2024-03-02", 2000, {"a", "b", "c"})));
  ASSERT_OK(store_->CreateRun(DailyRunOf("hourly", "2024-03-02", 3000, {"x"})));
  ASSERT_OK(store_->SetTaskState(first.id, "a", TaskState::kSuccess));
  ASSERT_OK(store_->SetTaskState(first.id, "b", TaskState::kFailed));
  ASSERT_OK(store_->SetTaskState(second.id, "a", TaskState::kSuccess));
  ASSERT_OK(store_->FinishRun(first.id, RunState::kFailed, At(1500)));

  ASSERT_OK_AND_ASSIGN(StateCounts counts, store_->CountStates());
  EXPECT_EQ(Counted(counts.runs), "daily/failed=1, daily/running=1, hourly/running=1");
  EXPECT_EQ(Counted(counts.task_instances),
            "daily/failed=1, daily/pending=3, daily/success=2, hourly/pending=1");
}

TEST_P(ServerRecordsTest, AuditEntriesReadBackNewestFirstWithPaging) {
  ASSERT_OK_AND_ASSIGN(StateCounts none, store_->CountStates());
  EXPECT_TRUE(none.runs.empty());
  for (int i = 1; i <= 3; ++i) {
    AuditEntry entry;
    entry.at = At(1000 * i) + std::chrono::microseconds(250);  // kept to the millisecond
    entry.who = "api";
    entry.action = i == 2 ? "pause" : "trigger";
    entry.pipeline = "daily";
    entry.run_id = RunId{i == 2 ? 0 : 10 + i};
    entry.details_json = R"({"n":)" + std::to_string(i) + "}";
    ASSERT_OK_AND_ASSIGN(AuditEntry stored, store_->RecordAudit(entry));
    EXPECT_EQ(stored.id, i);
    EXPECT_EQ(stored.at, At(1000 * i));
  }
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> all, store_->AuditLog(0, 0));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, 3);
  EXPECT_EQ(all[0].details_json, R"({"n":3})");
  EXPECT_EQ(all[0].run_id.value, 13);
  EXPECT_EQ(all[1].action, "pause");
  EXPECT_EQ(all[1].run_id.value, 0);
  EXPECT_EQ(all[2].who, "api");
  EXPECT_EQ(all[2].at, At(1000));
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> page, store_->AuditLog(1, 1));
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, 2);
}

// Inside Batch an entry commits or rolls back with the change it records.
TEST_P(ServerRecordsTest, AnAuditEntryInAFailedBatchIsRolledBack) {
  AuditEntry entry;
  entry.who = "api";
  entry.action = "pause";
  Status failed = store_->Batch([&]() -> Status {
    WEIR_TRY(store_->SetPipelinePaused("daily", true));
    WEIR_TRY(store_->RecordAudit(entry).status());
    return UserError("stop", "rolled back on purpose");
  });
  EXPECT_EQ(failed.code(), "stop");
  if (GetParam() == StoreKind::kMemory) return;  // the memory store has no transactions
  ASSERT_OK_AND_ASSIGN(std::vector<AuditEntry> entries, store_->AuditLog(0, 0));
  EXPECT_TRUE(entries.empty());
  ASSERT_OK_AND_ASSIGN(PipelineScheduleState state, store_->GetPipelineState("daily"));
  EXPECT_FALSE(state.paused);
}

INSTANTIATE_TEST_SUITE_P(Stores, ServerRecordsTest, EachStore(), StoreName);

}  // namespace
}  // namespace weir
