// Changing a run's task instances by hand: clear and mark (run_control.h),
// and reading an attempt's log back.
#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "engine/run_control.h"

namespace weir {
namespace {

bool Failed(TaskState s) { return s == TaskState::kFailed || s == TaskState::kUpstreamFailed; }

// The run's task instances by id, and each mapped task's instances.
struct RunTasks {
  std::map<std::string, TaskInstanceRecord> by_id;
  std::map<std::string, std::vector<std::string>> instances;  // mapped task -> instance ids, by index

  bool Expanded(const std::string& task_id) const {
    auto it = by_id.find(task_id);
    return it != by_id.end() && it->second.map_count.has_value();
  }
  TaskState StateOf(const std::string& id) const {
    auto it = by_id.find(id);
    return it == by_id.end() ? TaskState::kPending : it->second.state;
  }
  // None for a task expanded into an empty list.
  const std::vector<std::string>& InstancesOf(const std::string& task_id) const {
    static const std::vector<std::string> kNone;
    auto it = instances.find(task_id);
    return it == instances.end() ? kNone : it->second;
  }
};

RunTasks ReadRunTasks(const std::vector<TaskInstanceRecord>& records) {
  RunTasks tasks;
  std::map<std::string, std::map<int, std::string>> by_index;
  for (const TaskInstanceRecord& r : records) {
    auto of = r.map_index >= 0 ? ParseMapInstanceId(r.task_id) : std::nullopt;
    if (of) by_index[of->first][of->second] = r.task_id;
    tasks.by_id[r.task_id] = r;
  }
  for (auto& [task, instances] : by_index) {
    for (auto& [index, id] : instances) tasks.instances[task].push_back(id);
  }
  return tasks;
}

Status UnknownTask(const PipelineGraph& graph, const std::string& task) {
  return UserError("unknown-task", "no task '" + task + "' in pipeline '" + graph.pipeline().name + "'");
}

// Every named task exists in the graph, and every named instance in the run.
Status CheckNamed(const PipelineGraph& graph, const RunTasks& run, RunId run_id, const std::vector<std::string>& named) {
  for (const std::string& t : named) {
    std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(t);
    if (graph.Find(instance ? instance->first : t) < 0) return UnknownTask(graph, instance ? instance->first : t);
    if (instance && run.by_id.count(t) == 0) {
      return UserError("unknown-instance", "no instance '" + t + "' in run " + std::to_string(run_id.value));
    }
  }
  return OkStatus();
}

// What to clear: tasks of the graph as a whole, and single instances.
struct Chosen {
  std::set<int> tasks;
  std::set<std::string> instances;
};

Chosen Choose(const PipelineGraph& graph, const RunTasks& run, const ClearRequest& request) {
  const std::vector<std::string>& named = request.tasks;
  Chosen chosen;
  for (int i = 0; i < graph.size(); ++i) {
    const std::string& id = graph.id(i);
    if (!named.empty() && std::find(named.begin(), named.end(), id) == named.end()) continue;
    if (request.failed_only && run.Expanded(id)) {  // its failed instances, not its expansion
      for (const std::string& instance : run.InstancesOf(id)) {
        if (Failed(run.StateOf(instance))) chosen.instances.insert(instance);
      }
    } else if (!request.failed_only || Failed(run.StateOf(id))) {
      chosen.tasks.insert(i);
    }
  }
  for (const std::string& id : named) {
    if (ParseMapInstanceId(id) && (!request.failed_only || Failed(run.StateOf(id)))) chosen.instances.insert(id);
  }
  if (!request.downstream) return chosen;
  std::set<int> starts = chosen.tasks;
  for (const std::string& instance : chosen.instances) starts.insert(graph.Find(ParseMapInstanceId(instance)->first));
  for (int start : starts) {
    for (int d : graph.DownstreamOf(start)) {
      if (d != start) chosen.tasks.insert(d);
    }
  }
  return chosen;
}

Status ClearChosen(StateStore& store, const PipelineGraph& graph, RunId run, const RunTasks& tasks,
                   const Chosen& chosen, ClearOutcome& outcome) {
  for (int i : chosen.tasks) {
    const std::string& id = graph.id(i);
    TaskState was = tasks.StateOf(id);
    bool expanded = tasks.Expanded(id);
    if (was == TaskState::kPending && !expanded) continue;
    ClearedTask cleared{id, was, std::nullopt};
    if (expanded) {
      WEIR_TRY(store.ResetExpansion(run, id));
      const std::vector<std::string>& instances = tasks.InstancesOf(id);
      cleared.instances = static_cast<int>(instances.size());
      for (const std::string& instance : instances) outcome.count += tasks.StateOf(instance) != TaskState::kPending;
    }
    if (was != TaskState::kPending) WEIR_TRY(store.SetTaskState(run, id, TaskState::kPending));
    outcome.count += was != TaskState::kPending;
    outcome.cleared.push_back(std::move(cleared));
  }
  for (const std::string& instance : chosen.instances) {
    std::string task = ParseMapInstanceId(instance)->first;
    TaskState was = tasks.StateOf(instance);
    if (chosen.tasks.count(graph.Find(task)) > 0 || was == TaskState::kPending) continue;
    WEIR_TRY(store.SetTaskState(run, instance, TaskState::kPending));
    // The mapped task runs again too, for this instance only.
    if (tasks.StateOf(task) != TaskState::kPending) WEIR_TRY(store.SetTaskState(run, task, TaskState::kPending));
    outcome.cleared.push_back(ClearedTask{instance, was, std::nullopt});
    ++outcome.count;
  }
  return OkStatus();
}

// Marks instance `id` ("load[3]") and sets its task from all its instances:
// failed if any failed, else upstream_failed if any was, else success if
// any succeeded, else skipped; unchanged while one is unfinished.
Status MarkInstance(StateStore& store, RunId run, const std::string& id, TaskState target) {
  std::string task = ParseMapInstanceId(id)->first;
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> instances, store.TaskInstances(run));
  bool found = false;
  for (const TaskInstanceRecord& r : instances) found |= r.task_id == id;
  if (!found) {
    return UserError("unknown-instance", "no instance '" + id + "' in this run (is '" + task + "' expanded?)");
  }
  WEIR_TRY(store.SetTaskState(run, id, target));
  bool failed = false, upstream_failed = false, succeeded = false;
  for (const TaskInstanceRecord& r : instances) {
    std::optional<std::pair<std::string, int>> of = ParseMapInstanceId(r.task_id);
    if (!of || of->first != task) continue;
    TaskState s = r.task_id == id ? target : r.state;
    if (!IsFinished(s)) return OkStatus();
    failed |= s == TaskState::kFailed;
    upstream_failed |= s == TaskState::kUpstreamFailed;
    succeeded |= Succeeded(s);
  }
  TaskState parent = failed ? TaskState::kFailed : upstream_failed ? TaskState::kUpstreamFailed
                     : succeeded ? TaskState::kSuccess : TaskState::kSkipped;
  return store.SetTaskState(run, task, parent);
}

// The run follows its tasks: all done well is success, any failure failed.
Result<RunState> RunStateFromTasks(StateStore& store, RunId run) {
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> instances, store.TaskInstances(run));
  bool failed = false, unfinished = false;
  for (const TaskInstanceRecord& t : instances) {
    if (Failed(t.state)) failed = true;
    else if (!Succeeded(t.state) && t.state != TaskState::kSkipped) unfinished = true;
  }
  return failed ? RunState::kFailed : unfinished ? RunState::kInterrupted : RunState::kSuccess;
}

}  // namespace

Result<ClearOutcome> ClearTasks(StateStore& store, const PipelineGraph& graph, const RunRecord& run,
                                const ClearRequest& request, TimePoint now) {
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> records, store.TaskInstances(run.id));
  RunTasks tasks = ReadRunTasks(records);
  WEIR_TRY(CheckNamed(graph, tasks, run.id, request.tasks));
  ClearOutcome outcome;
  WEIR_TRY(ClearChosen(store, graph, run.id, tasks, Choose(graph, tasks, request), outcome));
  // A run left running by a dead process stays running: resuming it redoes them.
  if (outcome.count > 0 && run.state != RunState::kRunning) WEIR_TRY(store.FinishRun(run.id, request.then, now));
  return outcome;
}

Result<MarkOutcome> MarkTasks(StateStore& store, const PipelineGraph& graph, RunId run,
                              const std::vector<std::string>& tasks, TaskState target, bool downstream,
                              TimePoint now) {
  if (target != TaskState::kSuccess && target != TaskState::kFailed) {
    return UserError("bad-state", "a task can be marked success or failed, not '" +
                                      std::string(TaskStateName(target)) + "'");
  }
  std::set<int> chosen;
  std::vector<std::string> instance_ids;
  for (const std::string& t : tasks) {
    std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(t);
    int i = graph.Find(instance ? instance->first : t);
    if (i < 0) return UnknownTask(graph, t);
    if (instance) instance_ids.push_back(t);
    else chosen.insert(i);
    if (downstream) {
      for (int d : graph.DownstreamOf(i)) chosen.insert(d);
    }
  }
  MarkOutcome outcome;
  for (const std::string& t : instance_ids) {
    WEIR_TRY(MarkInstance(store, run, t, target));
    outcome.marked.push_back(t);
  }
  for (int i : chosen) {
    WEIR_TRY(store.SetTaskState(run, graph.id(i), target));
    outcome.marked.push_back(graph.id(i));
  }
  WEIR_ASSIGN_OR_RETURN(outcome.run_state, RunStateFromTasks(store, run));
  WEIR_TRY(store.FinishRun(run, outcome.run_state, now));
  return outcome;
}

std::string AttemptLogText(const AttemptRecord& a) {
  std::string text = "=== " + a.task_id + " attempt " + std::to_string(a.number) + ": " +
                     std::string(AttemptStateName(a.state)) + ", started " + FormatUtc(a.started_at) + " ===\n";
  std::ifstream in(a.log_path);
  if (in) {
    std::string log((std::istreambuf_iterator<char>(in)), {});
    text += log;
    if (!log.empty() && log.back() != '\n') text += '\n';
  } else {
    text += "(no output)\n";  // quiet successful attempts leave no log file (see the shell task)
  }
  if (!a.error_message.empty()) text += "error[" + a.error_code + "]: " + a.error_message + "\n";
  return text;
}

}  // namespace weir
