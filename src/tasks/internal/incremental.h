// What incremental extracts share (Postgres queries, HTTP APIs): the
// cursor range an attempt reads, kept per interval in the state store
// (CursorRange), and the end of a new range, read from the file written.
#pragma once

#include <optional>
#include <string>

#include "tasks/internal/data.h"

namespace weir::tasks_internal {

// The range this attempt reads. `recorded`: the interval's own range from
// an earlier attempt (a rerun, clear or backfill reads it again, `to`
// included). Otherwise a new range starting where the latest interval
// before this one ended (`from` empty: from the beginning), its `to`
// unknown until the rows are read.
struct PlannedRange {
  CursorRange range;
  bool recorded = false;
};
Result<PlannedRange> PlanCursorRange(const TaskContext& context);

// A new range's end: the largest `cursor` value in the lake file just
// written (or `from` when it has none), recorded in the state store.
Status RecordCursorRangeEnd(const TaskContext& context, CursorRange& range, DuckDbConnection& compute,
                            const std::string& cursor, const std::string& path, FileFormat format);

}  // namespace weir::tasks_internal
