// The http task's own keys checked by `weir validate` (http_config.cc):
// paginate (its type and the keys of that type), auth's shapes,
// request_retries, request_timeout and rate_limit. The task reads them
// again when it runs (src/tasks/http_*.cc), with the same error codes.
#pragma once

#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace weir::config_internal {

// `node` is the task's mapping; errors are added to `errors`.
void CheckHttpTask(const ConfigNode& node, const TaskDef& task, std::vector<Status>& errors);

}  // namespace weir::config_internal
