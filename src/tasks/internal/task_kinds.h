#pragma once

#include <map>
#include <memory>
#include <string>

#include "tasks/tasks.h"

namespace weir::tasks_internal {

// A rendered task string, and the same with secrets shown as '***' (what
// logs and messages may print).
struct RenderedText {
  std::string text;
  std::string shown;
};

// Renders the string parameter `key` of `task`; UserError if it is not a string.
Result<RenderedText> RenderParam(const TaskDef& task, const std::string& key, const TemplateContext& names);
// Renders a string node (`what` names it in a wrong-type error).
Result<RenderedText> RenderNode(const ConfigNode& node, const std::string& what, const TemplateContext& names);
// Renders the `env:` mapping of `task` (absent: empty).
Result<std::map<std::string, std::string>> RenderEnv(const TaskDef& task, const TemplateContext& names);

std::shared_ptr<TaskRunner> NewShellTask(const TaskServices& services);
std::shared_ptr<TaskRunner> NewSqlTask(const TaskServices& services);      // sql_task.cc
std::shared_ptr<TaskRunner> NewExtractTask(const TaskServices& services);  // extract_task.cc
std::shared_ptr<TaskRunner> NewLoadTask(const TaskServices& services);     // load_task.cc
std::shared_ptr<TaskRunner> NewCheckTask(const TaskServices& services);    // check_task.cc
std::shared_ptr<TaskRunner> NewHttpTask(const TaskServices& services);     // http_task.cc
std::shared_ptr<TaskRunner> NewSensorTask(const TaskServices& services);   // sensor_task.cc
std::shared_ptr<TaskRunner> NewNoopTask();                                  // noop_task.cc
std::shared_ptr<TaskRunner> NewModelsTask(const TaskServices& services);   // models_task.cc
// The items of a mapped task's `map_over:` (map_items.cc).
std::shared_ptr<MapItemsSource> NewMapItemsSource(const TaskServices& services);

}  // namespace weir::tasks_internal
