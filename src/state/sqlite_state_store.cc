// The SQLite state store: one file (usually .weir/state.db) shared by the
// engine, the CLI and the server, possibly in different processes at once.
#include <algorithm>
#include <mutex>

#include "state/internal/records.h"
#include "state/internal/sqlite_check_results.h"
#include "state/internal/sqlite_cursor_ranges.h"
#include "state/internal/sqlite_database.h"
#include "state/internal/sqlite_overview.h"
#include "state/internal/sqlite_schema.h"
#include "state/internal/sqlite_source_files.h"
#include "state/state.h"

namespace weir {
namespace {

using state_internal::SqliteDatabase;
using state_internal::SqliteStatement;
using state_internal::SqliteTransaction;
using Mode = SqliteTransaction::Mode;

constexpr const char* kRunColumns =
    "SELECT id, pipeline, ds, interval_start, interval_end, state, started_at_ms, ended_at_ms, params_json, "
    "run_type FROM runs ";
constexpr const char* kAttemptColumns =
    "SELECT id, run_id, task_id, number, state, started_at_ms, ended_at_ms, error_code, error_message, "
    "output_json, log_path, owner_host, owner_pid, owner_start_ticks, heartbeat_at_ms, process_host, process_pgid, "
    "process_start_ticks FROM attempts ";

Status CorruptState(std::string_view what, const std::string& value, const std::string& path) {
  return InternalError("unknown " + std::string(what) + " in the state database: '" + value + "' (" + path + ")");
}

class SqliteStateStore final : public StateStore {
 public:
  explicit SqliteStateStore(std::unique_ptr<SqliteDatabase> db) : db_(std::move(db)) {}

  Result<RunRecord> CreateRun(const NewRun& run) override;
  Result<RunRecord> GetRun(RunId id) override;
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override;
  Status FinishRun(RunId id, RunState state, TimePoint ended_at) override;
  Status ReopenRun(RunId id) override;
  Result<bool> StartQueuedRun(RunId id, TimePoint now) override;
  Result<PipelineScheduleState> GetPipelineState(const std::string& pipeline) override;
  Status SetPipelinePaused(const std::string& pipeline, bool paused) override;
  Status SetNextScheduledStart(const std::string& pipeline, TimePoint next_start) override;
  Status SetDatasetCursor(const std::string& pipeline, int64_t event_id) override;
  Status RecordDatasetEvent(const DatasetEvent& event) override;
  Result<std::vector<DatasetEvent>> DatasetEventsAfter(const std::vector<std::string>& datasets,
                                                       int64_t after_id) override;
  Result<std::optional<DatasetEvent>> LatestDatasetEvent(const std::string& dataset) override;
  Result<DatasetFreshnessRecord> GetDatasetFreshness(const std::string& dataset) override;
  Status SetDatasetFreshness(const std::string& dataset, const DatasetFreshnessRecord& record) override;
  Result<std::vector<TaskInstanceRecord>> TaskInstances(RunId run) override;
  Status SetTaskState(RunId run, const std::string& task_id, TaskState state) override;
  Status ExpandTask(RunId run, const std::string& task_id, const std::vector<std::string>& items_json) override;
  Status ResetExpansion(RunId run, const std::string& task_id) override;
  using StateStore::StartAttempt;
  Result<AttemptRecord> StartAttempt(RunId run, const std::string& task_id, TimePoint started_at,
                                     const std::string& log_path, const ProcessIdentity& owner) override;
  Status RecordAttemptProcess(AttemptId attempt, const ProcessIdentity& group) override;
  Status Heartbeat(const std::vector<AttemptId>& attempts, TimePoint now) override;
  Result<std::vector<AttemptRecord>> RunningAttempts(RunId run) override;
  Status FinishAttempt(AttemptId attempt, const AttemptEnd& end) override;
  Result<std::vector<AttemptRecord>> Attempts(RunId run, const std::string& task_id) override;
  Result<int> InterruptRunningAttempts(RunId run, TimePoint now) override;
  Status Batch(const std::function<Status()>& body) override;
  Result<std::optional<CacheEntry>> LookupCache(const std::string& pipeline, const std::string& task_id,
                                                const std::string& key) override;
  Status StoreCache(const CacheEntry& entry) override;
  Result<int> ClearCache(const std::string& pipeline, const std::string& task_id) override;
  Status RecordCheckResults(const std::vector<CheckResultRecord>& results) override;
  Result<std::vector<CheckResultRecord>> CheckHistory(const std::string& suite, const std::string& check,
                                                      const std::string& before_interval, int limit) override;
  Status RecordCursorRange(const CursorRange& range) override;
  Result<std::optional<CursorRange>> CursorRangeFor(const std::string& pipeline, const std::string& task_id,
                                                    const std::string& interval_start) override;
  Result<std::optional<CursorRange>> PreviousCursorRange(const std::string& pipeline, const std::string& task_id,
                                                         const std::string& interval_start) override;
  Status RecordSourceFiles(const SourceFileSet& set) override;
  Result<std::optional<SourceFileSet>> SourceFilesFor(const std::string& pipeline, const std::string& task_id,
                                                      const std::string& interval_start) override;
  Result<std::vector<SourceFileSet>> SourceFileSets(const std::string& pipeline, const std::string& task_id) override;
  Result<StateCounts> CountStates() override;
  Result<AuditEntry> RecordAudit(const AuditEntry& entry) override;
  Result<std::vector<AuditEntry>> AuditLog(int limit, int offset) override;

 private:
  Result<std::vector<SourceFileSet>> ReadSourceFileSets(const std::string& pipeline, const std::string& task_id,
                                                        const std::string& interval_start);
  Result<std::optional<CursorRange>> ReadCursorRange(const std::string& pipeline, const std::string& task_id,
                                                     const std::string& interval_start, bool before);
  // Helpers run inside a caller's transaction with mu_ held.
  Result<RunRecord> ReadRun(RunId id);
  Result<RunRecord> RunFromRow(const SqliteStatement& row);
  Result<AttemptRecord> AttemptFromRow(const SqliteStatement& row);
  Result<std::vector<AttemptRecord>> AttemptRows(SqliteStatement& query);
  Status RequireRun(RunId id);
  Result<int> TaskAttemptCount(RunId run, const std::string& task_id);
  // The error for a task instance that a write found missing: its run's, or its own.
  Status MissingTask(RunId run, const std::string& task_id);

  // Guards db_: one SQLite connection, used by one thread at a time.
  // Recursive because the methods called inside Batch lock it again.
  std::recursive_mutex mu_;
  std::unique_ptr<SqliteDatabase> db_;
};

Result<RunRecord> SqliteStateStore::RunFromRow(const SqliteStatement& row) {
  std::string state = row.Text(5);
  std::optional<RunState> parsed = ParseRunState(state);
  if (!parsed) return CorruptState("run state", state, db_->path());
  RunRecord run;
  run.id = RunId{row.Int(0)};
  run.pipeline = row.Text(1);
  run.ds = row.Text(2);
  run.interval_start = row.Text(3);
  run.interval_end = row.Text(4);
  run.state = *parsed;
  run.started_at = row.Time(6);
  run.ended_at = row.OptionalTime(7);
  run.params_json = row.Text(8);
  run.run_type = row.Text(9);
  return run;
}

Result<AttemptRecord> SqliteStateStore::AttemptFromRow(const SqliteStatement& row) {
  std::string state = row.Text(4);
  std::optional<AttemptState> parsed = ParseAttemptState(state);
  if (!parsed) return CorruptState("attempt state", state, db_->path());
  AttemptRecord attempt;
  attempt.id = AttemptId{row.Int(0)};
  attempt.run_id = RunId{row.Int(1)};
  attempt.task_id = row.Text(2);
  attempt.number = static_cast<int>(row.Int(3));
  attempt.state = *parsed;
  attempt.started_at = row.Time(5);
  attempt.ended_at = row.OptionalTime(6);
  attempt.error_code = row.Text(7);
  attempt.error_message = row.Text(8);
  attempt.output_json = row.Text(9);
  attempt.log_path = row.Text(10);
  attempt.owner = ProcessIdentity{row.Text(11), row.Int(12), row.Int(13)};
  attempt.heartbeat_at = row.OptionalTime(14);
  attempt.process_group = ProcessIdentity{row.Text(15), row.Int(16), row.Int(17)};
  return attempt;
}

Result<std::vector<AttemptRecord>> SqliteStateStore::AttemptRows(SqliteStatement& query) {
  std::vector<AttemptRecord> attempts;
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    WEIR_ASSIGN_OR_RETURN(AttemptRecord record, AttemptFromRow(query));
    attempts.push_back(std::move(record));
  }
  return attempts;
}

Result<RunRecord> SqliteStateStore::ReadRun(RunId id) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db_->Prepare(std::string(kRunColumns) + "WHERE id = ?1"));
  WEIR_ASSIGN_OR_RETURN(bool row, query.Bind(1, id.value).Step());
  if (!row) return state_internal::UnknownRunError(id, db_->path());
  return RunFromRow(query);
}

Status SqliteStateStore::RequireRun(RunId id) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db_->Prepare("SELECT 1 FROM runs WHERE id = ?1"));
  WEIR_ASSIGN_OR_RETURN(bool row, query.Bind(1, id.value).Step());
  return row ? OkStatus() : state_internal::UnknownRunError(id, db_->path());
}

Status SqliteStateStore::MissingTask(RunId run, const std::string& task_id) {
  WEIR_TRY(RequireRun(run));
  return state_internal::UnknownTaskError(run, task_id, db_->path());
}

Result<int> SqliteStateStore::TaskAttemptCount(RunId run, const std::string& task_id) {
  WEIR_TRY(RequireRun(run));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                        db_->Prepare("SELECT attempts FROM task_instances WHERE run_id = ?1 AND task_id = ?2"));
  WEIR_ASSIGN_OR_RETURN(bool row, query.Bind(1, run.value).Bind(2, task_id).Step());
  if (!row) return state_internal::UnknownTaskError(run, task_id, db_->path());
  return static_cast<int>(query.Int(0));
}

Result<RunRecord> SqliteStateStore::CreateRun(const NewRun& run) {
  WEIR_TRY(state_internal::CheckDistinctTaskIds(run.task_ids));
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  RunRecord record = state_internal::NewRunRecord(run);
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement insert,
                          db_->Prepare("INSERT INTO runs (pipeline, ds, interval_start, interval_end, state, "
                                       "started_at_ms, params_json, run_type) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    WEIR_TRY(insert.Bind(1, run.pipeline).Bind(2, run.ds).Bind(3, run.interval_start).Bind(4, run.interval_end)
                 .Bind(5, RunStateName(record.state)).Bind(6, run.started_at).Bind(7, run.params_json)
                 .Bind(8, run.run_type).Run());
  }
  record.id = RunId{db_->LastInsertRowId()};
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert_task,
                        db_->Prepare("INSERT INTO task_instances (run_id, task_id, state) VALUES (?1, ?2, ?3)"));
  for (const std::string& task_id : run.task_ids) {
    WEIR_TRY(insert_task.Bind(1, record.id.value).Bind(2, task_id).Bind(3, TaskStateName(TaskState::kPending)).Run());
  }
  WEIR_TRY(txn.Commit());
  return record;
}

Result<RunRecord> SqliteStateStore::GetRun(RunId id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(RunRecord record, ReadRun(id));
  WEIR_TRY(txn.Commit());
  return record;
}

Result<std::vector<RunRecord>> SqliteStateStore::ListRuns(const RunFilter& filter) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  std::vector<RunRecord> runs;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                          db_->Prepare(std::string(kRunColumns) +
                                       "WHERE (?1 IS NULL OR pipeline = ?1) AND (?2 IS NULL OR ds = ?2) "
                                       "AND (?4 IS NULL OR state = ?4) AND (?5 IS NULL OR ds >= ?5) "
                                       "ORDER BY started_at_ms DESC, id DESC LIMIT ?3 OFFSET ?6"));
    // SQLite reads a negative LIMIT as no limit.
    int64_t limit = filter.limit > 0 ? filter.limit : -1;
    int64_t offset = filter.offset > 0 ? filter.offset : 0;
    std::optional<std::string> state;
    if (filter.state) state = std::string(RunStateName(*filter.state));
    query.BindOptional(1, filter.pipeline).BindOptional(2, filter.ds).Bind(3, limit).BindOptional(4, state)
        .BindOptional(5, filter.since).Bind(6, offset);
    for (;;) {
      WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      WEIR_ASSIGN_OR_RETURN(RunRecord record, RunFromRow(query));
      runs.push_back(std::move(record));
    }
  }
  WEIR_TRY(txn.Commit());
  return runs;
}

Status SqliteStateStore::FinishRun(RunId id, RunState state, TimePoint ended_at) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE runs SET state = ?2, ended_at_ms = ?3 WHERE id = ?1"));
  WEIR_TRY(update.Bind(1, id.value).Bind(2, RunStateName(state)).Bind(3, ended_at).Run());
  if (db_->Changes() == 0) return state_internal::UnknownRunError(id, db_->path());
  return txn.Commit();
}

Status SqliteStateStore::ReopenRun(RunId id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE runs SET state = ?2, ended_at_ms = NULL WHERE id = ?1"));
  WEIR_TRY(update.Bind(1, id.value).Bind(2, RunStateName(RunState::kRunning)).Run());
  if (db_->Changes() == 0) return state_internal::UnknownRunError(id, db_->path());
  return txn.Commit();
}

Result<bool> SqliteStateStore::StartQueuedRun(RunId id, TimePoint now) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_TRY(RequireRun(id));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE runs SET state = ?2, started_at_ms = ?3, ended_at_ms = NULL WHERE id = ?1 AND state = ?4"));
  WEIR_TRY(update.Bind(1, id.value).Bind(2, RunStateName(RunState::kRunning)).Bind(3, now)
               .Bind(4, RunStateName(RunState::kQueued)).Run());
  bool claimed = db_->Changes() > 0;
  WEIR_TRY(txn.Commit());
  return claimed;
}

Result<PipelineScheduleState> SqliteStateStore::GetPipelineState(const std::string& pipeline) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                        db_->Prepare("SELECT paused, next_start_ms, dataset_cursor FROM pipelines WHERE name = ?1"));
  WEIR_ASSIGN_OR_RETURN(bool row, query.Bind(1, pipeline).Step());
  PipelineScheduleState state;
  if (row) {
    state.paused = query.Int(0) != 0;
    state.next_start = query.OptionalTime(1);
    state.dataset_cursor = query.Int(2);
  }
  WEIR_TRY(txn.Commit());
  return state;
}

Status SqliteStateStore::SetPipelinePaused(const std::string& pipeline, bool paused) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement upsert,
                        db_->Prepare("INSERT INTO pipelines (name, paused) VALUES (?1, ?2) "
                                     "ON CONFLICT (name) DO UPDATE SET paused = excluded.paused"));
  WEIR_TRY(upsert.Bind(1, pipeline).Bind(2, int64_t{paused}).Run());
  return txn.Commit();
}

Status SqliteStateStore::SetNextScheduledStart(const std::string& pipeline, TimePoint next_start) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement upsert,
                        db_->Prepare("INSERT INTO pipelines (name, next_start_ms) VALUES (?1, ?2) "
                                     "ON CONFLICT (name) DO UPDATE SET next_start_ms = excluded.next_start_ms"));
  WEIR_TRY(upsert.Bind(1, pipeline).Bind(2, next_start).Run());
  return txn.Commit();
}

Status SqliteStateStore::SetDatasetCursor(const std::string& pipeline, int64_t event_id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement upsert,
                        db_->Prepare("INSERT INTO pipelines (name, dataset_cursor) VALUES (?1, ?2) "
                                     "ON CONFLICT (name) DO UPDATE SET dataset_cursor = excluded.dataset_cursor"));
  WEIR_TRY(upsert.Bind(1, pipeline).Bind(2, event_id).Run());
  return txn.Commit();
}

Status SqliteStateStore::RecordDatasetEvent(const DatasetEvent& event) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert,
                        db_->Prepare("INSERT INTO dataset_events (dataset, pipeline, run_id, task_id, "
                                     "interval_start, interval_end, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  WEIR_TRY(insert.Bind(1, event.dataset).Bind(2, event.pipeline).Bind(3, event.run_id.value).Bind(4, event.task_id)
               .Bind(5, event.interval_start).Bind(6, event.interval_end).Bind(7, event.created_at).Run());
  return txn.Commit();
}

Result<std::vector<DatasetEvent>> SqliteStateStore::DatasetEventsAfter(const std::vector<std::string>& datasets,
                                                                       int64_t after_id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  std::vector<DatasetEvent> events;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                          db_->Prepare("SELECT id, dataset, pipeline, run_id, task_id, interval_start, interval_end, "
                                       "created_at_ms FROM dataset_events WHERE dataset = ?1 AND id > ?2"));
    for (const std::string& dataset : datasets) {
      query.Bind(1, dataset).Bind(2, after_id);
      for (;;) {
        WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
        if (!row) break;
        events.push_back(DatasetEvent{query.Int(0), query.Text(1), query.Text(2), RunId{query.Int(3)}, query.Text(4),
                                      query.Text(5), query.Text(6), query.Time(7)});
      }
    }
  }
  std::sort(events.begin(), events.end(), [](const DatasetEvent& a, const DatasetEvent& b) { return a.id < b.id; });
  WEIR_TRY(txn.Commit());
  return events;
}

Result<std::optional<DatasetEvent>> SqliteStateStore::LatestDatasetEvent(const std::string& dataset) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  std::optional<DatasetEvent> event;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                          db_->Prepare("SELECT id, dataset, pipeline, run_id, task_id, interval_start, interval_end, "
                                       "created_at_ms FROM dataset_events WHERE dataset = ?1 ORDER BY id DESC LIMIT 1"));
    WEIR_ASSIGN_OR_RETURN(bool row, query.Bind(1, dataset).Step());
    if (row) {
      event = DatasetEvent{query.Int(0), query.Text(1), query.Text(2), RunId{query.Int(3)}, query.Text(4),
                           query.Text(5), query.Text(6), query.Time(7)};
    }
  }
  WEIR_TRY(txn.Commit());
  return event;
}

Result<DatasetFreshnessRecord> SqliteStateStore::GetDatasetFreshness(const std::string& dataset) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  DatasetFreshnessRecord record;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                          db_->Prepare("SELECT watched_since_ms, missed_at_ms, missed_event_id FROM dataset_freshness "
                                       "WHERE dataset = ?1"));
    WEIR_ASSIGN_OR_RETURN(bool row, query.Bind(1, dataset).Step());
    if (row) record = DatasetFreshnessRecord{query.OptionalTime(0), query.OptionalTime(1), query.Int(2)};
  }
  WEIR_TRY(txn.Commit());
  return record;
}

Status SqliteStateStore::SetDatasetFreshness(const std::string& dataset, const DatasetFreshnessRecord& record) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement upsert,
                        db_->Prepare("INSERT OR REPLACE INTO dataset_freshness (dataset, watched_since_ms, "
                                     "missed_at_ms, missed_event_id) VALUES (?1, ?2, ?3, ?4)"));
  WEIR_TRY(upsert.Bind(1, dataset).Bind(2, record.watched_since).Bind(3, record.missed_at)
               .Bind(4, record.missed_event_id).Run());
  return txn.Commit();
}

Result<std::vector<TaskInstanceRecord>> SqliteStateStore::TaskInstances(RunId run) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_TRY(RequireRun(run));
  std::vector<TaskInstanceRecord> tasks;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                          db_->Prepare("SELECT task_id, state, attempts, output_json, COALESCE(map_index, -1), "
                                       "map_item_json, COALESCE(map_count, -1) FROM task_instances "
                                       "WHERE run_id = ?1 ORDER BY rowid"));
    query.Bind(1, run.value);
    for (;;) {
      WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
      if (!row) break;
      std::string state = query.Text(1);
      std::optional<TaskState> parsed = ParseTaskState(state);
      if (!parsed) return CorruptState("task state", state, db_->path());
      TaskInstanceRecord record{run, query.Text(0), *parsed, static_cast<int>(query.Int(2)), query.Text(3)};
      record.map_index = static_cast<int>(query.Int(4));
      record.map_item_json = query.Text(5);
      if (query.Int(6) >= 0) record.map_count = static_cast<int>(query.Int(6));
      tasks.push_back(std::move(record));
    }
  }
  WEIR_TRY(txn.Commit());
  return tasks;
}

Status SqliteStateStore::SetTaskState(RunId run, const std::string& task_id, TaskState state) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE task_instances SET state = ?3 WHERE run_id = ?1 AND task_id = ?2"));
  WEIR_TRY(update.Bind(1, run.value).Bind(2, task_id).Bind(3, TaskStateName(state)).Run());
  // Looked up only when nothing changed: the engine calls this per task.
  if (db_->Changes() == 0) return MissingTask(run, task_id);
  return txn.Commit();
}

// Instances of `task_id` are the rows whose id is "task_id[" + index + "]".
constexpr const char* kInstancesOf = "run_id = ?1 AND map_index IS NOT NULL AND substr(task_id, 1, length(?2) + 1) = ?2 || '['";

Status SqliteStateStore::ExpandTask(RunId run, const std::string& task_id, const std::vector<std::string>& items_json) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  int64_t count = static_cast<int64_t>(items_json.size());
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                          db_->Prepare("UPDATE task_instances SET map_count = ?3 WHERE run_id = ?1 AND task_id = ?2"));
    WEIR_TRY(update.Bind(1, run.value).Bind(2, task_id).Bind(3, count).Run());
    if (db_->Changes() == 0) return MissingTask(run, task_id);
  }
  // Instances past the new count go, attempts first (they reference them).
  for (const char* table : {"attempts", "task_instances"}) {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement remove,
                          db_->Prepare(std::string("DELETE FROM ") + table + " WHERE run_id = ?1 AND task_id IN "
                                       "(SELECT task_id FROM task_instances WHERE " + kInstancesOf +
                                       " AND map_index >= ?3)"));
    WEIR_TRY(remove.Bind(1, run.value).Bind(2, task_id).Bind(3, count).Run());
  }
  WEIR_ASSIGN_OR_RETURN(
      SqliteStatement upsert,
      db_->Prepare("INSERT INTO task_instances (run_id, task_id, state, map_index, map_item_json) "
                   "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (run_id, task_id) DO UPDATE SET state = excluded.state, "
                   "map_index = excluded.map_index, map_item_json = excluded.map_item_json, output_json = ''"));
  for (int64_t i = 0; i < count; ++i) {
    WEIR_TRY(upsert.Bind(1, run.value).Bind(2, MapInstanceId(task_id, static_cast<int>(i)))
                 .Bind(3, TaskStateName(TaskState::kPending)).Bind(4, i).Bind(5, items_json[i]).Run());
  }
  return txn.Commit();
}

Status SqliteStateStore::ResetExpansion(RunId run, const std::string& task_id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                          db_->Prepare("UPDATE task_instances SET map_count = NULL WHERE run_id = ?1 AND task_id = ?2"));
    WEIR_TRY(update.Bind(1, run.value).Bind(2, task_id).Run());
    if (db_->Changes() == 0) return MissingTask(run, task_id);
  }
  WEIR_ASSIGN_OR_RETURN(SqliteStatement pending,
                        db_->Prepare(std::string("UPDATE task_instances SET state = ?3 WHERE ") + kInstancesOf));
  WEIR_TRY(pending.Bind(1, run.value).Bind(2, task_id).Bind(3, TaskStateName(TaskState::kPending)).Run());
  return txn.Commit();
}

Result<AttemptRecord> SqliteStateStore::StartAttempt(RunId run, const std::string& task_id, TimePoint started_at,
                                                     const std::string& log_path, const ProcessIdentity& owner) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  AttemptRecord record;
  record.run_id = run;
  record.task_id = task_id;
  record.started_at = state_internal::TruncateToMillis(started_at);
  record.log_path = log_path;
  record.owner = owner;
  record.heartbeat_at = record.started_at;
  {
    // One statement counts the attempt and reads its number back.
    WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                          db_->Prepare("UPDATE task_instances SET state = ?3, attempts = attempts + 1 "
                                       "WHERE run_id = ?1 AND task_id = ?2 RETURNING attempts"));
    update.Bind(1, run.value).Bind(2, task_id).Bind(3, TaskStateName(TaskState::kRunning));
    WEIR_ASSIGN_OR_RETURN(bool row, update.Step());
    if (!row) return MissingTask(run, task_id);
    record.number = static_cast<int>(update.Int(0));
    WEIR_TRY(update.Run());  // to its end: the statement is done and reset
  }
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert,
                        db_->Prepare("INSERT INTO attempts (run_id, task_id, number, state, started_at_ms, log_path, "
                                     "owner_host, owner_pid, owner_start_ticks, heartbeat_at_ms) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?5)"));
  WEIR_TRY(insert.Bind(1, run.value).Bind(2, task_id).Bind(3, int64_t{record.number})
               .Bind(4, AttemptStateName(record.state)).Bind(5, started_at).Bind(6, log_path)
               .Bind(7, owner.host).Bind(8, owner.pid).Bind(9, owner.start_ticks).Run());
  record.id = AttemptId{db_->LastInsertRowId()};
  WEIR_TRY(txn.Commit());
  return record;
}

Status SqliteStateStore::FinishAttempt(AttemptId attempt, const AttemptEnd& end) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE attempts SET state = ?2, ended_at_ms = ?3, error_code = ?4, "
                                     "error_message = ?5, output_json = ?6 WHERE id = ?1"));
  WEIR_TRY(update.Bind(1, attempt.value).Bind(2, AttemptStateName(end.state)).Bind(3, end.ended_at)
               .Bind(4, end.error_code).Bind(5, end.error_message).Bind(6, end.output_json).Run());
  if (db_->Changes() == 0) return state_internal::UnknownAttemptError(attempt, db_->path());
  // The task keeps the last successful attempt's output, so a failed retry
  // does not erase what an earlier success produced.
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update_task,
                        db_->Prepare("UPDATE task_instances SET state = ?2, "
                                     "output_json = CASE WHEN ?3 THEN ?4 ELSE output_json END "
                                     "WHERE (run_id, task_id) = (SELECT run_id, task_id FROM attempts WHERE id = ?1)"));
  WEIR_TRY(update_task.Bind(1, attempt.value).Bind(2, TaskStateName(end.task_state))
               .Bind(3, int64_t{end.state == AttemptState::kSuccess}).Bind(4, end.output_json).Run());
  return txn.Commit();
}

Result<std::vector<AttemptRecord>> SqliteStateStore::Attempts(RunId run, const std::string& task_id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_TRY(TaskAttemptCount(run, task_id));
  std::vector<AttemptRecord> attempts;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db_->Prepare(std::string(kAttemptColumns) +
                                                              "WHERE run_id = ?1 AND task_id = ?2 ORDER BY number"));
    query.Bind(1, run.value).Bind(2, task_id);
    WEIR_ASSIGN_OR_RETURN(attempts, AttemptRows(query));
  }
  WEIR_TRY(txn.Commit());
  return attempts;
}

Result<std::vector<AttemptRecord>> SqliteStateStore::RunningAttempts(RunId run) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_TRY(RequireRun(run));
  std::vector<AttemptRecord> attempts;
  {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                          db_->Prepare(std::string(kAttemptColumns) + "WHERE run_id = ?1 AND state = ?2 ORDER BY id"));
    query.Bind(1, run.value).Bind(2, AttemptStateName(AttemptState::kRunning));
    WEIR_ASSIGN_OR_RETURN(attempts, AttemptRows(query));
  }
  WEIR_TRY(txn.Commit());
  return attempts;
}

Status SqliteStateStore::RecordAttemptProcess(AttemptId attempt, const ProcessIdentity& group) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE attempts SET process_host = ?2, process_pgid = ?3, "
                                     "process_start_ticks = ?4 WHERE id = ?1"));
  WEIR_TRY(update.Bind(1, attempt.value).Bind(2, group.host).Bind(3, group.pid).Bind(4, group.start_ticks).Run());
  if (db_->Changes() == 0) return state_internal::UnknownAttemptError(attempt, db_->path());
  return txn.Commit();
}

Status SqliteStateStore::Heartbeat(const std::vector<AttemptId>& attempts, TimePoint now) {
  if (attempts.empty()) return OkStatus();
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement update,
                        db_->Prepare("UPDATE attempts SET heartbeat_at_ms = ?2 WHERE id = ?1 AND state = ?3"));
  for (AttemptId attempt : attempts) {
    WEIR_TRY(update.Bind(1, attempt.value).Bind(2, now).Bind(3, AttemptStateName(AttemptState::kRunning)).Run());
  }
  return txn.Commit();
}

Result<int> SqliteStateStore::InterruptRunningAttempts(RunId run, TimePoint now) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_TRY(RequireRun(run));
  std::string_view running = AttemptStateName(AttemptState::kRunning);
  {
    // Tasks first: the subquery finds them by their still-running attempts.
    WEIR_ASSIGN_OR_RETURN(SqliteStatement update_tasks,
                          db_->Prepare("UPDATE task_instances SET state = ?2 WHERE run_id = ?1 AND task_id IN "
                                       "(SELECT task_id FROM attempts WHERE run_id = ?1 AND state = ?3)"));
    WEIR_TRY(update_tasks.Bind(1, run.value).Bind(2, TaskStateName(TaskState::kInterrupted)).Bind(3, running).Run());
  }
  WEIR_ASSIGN_OR_RETURN(
      SqliteStatement update,
      db_->Prepare("UPDATE attempts SET state = ?2, ended_at_ms = ?3 WHERE run_id = ?1 AND state = ?4"));
  WEIR_TRY(update.Bind(1, run.value).Bind(2, AttemptStateName(AttemptState::kInterrupted)).Bind(3, now)
               .Bind(4, running).Run());
  int interrupted = db_->Changes();
  WEIR_TRY(txn.Commit());
  return interrupted;
}

}  // namespace

Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db, SqliteDatabase::Open(path));
  WEIR_TRY(state_internal::MigrateSchema(*db));
  return std::unique_ptr<StateStore>(std::make_unique<SqliteStateStore>(std::move(db)));
}

Status SqliteStateStore::Batch(const std::function<Status()>& body) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_TRY(body());
  return txn.Commit();
}

Result<std::optional<CacheEntry>> SqliteStateStore::LookupCache(const std::string& pipeline,
                                                                const std::string& task_id, const std::string& key) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                        db_->Prepare("SELECT output_json, created_at_ms FROM cache_entries "
                                     "WHERE pipeline = ?1 AND task_id = ?2 AND cache_key = ?3"));
  query.Bind(1, pipeline).Bind(2, task_id).Bind(3, key);
  WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
  std::optional<CacheEntry> entry;
  if (row) entry = CacheEntry{pipeline, task_id, key, query.Text(0), query.Time(1)};
  WEIR_TRY(txn.Commit());
  return entry;
}

Status SqliteStateStore::StoreCache(const CacheEntry& entry) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert,
                        db_->Prepare("INSERT OR REPLACE INTO cache_entries (pipeline, task_id, cache_key, "
                                     "output_json, created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)"));
  WEIR_TRY(insert.Bind(1, entry.pipeline).Bind(2, entry.task_id).Bind(3, entry.key).Bind(4, entry.output_json)
               .Bind(5, entry.created_at).Run());
  return txn.Commit();
}

Result<int> SqliteStateStore::ClearCache(const std::string& pipeline, const std::string& task_id) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(SqliteStatement remove,
                        db_->Prepare("DELETE FROM cache_entries WHERE (?1 = '' OR pipeline = ?1) "
                                     "AND (?2 = '' OR task_id = ?2)"));
  WEIR_TRY(remove.Bind(1, pipeline).Bind(2, task_id).Run());
  int removed = db_->Changes();
  WEIR_TRY(txn.Commit());
  return removed;
}

Status SqliteStateStore::RecordCheckResults(const std::vector<CheckResultRecord>& results) {
  WEIR_TRY(state_internal::CheckResultsAreNamed(results));
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_TRY(state_internal::InsertCheckResults(*db_, results));
  return txn.Commit();
}

Result<std::vector<CheckResultRecord>> SqliteStateStore::CheckHistory(const std::string& suite,
                                                                      const std::string& check,
                                                                      const std::string& before_interval, int limit) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(std::vector<CheckResultRecord> history,
                        state_internal::QueryCheckHistory(*db_, suite, check, before_interval, limit));
  WEIR_TRY(txn.Commit());
  return history;
}

Status SqliteStateStore::RecordCursorRange(const CursorRange& range) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_TRY(state_internal::UpsertCursorRange(*db_, range));
  return txn.Commit();
}

Result<std::optional<CursorRange>> SqliteStateStore::ReadCursorRange(const std::string& pipeline,
                                                                     const std::string& task_id,
                                                                     const std::string& interval_start, bool before) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(std::optional<CursorRange> range,
                        state_internal::QueryCursorRange(*db_, pipeline, task_id, interval_start, before));
  WEIR_TRY(txn.Commit());
  return range;
}

Result<std::optional<CursorRange>> SqliteStateStore::CursorRangeFor(const std::string& pipeline,
                                                                    const std::string& task_id,
                                                                    const std::string& interval_start) {
  return ReadCursorRange(pipeline, task_id, interval_start, false);
}

Result<std::optional<CursorRange>> SqliteStateStore::PreviousCursorRange(const std::string& pipeline,
                                                                         const std::string& task_id,
                                                                         const std::string& interval_start) {
  return ReadCursorRange(pipeline, task_id, interval_start, true);
}

Status SqliteStateStore::RecordSourceFiles(const SourceFileSet& set) {
  WEIR_ASSIGN_OR_RETURN(SourceFileSet stored, state_internal::StoredSourceFiles(set));
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_TRY(state_internal::ReplaceSourceFileSet(*db_, stored));
  return txn.Commit();
}

Result<std::vector<SourceFileSet>> SqliteStateStore::ReadSourceFileSets(const std::string& pipeline,
                                                                        const std::string& task_id,
                                                                        const std::string& interval_start) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(std::vector<SourceFileSet> sets,
                        state_internal::QuerySourceFileSets(*db_, pipeline, task_id, interval_start));
  WEIR_TRY(txn.Commit());
  return sets;
}

Result<std::optional<SourceFileSet>> SqliteStateStore::SourceFilesFor(const std::string& pipeline,
                                                                      const std::string& task_id,
                                                                      const std::string& interval_start) {
  if (interval_start.empty()) return std::optional<SourceFileSet>();  // "" would mean every interval
  WEIR_ASSIGN_OR_RETURN(std::vector<SourceFileSet> sets, ReadSourceFileSets(pipeline, task_id, interval_start));
  if (sets.empty()) return std::optional<SourceFileSet>();
  return std::optional<SourceFileSet>(std::move(sets.front()));
}

Result<std::vector<SourceFileSet>> SqliteStateStore::SourceFileSets(const std::string& pipeline,
                                                                    const std::string& task_id) {
  return ReadSourceFileSets(pipeline, task_id, "");
}

Result<StateCounts> SqliteStateStore::CountStates() {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(StateCounts counts, state_internal::QueryStateCounts(*db_));
  WEIR_TRY(txn.Commit());
  return counts;
}

Result<AuditEntry> SqliteStateStore::RecordAudit(const AuditEntry& entry) {
  AuditEntry stored = entry;
  stored.at = state_internal::TruncateToMillis(entry.at);
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kWrite));
  WEIR_ASSIGN_OR_RETURN(stored, state_internal::InsertAuditEntry(*db_, std::move(stored)));
  WEIR_TRY(txn.Commit());
  return stored;
}

Result<std::vector<AuditEntry>> SqliteStateStore::AuditLog(int limit, int offset) {
  std::lock_guard lock(mu_);
  SqliteTransaction txn(*db_);
  WEIR_TRY(txn.Begin(Mode::kRead));
  WEIR_ASSIGN_OR_RETURN(std::vector<AuditEntry> entries, state_internal::QueryAuditLog(*db_, limit, offset));
  WEIR_TRY(txn.Commit());
  return entries;
}

}  // namespace weir
