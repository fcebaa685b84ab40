#pragma once

#include <string>
#include <vector>

#include "config/config.h"

namespace weir::config_internal {

// The names task templates can use (tasks/template_context.cc provides them).
const std::vector<std::string>& TaskTemplateNames();

// Appends an error for each template in the task's own keys that does not
// parse or uses a name no task template has.
void CheckTemplates(const TaskDef& task, std::vector<Status>& errors);

}  // namespace weir::config_internal
