// weir status [PIPELINE]: the latest runs, and for one pipeline the task
// states of its latest run (a mapped task's instances under it); without
// one, also the datasets with a freshness promise, fresh or stale.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"

namespace weir::cli {
namespace {

void PrintRunLine(const RunRecord& run) {
  std::string took = run.ended_at
                         ? FormatElapsed(std::chrono::duration_cast<std::chrono::milliseconds>(*run.ended_at - run.started_at))
                         : "-";
  std::printf("%-24s %-12s run %-6lld %-12s started %s  took %s\n", run.pipeline.c_str(), run.ds.c_str(),
              static_cast<long long>(run.id.value), std::string(RunStateName(run.state)).c_str(),
              FormatUtc(run.started_at).c_str(), took.c_str());
}

int PipelineStatus(StateStore& store, const std::string& pipeline) {
  Result<std::vector<RunRecord>> runs = store.ListRuns(RunFilter{pipeline, std::nullopt, 10});
  if (!runs.ok()) return UsageError("status", runs.status().ToString());
  if (runs->empty()) {
    std::printf("%s: no runs yet\n", pipeline.c_str());
    return kExitOk;
  }
  for (const RunRecord& run : *runs) PrintRunLine(run);
  const RunRecord& latest = runs->front();
  Result<std::vector<TaskInstanceRecord>> tasks = store.TaskInstances(latest.id);
  if (!tasks.ok()) return UsageError("status", tasks.status().ToString());
  std::printf("\ntasks of run %lld (%s):\n", static_cast<long long>(latest.id.value), latest.ds.c_str());
  // An instance of a mapped task ("load[3]") is listed under its task.
  for (const TaskInstanceRecord& t : InstancesAfterTheirTask(std::move(*tasks))) {
    std::printf("  %-30s %-15s attempts %d\n", t.task_id.c_str(), std::string(TaskStateName(t.state)).c_str(),
                t.attempts);
  }
  return kExitOk;
}

// One line per dataset of weir.yml's `datasets:`, as the scheduler sees it.
int DatasetStatus(const ProjectDef& project, StateStore& store) {
  if (project.datasets.empty()) return kExitOk;
  std::printf("\ndatasets:\n");
  TimePoint now = SystemClock().Now();
  for (const auto& [name, dataset] : project.datasets) {
    Result<FreshnessCheck> check = ReadFreshness(store, name, dataset.freshness, now);
    if (!check.ok()) return UsageError("status", check.status().ToString());
    std::string age = FormatDuration(std::chrono::floor<std::chrono::seconds>(check->age));
    std::string updated = check->last_update ? "last updated " + FormatUtc(check->last_update->created_at) : "never updated";
    std::string missed = check->missed_at ? "  missed, reported " + FormatUtc(*check->missed_at) : "";
    std::printf("  %-30s %-6s age %-12s freshness %-6s %s%s\n", name.c_str(), check->stale ? "stale" : "fresh",
                age.c_str(), FormatDuration(dataset.freshness).c_str(), updated.c_str(), missed.c_str());
  }
  return kExitOk;
}

}  // namespace

int StatusCommand(const Args& args) {
  CLI::App app{"Show the latest runs and their task states", "weir status"};
  std::string dir = ".", pipeline;
  app.add_option("pipeline", pipeline, "one pipeline (default: all)");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded_project = LoadValidProject(dir);
  if (loaded_project == nullptr) return kExitUsage;
  const LoadedProject& loaded = *loaded_project;
  if (!pipeline.empty() && FindPipelineOrComplain(loaded, pipeline) == nullptr) return kExitUsage;
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded.project);
  if (!store.ok()) return UsageError("status", store.status().ToString());
  if (!pipeline.empty()) return PipelineStatus(**store, pipeline);
  for (const PipelineDef& p : loaded.project.pipelines) {
    Result<std::vector<RunRecord>> runs = (*store)->ListRuns(RunFilter{p.name, std::nullopt, 1});
    if (!runs.ok()) return UsageError("status", runs.status().ToString());
    if (runs->empty()) std::printf("%-24s no runs yet\n", p.name.c_str());
    else PrintRunLine(runs->front());
  }
  return DatasetStatus(loaded.project, **store);
}

}  // namespace weir::cli
