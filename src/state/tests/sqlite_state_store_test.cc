// What only the SQLite store has: a file that outlives the process, a schema
// version, and other processes sharing the file.
#include <sqlite3.h>

#include <fstream>
#include <thread>

#include "state/internal/sqlite_check_results.h"
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

NewRun SmallRun(int64_t started_ms) {
  return NewRun{"daily", "2024-03-01", "2024-03-01T00:00:00+01:00", "2024-03-02T00:00:00+01:00", At(started_ms),
                {"extract", "load"}};
}

// Runs SQL on the file directly, as an older or newer Weir (or a user) might.
std::string QueryText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string result;
  if (sqlite3_open(path.c_str(), &db) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      if (text != nullptr) result = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return result;
}

class SqliteStateStoreTest : public ::testing::Test {
 protected:
  TempFolder folder_;
  // Inside folders that do not exist yet: opening creates them.
  std::string path_ = folder_.File("project/.weir/state.db");
};

TEST_F(SqliteStateStoreTest, DataSurvivesClosingAndReopeningTheFile) {
  RunId run_id;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
    ASSERT_OK_AND_ASSIGN(RunRecord run, store->CreateRun(SmallRun(1000)));
    run_id = run.id;
    ASSERT_OK_AND_ASSIGN(AttemptRecord attempt, store->StartAttempt(run.id, "extract", At(2000), "logs/x"));
    AttemptEnd end;
    end.ended_at = At(3000);
    end.output_json = R"({"cursor":"2024-03-01"})";
    ASSERT_OK(store->FinishAttempt(attempt.id, end));
    ASSERT_OK(store->FinishRun(run.id, RunState::kSuccess, At(4000)));
  }
  EXPECT_EQ(QueryText(path_, "PRAGMA journal_mode"), "wal");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
  ASSERT_OK_AND_ASSIGN(RunRecord run, store->GetRun(run_id));
  EXPECT_EQ(run.state, RunState::kSuccess);
  EXPECT_EQ(run.interval_start, "2024-03-01T00:00:00+01:00");
  EXPECT_EQ(run.ended_at, At(4000));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, store->TaskInstances(run_id));
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].state, TaskState::kSuccess);
  EXPECT_EQ(tasks[0].output_json, R"({"cursor":"2024-03-01"})");
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> attempts, store->Attempts(run_id, "extract"));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].log_path, "logs/x");
  EXPECT_EQ(attempts[0].ended_at, At(3000));
  // Reopening applies no migration twice.
  EXPECT_EQ(QueryText(path_, "SELECT COUNT(*) = COUNT(DISTINCT version) FROM schema_migrations"), "1");
}

TEST_F(SqliteStateStoreTest, RefusesAFileFromANewerWeir) {
  { ASSERT_OK(OpenSqliteStateStore(path_)); }
  QueryText(path_, "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (99, 0)");
  ASSERT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "99");

  Result<std::unique_ptr<StateStore>> store = OpenSqliteStateStore(path_);
  ASSERT_FALSE(store.ok());
  const Status& s = store.status();
  EXPECT_EQ(s.kind(), ErrorKind::kUser);
  EXPECT_EQ(s.code(), "state-schema-newer");
  EXPECT_NE(s.message().find(path_), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("schema version 99"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("this binary knows version 12"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("upgrade weir"), std::string::npos) << s.message();
}

// A file from before schema 7 (no attempt owners, heartbeats or process
// groups, no freshness records) is migrated in place and keeps its data.
TEST_F(SqliteStateStoreTest, MigratesASchema6FileKeepingItsAttempts) {
  RunId run_id;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
    ASSERT_OK_AND_ASSIGN(RunRecord run, store->CreateRun(SmallRun(1000)));
    run_id = run.id;
    ASSERT_OK(store->StartAttempt(run.id, "extract", At(2000), "logs/x"));
  }
  // Back to what schema 6 wrote: drop what migrations 7 and 8 added.
  for (const char* column : {"owner_host", "owner_pid", "owner_start_ticks", "heartbeat_at_ms", "process_host",
                             "process_pgid", "process_start_ticks"}) {
    QueryText(path_, std::string("ALTER TABLE attempts DROP COLUMN ") + column);
  }
  QueryText(path_, "DROP TABLE dataset_freshness");
  QueryText(path_, "DROP TABLE check_results");
  QueryText(path_, "DROP TABLE cursor_ranges");
  QueryText(path_, "DROP TABLE source_file_sets");
  QueryText(path_, "DROP TABLE source_files");
  QueryText(path_, "DROP TABLE audit_log");
  QueryText(path_, "DELETE FROM schema_migrations WHERE version > 6");
  ASSERT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "6");
  ASSERT_EQ(QueryText(path_, "SELECT COUNT(*) FROM pragma_table_info('attempts') WHERE name = 'owner_pid'"), "0");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
  EXPECT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "12");
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> old, store->RunningAttempts(run_id));
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].log_path, "logs/x");
  EXPECT_TRUE(old[0].owner.empty());  // unknown: recorded before owners were
  EXPECT_FALSE(old[0].heartbeat_at.has_value());
  EXPECT_TRUE(old[0].process_group.empty());
  // The new columns and table work on the migrated file.
  ASSERT_OK(store->RecordAttemptProcess(old[0].id, ProcessIdentity{"h", 77, 88}));
  ASSERT_OK(store->Heartbeat({old[0].id}, At(3000)));
  ASSERT_OK(store->SetDatasetFreshness("analytics.sales", DatasetFreshnessRecord{At(1), std::nullopt, 0}));
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> now, store->RunningAttempts(run_id));
  EXPECT_EQ(now[0].process_group, (ProcessIdentity{"h", 77, 88}));
  EXPECT_EQ(now[0].heartbeat_at, At(3000));
  EXPECT_EQ(QueryText(path_, "SELECT process_pgid FROM attempts"), "77");
}

// A file from schema 8 (before check results) gets the table and its
// index, keeps its runs, and records and reads check history.
TEST_F(SqliteStateStoreTest, MigratesASchema8FileToCheckResults) {
  RunId run_id;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
    ASSERT_OK_AND_ASSIGN(RunRecord run, store->CreateRun(SmallRun(1000)));
    run_id = run.id;
  }
  QueryText(path_, "DROP TABLE check_results");
  QueryText(path_, "DROP TABLE cursor_ranges");
  QueryText(path_, "DROP TABLE source_file_sets");
  QueryText(path_, "DROP TABLE source_files");
  QueryText(path_, "DROP TABLE audit_log");
  QueryText(path_, "DELETE FROM schema_migrations WHERE version > 8");
  ASSERT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "8");
  ASSERT_EQ(QueryText(path_, "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE 'check_results%'"), "0");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
  EXPECT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "12");
  EXPECT_EQ(QueryText(path_, "SELECT type FROM sqlite_master WHERE name = 'check_results'"), "table");
  EXPECT_EQ(QueryText(path_, "SELECT tbl_name FROM sqlite_master WHERE name = 'check_results_by_check'"),
            "check_results");
  ASSERT_OK_AND_ASSIGN(RunRecord run, store->GetRun(run_id));
  EXPECT_EQ(run.pipeline, "daily");

  CheckResultRecord result;
  result.suite = "daily.quality";
  result.check = "row_count";
  result.status = "pass";
  result.observed = 150;
  result.interval_start = run.interval_start;
  result.run_id = run_id;
  result.recorded_at = At(2000);
  ASSERT_OK(store->RecordCheckResults({result}));
  ASSERT_OK_AND_ASSIGN(std::vector<CheckResultRecord> history,
                       store->CheckHistory("daily.quality", "row_count", "", 0));
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].observed, 150);
  EXPECT_EQ(QueryText(path_, "SELECT observed FROM check_results"), "150.0");
}

// The history lookup of an anomaly check (one check of one suite, before
// an interval) searches the index on all three, not the whole table.
TEST_F(SqliteStateStoreTest, CheckHistoryLookupSearchesTheIndex) {
  { ASSERT_OK(OpenSqliteStateStore(path_)); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  std::string sql = "EXPLAIN QUERY PLAN " + state_internal::CheckHistoryQuery(true, true);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)) + std::string("\n");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  EXPECT_NE(plan.find("SEARCH check_results USING INDEX check_results_by_check (check_name=? AND suite=? AND "
                      "interval_start>? AND interval_start<?)"),
            std::string::npos)
      << plan;
}

TEST_F(SqliteStateStoreTest, RefusesAFileThatIsNotADatabase) {
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
  std::ofstream(path_) << "this is not a SQLite database, but it is long enough to have a header\n";
  Result<std::unique_ptr<StateStore>> store = OpenSqliteStateStore(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(store.status().code(), "state-file");
  EXPECT_NE(store.status().message().find(path_), std::string::npos) << store.status().message();
}

TEST_F(SqliteStateStoreTest, TwoStoresOnOneFileSeeEachOthersCommittedWrites) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> engine, OpenSqliteStateStore(path_));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> cli, OpenSqliteStateStore(path_));

  ASSERT_OK_AND_ASSIGN(RunRecord run, engine->CreateRun(SmallRun(1000)));
  ASSERT_OK_AND_ASSIGN(RunRecord seen, cli->GetRun(run.id));
  EXPECT_EQ(seen.pipeline, "daily");

  ASSERT_OK_AND_ASSIGN(AttemptRecord attempt, cli->StartAttempt(run.id, "load", At(2000), ""));
  ASSERT_OK_AND_ASSIGN(std::vector<AttemptRecord> attempts, engine->Attempts(run.id, "load"));
  ASSERT_EQ(attempts.size(), 1u);
  EXPECT_EQ(attempts[0].id, attempt.id);

  ASSERT_OK_AND_ASSIGN(int interrupted, engine->InterruptRunningAttempts(run.id, At(3000)));
  EXPECT_EQ(interrupted, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> tasks, cli->TaskInstances(run.id));
  EXPECT_EQ(tasks[1].state, TaskState::kInterrupted);
}

TEST_F(SqliteStateStoreTest, TwoStoresWritingAtOnceWaitForEachOther) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> first, OpenSqliteStateStore(path_));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> second, OpenSqliteStateStore(path_));
  constexpr int kRunsEach = 25;
  Status first_failure, second_failure;
  auto write = [](StateStore* store, Status* failure) {
    for (int i = 0; i < kRunsEach && failure->ok(); ++i) {
      Result<RunRecord> run = store->CreateRun(SmallRun(1000 + i));
      *failure = run.ok() ? store->StartAttempt(run->id, "extract", At(2000), "").status() : run.status();
    }
  };
  std::thread a(write, first.get(), &first_failure);
  std::thread b(write, second.get(), &second_failure);
  a.join();
  b.join();
  EXPECT_TRUE(first_failure.ok()) << first_failure.ToString();
  EXPECT_TRUE(second_failure.ok()) << second_failure.ToString();
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, first->ListRuns(Filter(std::nullopt, std::nullopt, 0)));
  EXPECT_EQ(runs.size(), static_cast<size_t>(2 * kRunsEach));
}


TEST_F(SqliteStateStoreTest, BatchCommitsTogetherAndRollsBackTogether) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> engine, OpenSqliteStateStore(path_));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> reader, OpenSqliteStateStore(path_));
  ASSERT_OK_AND_ASSIGN(RunRecord run, engine->CreateRun(SmallRun(1000)));

  // Inside a batch nothing is visible to another connection until it ends.
  ASSERT_OK(engine->Batch([&]() -> Status {
    WEIR_TRY(engine->SetTaskState(run.id, "extract", TaskState::kSkipped));
    WEIR_TRY(engine->StartAttempt(run.id, "load", At(2000), ""));
    Result<std::vector<TaskInstanceRecord>> seen = reader->TaskInstances(run.id);
    EXPECT_TRUE(seen.ok());
    if (seen.ok()) EXPECT_EQ((*seen)[0].state, TaskState::kPending);
    return OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> after, reader->TaskInstances(run.id));
  EXPECT_EQ(after[0].state, TaskState::kSkipped);
  EXPECT_EQ(after[1].state, TaskState::kRunning);

  // A failing body undoes every change it made, including earlier calls.
  Status failed = engine->Batch([&]() -> Status {
    WEIR_TRY(engine->SetTaskState(run.id, "extract", TaskState::kFailed));
    return engine->SetTaskState(run.id, "no-such-task", TaskState::kFailed);
  });
  EXPECT_FALSE(failed.ok());
  ASSERT_OK_AND_ASSIGN(std::vector<TaskInstanceRecord> rolled_back, reader->TaskInstances(run.id));
  EXPECT_EQ(rolled_back[0].state, TaskState::kSkipped);
}

// A file from schema 10 (before file sources) gets their tables, keeps its
// cursor ranges, and records and reads source files.
TEST_F(SqliteStateStoreTest, MigratesASchema10FileToSourceFiles) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
    ASSERT_OK(store->RecordCursorRange(CursorRange{"daily", "extract", "2024-03-01T00:00:00Z", "", "9", At(1)}));
  }
  QueryText(path_, "DROP TABLE source_file_sets");
  QueryText(path_, "DROP TABLE source_files");
  QueryText(path_, "DROP TABLE audit_log");
  QueryText(path_, "DELETE FROM schema_migrations WHERE version > 10");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
  EXPECT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "12");
  ASSERT_OK_AND_ASSIGN(std::optional<CursorRange> range,
                       store->CursorRangeFor("daily", "extract", "2024-03-01T00:00:00Z"));
  ASSERT_TRUE(range.has_value());
  EXPECT_EQ(range->to, "9");
  SourceFileSet set{"daily", "ingest", "2024-03-01T00:00:00Z", {SourceFile{"landing/a.csv", 12, At(5)}}, At(6)};
  ASSERT_OK(store->RecordSourceFiles(set));
  EXPECT_EQ(QueryText(path_, "SELECT path || ' ' || size_bytes || ' ' || modified_at_ms FROM source_files"),
            "landing/a.csv 12 5");
}

// A file from schema 11 (before the audit trail) gets the table, keeps its
// runs, and records and reads audit entries.
TEST_F(SqliteStateStoreTest, MigratesASchema11FileToTheAuditLog) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
    ASSERT_OK(store->CreateRun(SmallRun(1000)));
  }
  QueryText(path_, "DROP TABLE audit_log");
  QueryText(path_, "DELETE FROM schema_migrations WHERE version > 11");

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<StateStore> store, OpenSqliteStateStore(path_));
  EXPECT_EQ(QueryText(path_, "SELECT MAX(version) FROM schema_migrations"), "12");
  ASSERT_OK_AND_ASSIGN(std::vector<RunRecord> runs, store->ListRuns(Filter("daily", std::nullopt)));
  EXPECT_EQ(runs.size(), 1u);
  AuditEntry entry;
  entry.at = At(5);
  entry.who = "api";
  entry.action = "trigger";
  entry.pipeline = "daily";
  entry.run_id = runs[0].id;
  ASSERT_OK(store->RecordAudit(entry));
  EXPECT_EQ(QueryText(path_, "SELECT who || ' ' || action || ' ' || pipeline || ' ' || run_id || ' ' || at_ms "
                             "FROM audit_log"),
            "api trigger daily 1 5");
}

}  // namespace
}  // namespace weir
