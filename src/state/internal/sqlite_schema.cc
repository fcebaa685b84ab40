#include "state/internal/sqlite_schema.h"

#include <iterator>
#include <string>

namespace weir::state_internal {
namespace {

using Mode = SqliteTransaction::Mode;

// Numbered migrations: step N takes a file from schema version N to N + 1.
// Append only; never edit a step that has shipped.
constexpr const char* kMigrations[] = {
    // 1: runs, task instances, attempts. Times are epoch milliseconds.
    R"sql(
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      pipeline TEXT NOT NULL,
      ds TEXT NOT NULL,
      interval_start TEXT NOT NULL,
      interval_end TEXT NOT NULL,
      state TEXT NOT NULL,
      started_at_ms INTEGER NOT NULL,
      ended_at_ms INTEGER
    );
    CREATE INDEX runs_by_pipeline_ds ON runs (pipeline, ds);
    CREATE INDEX runs_by_start ON runs (started_at_ms);
    -- A rowid table so that task instances list in the order the run gave them.
    CREATE TABLE task_instances (
      run_id INTEGER NOT NULL REFERENCES runs (id),
      task_id TEXT NOT NULL,
      state TEXT NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0,
      output_json TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (run_id, task_id)
    );
    CREATE TABLE attempts (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      run_id INTEGER NOT NULL,
      task_id TEXT NOT NULL,
      number INTEGER NOT NULL,
      state TEXT NOT NULL,
      started_at_ms INTEGER NOT NULL,
      ended_at_ms INTEGER,
      error_code TEXT NOT NULL DEFAULT '',
      error_message TEXT NOT NULL DEFAULT '',
      output_json TEXT NOT NULL DEFAULT '',
      log_path TEXT NOT NULL DEFAULT '',
      FOREIGN KEY (run_id, task_id) REFERENCES task_instances (run_id, task_id),
      UNIQUE (run_id, task_id, number)
    );
    CREATE INDEX attempts_by_run_state ON attempts (run_id, state);
    )sql",
    // 2: the run's parameters (--param k=v), so that a resumed run keeps them.
    R"sql(
    ALTER TABLE runs ADD COLUMN params_json TEXT NOT NULL DEFAULT '{}';
    )sql",
    // 3: cached task results.
    R"sql(
    CREATE TABLE cache_entries (
      pipeline TEXT NOT NULL,
      task_id TEXT NOT NULL,
      cache_key TEXT NOT NULL,
      output_json TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL,
      PRIMARY KEY (pipeline, task_id, cache_key)
    );
    )sql",
    // 4: the scheduler: how each run came to be, queued runs, and per
    // pipeline whether it is paused and the next interval it owes.
    R"sql(
    ALTER TABLE runs ADD COLUMN run_type TEXT NOT NULL DEFAULT 'manual';
    CREATE INDEX runs_by_state ON runs (state, pipeline);
    CREATE TABLE pipelines (
      name TEXT PRIMARY KEY,
      paused INTEGER NOT NULL DEFAULT 0,
      next_start_ms INTEGER
    );
    )sql",
    // 5: dataset events, and how far each dataset-scheduled pipeline has read them.
    R"sql(
    CREATE TABLE dataset_events (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      dataset TEXT NOT NULL,
      pipeline TEXT NOT NULL,
      run_id INTEGER NOT NULL,
      task_id TEXT NOT NULL,
      interval_start TEXT NOT NULL,
      interval_end TEXT NOT NULL,
      created_at_ms INTEGER NOT NULL
    );
    CREATE INDEX dataset_events_by_dataset ON dataset_events (dataset, id);
    ALTER TABLE pipelines ADD COLUMN dataset_cursor INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 6: dynamic task mapping. An instance of a mapped task is a task
    // instance "task[i]" with its index and item; the mapped task records
    // how many instances its expansion made (NULL: not expanded).
    R"sql(
    ALTER TABLE task_instances ADD COLUMN map_index INTEGER;
    ALTER TABLE task_instances ADD COLUMN map_item_json TEXT NOT NULL DEFAULT '';
    ALTER TABLE task_instances ADD COLUMN map_count INTEGER;
    )sql",
    // 7: who runs an attempt (the owning weir process: host, pid, start
    // time), its heartbeat, and the process group its task started, so
    // that a later weir can find zombies and orphaned processes.
    R"sql(
    ALTER TABLE attempts ADD COLUMN owner_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE attempts ADD COLUMN owner_pid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE attempts ADD COLUMN owner_start_ticks INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE attempts ADD COLUMN heartbeat_at_ms INTEGER;
    ALTER TABLE attempts ADD COLUMN process_host TEXT NOT NULL DEFAULT '';
    ALTER TABLE attempts ADD COLUMN process_pgid INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE attempts ADD COLUMN process_start_ticks INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 8: datasets' freshness promises: since when each is watched, and its
    // latest miss (the dataset's newest event then).
    R"sql(
    CREATE TABLE dataset_freshness (
      dataset TEXT PRIMARY KEY,
      watched_since_ms INTEGER,
      missed_at_ms INTEGER,
      missed_event_id INTEGER NOT NULL DEFAULT 0
    );
    )sql",
    // 9: data check results, for `weir checks history` and the anomaly and
    // change checks. observed is NULL when the check measured nothing;
    // interval_start is '' and run_id 0 outside runs. The index serves
    // CheckHistory: one check (of one suite, or of all), by interval.
    R"sql(
    CREATE TABLE check_results (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      suite TEXT NOT NULL,
      check_name TEXT NOT NULL,
      status TEXT NOT NULL,
      observed REAL,
      interval_start TEXT NOT NULL DEFAULT '',
      run_id INTEGER NOT NULL DEFAULT 0,
      message TEXT NOT NULL DEFAULT '',
      recorded_at_ms INTEGER NOT NULL
    );
    CREATE INDEX check_results_by_check ON check_results (check_name, suite, interval_start, recorded_at_ms);
    )sql",
    // 10: incremental extracts' cursor ranges, one per task and interval.
    R"sql(
    CREATE TABLE cursor_ranges (
      pipeline TEXT NOT NULL,
      task_id TEXT NOT NULL,
      interval_start TEXT NOT NULL,
      cursor_from TEXT NOT NULL,
      cursor_to TEXT NOT NULL,
      recorded_at_ms INTEGER NOT NULL,
      PRIMARY KEY (pipeline, task_id, interval_start)
    );
    )sql",
    // 11: the files each interval of a file source took: a set per task
    // and interval (which may hold no file), and its files.
    R"sql(
    CREATE TABLE source_file_sets (
      pipeline TEXT NOT NULL,
      task_id TEXT NOT NULL,
      interval_start TEXT NOT NULL,
      recorded_at_ms INTEGER NOT NULL,
      PRIMARY KEY (pipeline, task_id, interval_start)
    );
    CREATE TABLE source_files (
      pipeline TEXT NOT NULL,
      task_id TEXT NOT NULL,
      interval_start TEXT NOT NULL,
      path TEXT NOT NULL,
      size_bytes INTEGER NOT NULL,
      modified_at_ms INTEGER NOT NULL,
      PRIMARY KEY (pipeline, task_id, interval_start, path)
    );
    )sql",
    // 12: the audit trail: every change made by hand through the API
    // (trigger, clear, mark, pause, cancel), who made it and when.
    R"sql(
    CREATE TABLE audit_log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      at_ms INTEGER NOT NULL,
      who TEXT NOT NULL,
      action TEXT NOT NULL,
      pipeline TEXT NOT NULL DEFAULT '',
      run_id INTEGER NOT NULL DEFAULT 0,
      details_json TEXT NOT NULL DEFAULT '{}'
    );
    )sql",
};

static_assert(std::size(kMigrations) == kKnownSchemaVersion, "add a migration and bump kKnownSchemaVersion together");

Result<int64_t> SchemaVersion(SqliteDatabase& db) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
  return row ? query.Int(0) : 0;
}

Status ApplyMigration(SqliteDatabase& db, int64_t version) {
  WEIR_TRY(db.Exec(kMigrations[version - 1]).WithContext("state database migration " + std::to_string(version)));
  WEIR_ASSIGN_OR_RETURN(
      SqliteStatement record,
      db.Prepare("INSERT INTO schema_migrations (version, applied_at_ms) "
                 "VALUES (?1, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))"));
  return record.Bind(1, version).Run();
}

}  // namespace

// One transaction per step, each re-reading the version under the write
// lock, so two processes opening a new file at once migrate it only once.
Status MigrateSchema(SqliteDatabase& db) {
  WEIR_TRY(db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                   "version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)"));
  for (;;) {
    SqliteTransaction txn(db);
    WEIR_TRY(txn.Begin(Mode::kWrite));
    WEIR_ASSIGN_OR_RETURN(int64_t version, SchemaVersion(db));
    if (version > kKnownSchemaVersion) {
      return UserError("state-schema-newer",
                       "the state database was written by a newer weir; upgrade weir (file " + db.path() +
                           " has schema version " + std::to_string(version) + ", this binary knows version " +
                           std::to_string(kKnownSchemaVersion) + ")");
    }
    if (version == kKnownSchemaVersion) return txn.Commit();
    WEIR_TRY(ApplyMigration(db, version + 1));
    WEIR_TRY(txn.Commit());
  }
}

}  // namespace weir::state_internal
