// The request an http task (or an http sensor) sends, built from the
// task's url, headers, auth, body and method (http_task.cc).
#pragma once

#include <string>
#include <vector>

#include "connectors/connectors.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {

// What one attempt sends, and what of it may be shown.
struct PreparedRequest {
  HttpRequest request;
  std::string shown_url;
  std::vector<std::string> shown_headers;  // "Name: value" with secrets as ***
};

// The task's request with its templates rendered; UserError for keys of
// the wrong shape (`bad-auth`, `bad-method`, ...).
Result<PreparedRequest> PrepareHttpRequest(const TaskDef& task, const TemplateContext& names);

}  // namespace weir::tasks_internal
