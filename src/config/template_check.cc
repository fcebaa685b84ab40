// Checks the templates in a pipeline's task keys when the project loads, so
// `weir validate` reports a template that cannot parse, or a name no task
// can see, with its file:line:col instead of failing at run time.
#include "config/internal/template_check.h"

#include <algorithm>

#include "common/text.h"
#include "template/template.h"

namespace weir::config_internal {

const std::vector<std::string>& TaskTemplateNames() {
  static const std::vector<std::string> kNames = {
      "ds", "ds_nodash", "data_interval_start", "data_interval_end", "run_id", "pipeline", "task_id", "attempt",
      "lake", "project_dir", "params", "outputs", "var", "env_var", "secret"};
  return kNames;
}

const std::vector<std::string>& CallbackTemplateNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names = {"event", "state", "error", "error_code", "log_path", "dataset"};
    for (const std::string& name : TaskTemplateNames()) {
      if (name != "outputs") names.push_back(name);  // callbacks do not read outputs
    }
    return names;
  }();
  return kNames;
}

void CheckTemplateNode(const ConfigNode& node, const std::vector<std::string>& known, std::vector<Status>& errors) {
  if (node.is_sequence()) {
    for (const ConfigNode& item : node.items()) CheckTemplateNode(item, known, errors);
    return;
  }
  if (node.is_map()) {
    for (const auto& [key, value] : node.entries()) CheckTemplateNode(value, known, errors);
    return;
  }
  if (!node.is_scalar() || !HasTemplateSyntax(node.scalar())) return;
  SourceLocation origin = node.where();
  if (node.quoted()) origin.column += 1;
  Result<Template> parsed = ParseTemplate(node.scalar(), origin);
  if (!parsed.ok()) {
    errors.push_back(parsed.status());
    return;
  }
  for (const std::string& name : ReferencedNames(*parsed)) {
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string hint = name == "item" || name == "map_index" ? "; only a task with 'map_over' has it" : "";
    errors.push_back(UserError("undefined-name", "undefined name '" + name + "' in a template" +
                                                     DidYouMean(name, known) + hint + " (names: " +
                                                     QuotedList(known) + ")",
                               node.where()));
  }
}

void CheckTemplates(const TaskDef& task, std::vector<Status>& errors) {
  std::vector<std::string> names = TaskTemplateNames();
  // Each instance of a mapped task sees its item and index.
  if (task.map_over) names.insert(names.end(), {"item", "map_index"});
  for (const auto& [key, value] : task.params) CheckTemplateNode(value, names, errors);
}

}  // namespace weir::config_internal
