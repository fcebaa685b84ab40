// The noop task (Airflow's EmptyOperator): runs in the process and succeeds
// at once with no output. It joins or fans out branches of a DAG without
// starting a process, and measures the engine's own cost per task. Trigger
// rules, retries, pools and caching apply to it as to any kind: the engine
// decides those before and after Run.
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

class NoopTask final : public TaskRunner {
 public:
  Result<std::string> Run(const TaskContext& /*context*/) override { return std::string(); }
};

}  // namespace

std::shared_ptr<TaskRunner> NewNoopTask() { return std::make_shared<NoopTask>(); }

}  // namespace weir::tasks_internal
