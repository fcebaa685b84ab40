// The http task: not built yet (a helper is writing it).
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {

std::shared_ptr<TaskRunner> NewHttpTask(const TaskServices&) { return nullptr; }

}  // namespace weir::tasks_internal
