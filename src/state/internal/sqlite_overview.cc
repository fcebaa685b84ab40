#include "state/internal/sqlite_overview.h"

namespace weir::state_internal {
namespace {

Result<std::vector<StateCount>> CountRows(SqliteDatabase& db, const std::string& sql) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db.Prepare(sql));
  std::vector<StateCount> counts;
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    counts.push_back(StateCount{query.Text(0), query.Text(1), query.Int(2)});
  }
  return counts;
}

}  // namespace

Result<StateCounts> QueryStateCounts(SqliteDatabase& db) {
  StateCounts counts;
  WEIR_ASSIGN_OR_RETURN(counts.runs,
                        CountRows(db, "SELECT pipeline, state, COUNT(*) FROM runs GROUP BY pipeline, state "
                                      "ORDER BY pipeline, state"));
  WEIR_ASSIGN_OR_RETURN(counts.task_instances,
                        CountRows(db, "SELECT r.pipeline, t.state, COUNT(*) FROM task_instances t "
                                      "JOIN runs r ON r.id = t.run_id GROUP BY r.pipeline, t.state "
                                      "ORDER BY r.pipeline, t.state"));
  return counts;
}

Result<AuditEntry> InsertAuditEntry(SqliteDatabase& db, AuditEntry entry) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert,
                        db.Prepare("INSERT INTO audit_log (at_ms, who, action, pipeline, run_id, details_json) "
                                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  WEIR_TRY(insert.Bind(1, entry.at).Bind(2, entry.who).Bind(3, entry.action).Bind(4, entry.pipeline)
               .Bind(5, entry.run_id.value).Bind(6, entry.details_json).Run());
  entry.id = db.LastInsertRowId();
  return entry;
}

Result<std::vector<AuditEntry>> QueryAuditLog(SqliteDatabase& db, int limit, int offset) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query,
                        db.Prepare("SELECT id, at_ms, who, action, pipeline, run_id, details_json FROM audit_log "
                                   "ORDER BY id DESC LIMIT ?1 OFFSET ?2"));
  // SQLite reads a negative LIMIT as no limit.
  query.Bind(1, static_cast<int64_t>(limit > 0 ? limit : -1)).Bind(2, static_cast<int64_t>(offset > 0 ? offset : 0));
  std::vector<AuditEntry> entries;
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    entries.push_back(AuditEntry{query.Int(0), query.Time(1), query.Text(2), query.Text(3), query.Text(4),
                                 RunId{query.Int(5)}, query.Text(6)});
  }
  return entries;
}

}  // namespace weir::state_internal
