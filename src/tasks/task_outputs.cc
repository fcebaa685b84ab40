#include "tasks/internal/task_outputs.h"

#include <nlohmann/json.hpp>

namespace weir::tasks_internal {
namespace {

// An output as a JSON value: text that is not JSON stays a string.
nlohmann::json OutputValue(const std::string& text) {
  if (text.empty()) return nullptr;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(text) : parsed;
}

}  // namespace

Result<std::map<std::string, std::string>> RunOutputs(StateStore& store, RunId run) {
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> tasks, store.TaskInstances(run));
  std::map<std::string, std::string> outputs;
  std::map<std::string, nlohmann::json> mapped;  // mapped task -> its instances' outputs
  for (const TaskInstanceRecord& t : tasks) {
    if (t.map_count) mapped[t.task_id] = nlohmann::json::array_t(static_cast<size_t>(*t.map_count));
  }
  for (const TaskInstanceRecord& t : tasks) {
    if (!t.output_json.empty()) outputs[t.task_id] = t.output_json;
    if (t.map_index < 0) continue;
    std::optional<std::pair<std::string, int>> of = ParseMapInstanceId(t.task_id);
    auto list = of ? mapped.find(of->first) : mapped.end();
    // An instance past the count is one an earlier expansion left.
    if (list == mapped.end() || static_cast<size_t>(t.map_index) >= list->second.size()) continue;
    list->second[static_cast<size_t>(t.map_index)] = OutputValue(t.output_json);
  }
  for (const auto& [task_id, list] : mapped) outputs[task_id] = list.dump();
  return outputs;
}

}  // namespace weir::tasks_internal
