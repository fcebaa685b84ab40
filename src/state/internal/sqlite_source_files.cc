#include "state/internal/sqlite_source_files.h"

namespace weir::state_internal {

Status ReplaceSourceFileSet(SqliteDatabase& db, const SourceFileSet& set) {
  for (const char* table : {"source_file_sets", "source_files"}) {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement remove,
                          db.Prepare(std::string("DELETE FROM ") + table +
                                     " WHERE pipeline = ?1 AND task_id = ?2 AND interval_start = ?3"));
    WEIR_TRY(remove.Bind(1, set.pipeline).Bind(2, set.task_id).Bind(3, set.interval_start).Run());
  }
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert_set,
                        db.Prepare("INSERT INTO source_file_sets (pipeline, task_id, interval_start, recorded_at_ms) "
                                   "VALUES (?1, ?2, ?3, ?4)"));
  WEIR_TRY(insert_set.Bind(1, set.pipeline).Bind(2, set.task_id).Bind(3, set.interval_start).Bind(4, set.recorded_at)
               .Run());
  for (const SourceFile& file : set.files) {
    WEIR_ASSIGN_OR_RETURN(SqliteStatement insert_file,
                          db.Prepare("INSERT INTO source_files (pipeline, task_id, interval_start, path, size_bytes, "
                                     "modified_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    WEIR_TRY(insert_file.Bind(1, set.pipeline).Bind(2, set.task_id).Bind(3, set.interval_start).Bind(4, file.path)
                 .Bind(5, file.size_bytes).Bind(6, file.modified_at).Run());
  }
  return OkStatus();
}

Result<std::vector<SourceFileSet>> QuerySourceFileSets(SqliteDatabase& db, const std::string& pipeline,
                                                       const std::string& task_id,
                                                       const std::string& interval_start) {
  // One pass over a LEFT JOIN: a set with no file comes back as one row
  // whose path is NULL (read as "").
  WEIR_ASSIGN_OR_RETURN(
      SqliteStatement query,
      db.Prepare("SELECT s.interval_start, s.recorded_at_ms, f.path, f.size_bytes, f.modified_at_ms "
                 "FROM source_file_sets s LEFT JOIN source_files f ON f.pipeline = s.pipeline AND "
                 "f.task_id = s.task_id AND f.interval_start = s.interval_start "
                 "WHERE s.pipeline = ?1 AND s.task_id = ?2 AND (?3 = '' OR s.interval_start = ?3) "
                 "ORDER BY s.interval_start, f.path"));
  query.Bind(1, pipeline).Bind(2, task_id).Bind(3, interval_start);
  std::vector<SourceFileSet> sets;
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    if (sets.empty() || sets.back().interval_start != query.Text(0)) {
      SourceFileSet set;
      set.pipeline = pipeline;
      set.task_id = task_id;
      set.interval_start = query.Text(0);
      set.recorded_at = query.Time(1);
      sets.push_back(std::move(set));
    }
    std::string path = query.Text(2);
    if (path.empty()) continue;
    sets.back().files.push_back(SourceFile{std::move(path), query.Int(3), query.Time(4)});
  }
  return sets;
}

}  // namespace weir::state_internal
