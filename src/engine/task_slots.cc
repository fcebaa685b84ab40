#include "engine/internal/task_slots.h"

namespace weir::engine_internal {

void TaskSlots::Reset(const PipelineGraph& graph) {
  slots_.assign(graph.size(), TaskSlot{});
  for (int i = 0; i < graph.size(); ++i) {
    slots_[i].node = i;
    slots_[i].id = graph.id(i);
  }
}

int TaskSlots::AddInstance(int parent, int index, std::string item_json) {
  TaskSlot instance;
  instance.node = slots_[parent].node;
  instance.id = MapInstanceId(slots_[parent].id, index);
  instance.selected = slots_[parent].selected;
  instance.parent = parent;
  instance.map_index = index;
  instance.item_json = std::move(item_json);
  slots_.push_back(std::move(instance));
  int s = size() - 1;
  slots_[parent].instances.push_back(s);
  return s;
}

std::optional<TaskState> TaskSlots::MappedTaskEnd(int parent) const {
  bool failed = false, upstream_failed = false, succeeded = false;
  for (int s : slots_[parent].instances) {
    TaskState state = slots_[s].state;
    if (!IsFinished(state)) return std::nullopt;
    failed |= state == TaskState::kFailed;
    upstream_failed |= state == TaskState::kUpstreamFailed;
    succeeded |= Succeeded(state);
  }
  if (failed) return TaskState::kFailed;
  if (upstream_failed) return TaskState::kUpstreamFailed;
  return succeeded ? TaskState::kSuccess : TaskState::kSkipped;
}

bool TaskSlots::Admit(int s, int cap) {
  int parent = slots_[s].parent;
  if (parent < 0) return true;
  TaskSlot& task = slots_[parent];
  if (cap > 0 && task.admitted >= cap) {
    task.held.insert(s);
    return false;
  }
  ++task.admitted;
  return true;
}

std::optional<int> TaskSlots::Release(int s, int cap) {
  int parent = slots_[s].parent;
  if (parent < 0) return std::nullopt;
  TaskSlot& task = slots_[parent];
  --task.admitted;
  if (task.held.empty() || (cap > 0 && task.admitted >= cap)) return std::nullopt;
  int next = *task.held.begin();
  task.held.erase(task.held.begin());
  ++task.admitted;
  return next;
}

}  // namespace weir::engine_internal
