// Dynamic task mapping in the pipeline files: a task's `map_over:` and
// `max_map_parallelism:`, and the check that `{output: x}` names a task
// upstream of the mapped one.
#pragma once

#include <vector>

#include "config/config.h"
#include "config/internal/fields.h"

namespace weir::config_internal {

// Reads `map_over:` and `max_map_parallelism:` of a task into `task`.
void ReadMapOver(MapFields& fields, TaskDef& task, std::vector<Status>& errors);

// An error for each `map_over: {output: x}` whose x is not upstream of its
// task (directly or further up), as resolved from `after:` (task ids and
// groups, as the graph resolves them).
void CheckMapOverSources(const PipelineDef& pipeline, std::vector<Status>& errors);

}  // namespace weir::config_internal
