// The coordinator's view of one run's task instances: a slot per task of
// the graph (slot i is graph node i), then a slot per instance of a mapped
// task (`map_over:`) as the task is expanded. Coordinator thread only.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "engine/engine.h"

namespace weir::engine_internal {

// Shared by the coordinator and the worker running one attempt.
struct AttemptControl {
  CancelToken cancel;
  std::atomic<int64_t> deadline_ms{0};  // set by the worker at start; 0: none yet
};

// One task instance's place in this execution.
struct TaskSlot {
  int node = 0;                     // the graph node it runs
  std::string id;                   // the task id; "task[3]" for an instance
  TaskState state = TaskState::kPending;
  int attempts = 0;                 // recorded attempts, all executions
  int attempts_here = 0;            // attempts started by this execution
  bool selected = true;             // part of this execution (--task)
  std::optional<TimePoint> retry_at;
  std::shared_ptr<AttemptControl> control;  // while queued or running
  bool timed_out = false;
  AttemptId attempt_id;
  std::shared_ptr<TaskRunner> runner;
  std::shared_ptr<MapItemsSource> items;   // a mapped task, to expand it
  std::optional<AttemptRecord> waiting;  // a sensor's attempt, between two pokes
  bool ready = false;               // waiting for a worker (or for its max_map_parallelism)

  // An instance of a mapped task:
  int parent = -1;                  // the mapped task's slot
  int map_index = -1;
  std::string item_json;
  // A mapped task:
  bool expanded = false;            // its instances exist (and it never runs again itself)
  std::vector<int> instances;       // their slots, by index
  int admitted = 0;                 // instances ready or running (max_map_parallelism)
  std::set<int> held;               // ready instances held back by max_map_parallelism (slots grow with the index)
};

class TaskSlots {
 public:
  // A pending slot per task of `graph`.
  void Reset(const PipelineGraph& graph);
  TaskSlot& operator[](int s) { return slots_[s]; }
  const TaskSlot& operator[](int s) const { return slots_[s]; }
  int size() const { return static_cast<int>(slots_.size()); }
  std::vector<TaskSlot>::const_iterator begin() const { return slots_.begin(); }
  std::vector<TaskSlot>::const_iterator end() const { return slots_.end(); }

  // Appends instance `index` of the mapped task in slot `parent`, pending,
  // selected as its task is; returns its slot. Invalidates references.
  int AddInstance(int parent, int index, std::string item_json);
  // The state a mapped task ends in once each of its instances has ended:
  // failed if one failed, else upstream_failed if one was, else success if
  // one succeeded, else skipped. nullopt while one has not ended.
  std::optional<TaskState> MappedTaskEnd(int parent) const;

  // max_map_parallelism `cap` (0: none): true when instance `s` may be
  // ready now (it is then counted until its attempt ends), false when it is
  // held until a sibling's attempt ends. Other slots are always admitted.
  bool Admit(int s, int cap);
  // The attempt of `s` ended: the held sibling of lowest index, if one may
  // be ready now.
  std::optional<int> Release(int s, int cap);

 private:
  std::vector<TaskSlot> slots_;
};

}  // namespace weir::engine_internal
