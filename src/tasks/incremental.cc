#include "tasks/internal/incremental.h"

#include "schedule/schedule.h"

namespace weir::tasks_internal {

Result<PlannedRange> PlanCursorRange(const TaskContext& context) {
  PlannedRange planned;
  CursorRange& range = planned.range;
  range.pipeline = context.pipeline.name;
  range.task_id = context.task.id;
  if (context.map_index) range.task_id += "[" + std::to_string(*context.map_index) + "]";
  range.interval_start = FormatUtc(context.interval.start);
  if (context.store == nullptr) return InternalError("an incremental extract needs the state store");
  WEIR_ASSIGN_OR_RETURN(std::optional<CursorRange> recorded,
                        context.store->CursorRangeFor(range.pipeline, range.task_id, range.interval_start));
  if (recorded && !recorded->to.empty()) return PlannedRange{*recorded, true};
  WEIR_ASSIGN_OR_RETURN(std::optional<CursorRange> previous,
                        context.store->PreviousCursorRange(range.pipeline, range.task_id, range.interval_start));
  if (previous) range.from = previous->to;
  return planned;
}

Status RecordCursorRangeEnd(const TaskContext& context, CursorRange& range, DuckDbConnection& compute,
                            const std::string& cursor, const std::string& path, FileFormat format) {
  std::string file = ReadFileSql(path, format);
  WEIR_ASSIGN_OR_RETURN(QueryRows columns, compute.Query("SELECT column_name FROM (DESCRIBE SELECT * FROM " + file +
                                                         ") WHERE column_name = ?",
                                                         {cursor}));
  std::optional<std::string> last;
  if (!columns.rows.empty()) {  // a file of no records has no cursor column
    WEIR_ASSIGN_OR_RETURN(last, compute.QueryValue("SELECT CAST(max(" + SqlIdentifier(cursor) + ") AS VARCHAR) FROM " +
                                                   file));
  }
  range.to = last.value_or(range.from);
  range.recorded_at = std::chrono::system_clock::now();
  return context.store->RecordCursorRange(range);
}

}  // namespace weir::tasks_internal
