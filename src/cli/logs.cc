// weir logs PIPELINE --date D [--task T]: every attempt's log of the latest
// run of that date, oldest first. T may be an instance of a mapped task
// ("load[3]"); a mapped task shows its own attempt and every instance's.
#include <cstdio>
#include <map>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"
#include "engine/run_control.h"

namespace weir::cli {
namespace {

void PrintAttempt(const AttemptRecord& a) { std::fputs(AttemptLogText(a).c_str(), stdout); }

}  // namespace

int LogsCommand(const Args& args) {
  CLI::App app{"Print the logs of a run's task attempts", "weir logs"};
  std::string dir = ".", pipeline, date, task;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("--date", date, "the run's local date")->required();
  app.add_option("--task", task, "one task (default: all)");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded_project = LoadValidProject(dir);
  if (loaded_project == nullptr) return kExitUsage;
  const LoadedProject& loaded = *loaded_project;
  const PipelineGraph* graph = FindPipelineOrComplain(loaded, pipeline);
  if (graph == nullptr) return kExitUsage;
  std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(task);
  std::string task_of = instance ? instance->first : task;  // the graph's task
  if (!task.empty() && graph->Find(task_of) < 0) {
    return UsageError("logs", "no task '" + task_of + "' in '" + pipeline + "'");
  }
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded.project);
  if (!store.ok()) return UsageError("logs", store.status().ToString());
  Result<std::vector<RunRecord>> runs = (*store)->ListRuns(RunFilter{pipeline, date, 1});
  if (!runs.ok()) return UsageError("logs", runs.status().ToString());
  if (runs->empty()) return UsageError("logs", "no run of '" + pipeline + "' for " + date);
  RunId run = runs->front().id;
  Result<std::vector<TaskInstanceRecord>> records = (*store)->TaskInstances(run);
  if (!records.ok()) return UsageError("logs", records.status().ToString());
  std::map<std::string, std::vector<std::string>> instances;  // mapped task -> its instances, by index
  bool found = !instance;
  for (const TaskInstanceRecord& r : InstancesAfterTheirTask(std::move(*records))) {
    auto of = r.map_index >= 0 ? ParseMapInstanceId(r.task_id) : std::nullopt;
    if (of) instances[of->first].push_back(r.task_id);
    found |= r.task_id == task;
  }
  if (!found) return UsageError("logs", "no instance '" + task + "' in run " + std::to_string(run.value));
  for (int i : graph->order()) {
    if (!task.empty() && graph->id(i) != task_of) continue;
    std::vector<std::string> shown;
    if (!instance) shown.push_back(graph->id(i));
    for (const std::string& id : instances[graph->id(i)]) {
      if (!instance || id == task) shown.push_back(id);
    }
    for (const std::string& id : shown) {
      Result<std::vector<AttemptRecord>> attempts = (*store)->Attempts(run, id);
      if (!attempts.ok()) return UsageError("logs", attempts.status().ToString());
      for (const AttemptRecord& a : *attempts) PrintAttempt(a);
    }
  }
  return kExitOk;
}

}  // namespace weir::cli
