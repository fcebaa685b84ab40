// weir clear PIPELINE --date D [--task T]... [--downstream] [--failed]
//
// Resets task instances of the date's latest run to pending, so that the
// next `weir run` of that date (which resumes it) redoes exactly them. A
// mapped task cleared as a whole forgets its expansion (its items are read
// again); `--task 'load[3]'` clears one instance, and `--failed` only the
// instances that failed.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"
#include "cli/run_session.h"

namespace weir::cli {
namespace {

bool Failed(TaskState s) { return s == TaskState::kFailed || s == TaskState::kUpstreamFailed; }

// The run's task instances by id, and each expanded mapped task's instances.
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
};

RunTasks ReadRunTasks(std::vector<TaskInstanceRecord> records) {
  RunTasks tasks;
  for (TaskInstanceRecord& r : InstancesAfterTheirTask(std::move(records))) {
    auto of = r.map_index >= 0 ? ParseMapInstanceId(r.task_id) : std::nullopt;
    if (of) tasks.instances[of->first].push_back(r.task_id);
    tasks.by_id[r.task_id] = std::move(r);
  }
  return tasks;
}

// What to clear: tasks of the graph as a whole, and single instances.
struct Chosen {
  std::set<int> tasks;
  std::set<std::string> instances;
};

Chosen Choose(const PipelineGraph& graph, const RunTasks& run, const std::vector<std::string>& named, bool failed_only,
              bool downstream) {
  Chosen chosen;
  for (int i = 0; i < graph.size(); ++i) {
    const std::string& id = graph.id(i);
    if (!named.empty() && std::find(named.begin(), named.end(), id) == named.end()) continue;
    if (failed_only && run.Expanded(id)) {  // its failed instances, not its expansion
      for (const std::string& instance : run.instances.at(id)) {
        if (Failed(run.StateOf(instance))) chosen.instances.insert(instance);
      }
    } else if (!failed_only || Failed(run.StateOf(id))) {
      chosen.tasks.insert(i);
    }
  }
  for (const std::string& id : named) {
    if (ParseMapInstanceId(id) && (!failed_only || Failed(run.StateOf(id)))) chosen.instances.insert(id);
  }
  if (!downstream) return chosen;
  std::set<int> starts = chosen.tasks;
  for (const std::string& instance : chosen.instances) starts.insert(graph.Find(ParseMapInstanceId(instance)->first));
  for (int start : starts) {
    for (int d : graph.DownstreamOf(start)) {
      if (d != start) chosen.tasks.insert(d);
    }
  }
  return chosen;
}

// Clears what was chosen; returns how many task instances were cleared.
Result<int> Clear(StateStore& store, const PipelineGraph& graph, RunId run, const RunTasks& tasks,
                  const Chosen& chosen) {
  int cleared = 0;
  for (int i : chosen.tasks) {
    const std::string& id = graph.id(i);
    TaskState was = tasks.StateOf(id);
    bool expanded = tasks.Expanded(id);
    if (was == TaskState::kPending && !expanded) continue;
    int instances = 0;
    if (expanded) {
      WEIR_TRY(store.ResetExpansion(run, id));
      for (const std::string& instance : tasks.instances.at(id)) instances += tasks.StateOf(instance) != TaskState::kPending;
    }
    if (was != TaskState::kPending) WEIR_TRY(store.SetTaskState(run, id, TaskState::kPending));
    std::printf("cleared %s (was %s)%s\n", id.c_str(), std::string(TaskStateName(was)).c_str(),
                expanded ? (" with its " + std::to_string(tasks.instances.at(id).size()) +
                            " instances: its items are read again").c_str() : "");
    cleared += (was != TaskState::kPending) + instances;
  }
  for (const std::string& instance : chosen.instances) {
    std::string task = ParseMapInstanceId(instance)->first;
    TaskState was = tasks.StateOf(instance);
    if (chosen.tasks.count(graph.Find(task)) > 0 || was == TaskState::kPending) continue;
    WEIR_TRY(store.SetTaskState(run, instance, TaskState::kPending));
    // The mapped task runs again too, for this instance only.
    if (tasks.StateOf(task) != TaskState::kPending) WEIR_TRY(store.SetTaskState(run, task, TaskState::kPending));
    std::printf("cleared %s (was %s)\n", instance.c_str(), std::string(TaskStateName(was)).c_str());
    ++cleared;
  }
  return cleared;
}

}  // namespace

int ClearCommand(const Args& args) {
  CLI::App app{"Reset task instances so that the next run redoes them", "weir clear"};
  std::string dir = ".", pipeline, date;
  std::vector<std::string> tasks;
  bool downstream = false, failed_only = false;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("--date", date, "the run's local date")->required();
  app.add_option("--task", tasks, "a task, or an instance of a mapped task ('load[3]'), to clear (repeatable; default: every task)");
  app.add_flag("--downstream", downstream, "also clear everything downstream of the cleared tasks");
  app.add_flag("--failed", failed_only, "clear only failed and upstream_failed tasks");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<DateRun> opened = OpenDateRun("clear", dir, pipeline, date);
  if (opened == nullptr) return kExitUsage;
  const PipelineGraph* graph = opened->graph;
  StateStore* store = opened->store.get();
  const RunRecord& run = opened->run;
  Result<std::vector<TaskInstanceRecord>> instances = store->TaskInstances(run.id);
  if (!instances.ok()) return UsageError("clear", instances.status().ToString());
  RunTasks run_tasks = ReadRunTasks(std::move(*instances));
  for (const std::string& t : tasks) {
    std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(t);
    if (graph->Find(instance ? instance->first : t) < 0) {
      return UsageError("clear", "no task '" + (instance ? instance->first : t) + "' in pipeline '" + pipeline + "'");
    }
    if (instance && run_tasks.by_id.count(t) == 0) {
      return UsageError("clear", "no instance '" + t + "' in run " + std::to_string(run.id.value));
    }
  }
  Result<int> cleared = Clear(*store, *graph, run.id, run_tasks, Choose(*graph, run_tasks, tasks, failed_only, downstream));
  if (!cleared.ok()) return UsageError("clear", cleared.status().ToString());
  if (*cleared > 0 && run.state != RunState::kRunning) {
    Status s = store->FinishRun(run.id, RunState::kInterrupted, SystemClock().Now());
    if (!s.ok()) return UsageError("clear", s.ToString());
  }
  std::printf("%d task instance%s of run %lld cleared; `weir run %s --date %s` redoes them\n", *cleared,
              *cleared == 1 ? "" : "s", static_cast<long long>(run.id.value), pipeline.c_str(), date.c_str());
  return kExitOk;
}

}  // namespace weir::cli
