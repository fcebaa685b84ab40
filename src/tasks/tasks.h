// Tasks: the task kinds, each a TaskRunner the engine calls per attempt:
// shell, sql, extract, load, check and http.
//
// Also builds the template context every task string is rendered with
// (ds, data_interval_start/end, run_id, task_id, var(), secret(), env_var()).
#pragma once

#include <memory>

#include "common/files.h"
#include "common/process.h"
#include "connectors/connectors.h"
#include "engine/engine.h"
#include "template/template.h"

namespace weir {

struct TaskServices {
  ProcessLauncher& processes;
  const Environment& environment;
  const Filesystem& files;
  DuckDbConnector& duckdb;
};

// Every task kind this build can run. `services` must outlive the factory.
std::unique_ptr<TaskRunnerFactory> NewTaskRunnerFactory(const TaskServices& services);

// The names a task's templates can use during one attempt.
TemplateContext MakeTemplateContext(const TaskContext& context, const TaskServices& services);

// A task's string keys as they would run in `context`, secrets shown as
// '***' (what `weir render` prints); a `sql:` path to a .sql file shows the
// file's rendered text. Keys in name order.
Result<std::vector<std::pair<std::string, std::string>>> RenderForDisplay(const TaskContext& context,
                                                                          const TaskServices& services);

// Reads a secret: WEIR_SECRET_<NAME> (upper-cased) from the environment,
// else `name` in <project>/.weir/secrets.yml, which must not be readable by
// group or others. UserError "unknown-secret" / "secrets-file-mode".
Result<std::string> ReadSecret(const std::string& name, const std::string& project_root,
                               const TaskServices& services);

}  // namespace weir
