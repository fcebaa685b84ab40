#include "tasks/internal/data.h"
#include "tasks/internal/task_kinds.h"

namespace weir {

Result<std::vector<std::pair<std::string, std::string>>> RenderForDisplay(const TaskContext& context,
                                                                          const TaskServices& services) {
  TemplateContext names = MakeTemplateContext(context, services);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, node] : context.task.params) {
    if (!node.is_scalar()) continue;
    std::string shown;
    if (key == "sql") {
      WEIR_TRY(tasks_internal::RenderSqlParam(context.task, key, names, context, services, &shown));
    } else {
      WEIR_ASSIGN_OR_RETURN(tasks_internal::RenderedText text, tasks_internal::RenderParam(context.task, key, names));
      shown = text.shown;
    }
    out.emplace_back(key, shown);
  }
  return out;
}

}  // namespace weir
