#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace weir::config_internal {

// The names task templates can use (tasks/template_context.cc provides them).
const std::vector<std::string>& TaskTemplateNames();

// The names callback templates can use (tasks/callbacks.cc provides them):
// a task's, but `outputs`, plus event, state, error, error_code, log_path
// and dataset (a dataset's on_stale; "" elsewhere).
const std::vector<std::string>& CallbackTemplateNames();

// Appends an error for each template in `node` (and everything under it)
// that does not parse or uses a name outside `known`.
void CheckTemplateNode(const ConfigNode& node, const std::vector<std::string>& known, std::vector<Status>& errors);

// Appends an error for each template in the task's own keys that does not
// parse or uses a name no task template has.
void CheckTemplates(const TaskDef& task, std::vector<Status>& errors);

}  // namespace weir::config_internal
