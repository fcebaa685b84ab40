#include "state/internal/sqlite_cursor_ranges.h"

namespace weir::state_internal {

Status UpsertCursorRange(SqliteDatabase& db, const CursorRange& range) {
  WEIR_ASSIGN_OR_RETURN(
      SqliteStatement upsert,
      db.Prepare("INSERT INTO cursor_ranges (pipeline, task_id, interval_start, cursor_from, cursor_to, "
                 "recorded_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                 "ON CONFLICT (pipeline, task_id, interval_start) DO UPDATE SET cursor_from = excluded.cursor_from, "
                 "cursor_to = excluded.cursor_to, recorded_at_ms = excluded.recorded_at_ms"));
  return upsert.Bind(1, range.pipeline).Bind(2, range.task_id).Bind(3, range.interval_start).Bind(4, range.from)
      .Bind(5, range.to).Bind(6, range.recorded_at).Run();
}

Result<std::optional<CursorRange>> QueryCursorRange(SqliteDatabase& db, const std::string& pipeline,
                                                    const std::string& task_id, const std::string& interval_start,
                                                    bool before) {
  const std::string sql = std::string(
                              "SELECT interval_start, cursor_from, cursor_to, recorded_at_ms FROM cursor_ranges "
                              "WHERE pipeline = ?1 AND task_id = ?2 AND interval_start ") +
                          (before ? "< ?3 ORDER BY interval_start DESC LIMIT 1" : "= ?3");
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db.Prepare(sql));
  query.Bind(1, pipeline).Bind(2, task_id).Bind(3, interval_start);
  WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
  if (!row) return std::optional<CursorRange>();
  CursorRange range;
  range.pipeline = pipeline;
  range.task_id = task_id;
  range.interval_start = query.Text(0);
  range.from = query.Text(1);
  range.to = query.Text(2);
  range.recorded_at = query.Time(3);
  return std::optional<CursorRange>(std::move(range));
}

}  // namespace weir::state_internal
