// weir render PIPELINE TASK [--date D] [--param k=v]: a task's SQL or
// command as it would run for that date, secrets shown as ***. TASK may be
// one instance of a mapped task, `load[3]`, whose item the date's run
// recorded when it expanded the task.
#include <cstdio>
#include <filesystem>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "engine/run_control.h"
#include "tasks/tasks.h"

namespace weir::cli {
namespace {

// The recorded item of instance `id` ("load[3]") in the latest run of
// `interval`. UserError when there is no such run or instance.
Result<std::string> InstanceItem(const ProjectDef& project, const std::string& pipeline,
                                 const DataInterval& interval, const std::string& id) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store, OpenState(project));
  WEIR_ASSIGN_OR_RETURN(std::optional<RunRecord> run, LatestRunOf(*store, pipeline, interval));
  if (!run) return UserError("no-run", "'" + id + "' is an instance of a mapped task: its item comes from the run "
                                       "of " + interval.ds + ", and there is none");
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> instances, store->TaskInstances(run->id));
  for (const TaskInstanceRecord& r : instances) {
    if (r.task_id == id) return r.map_item_json;
  }
  return UserError("unknown-instance", "no instance '" + id + "' in run " + std::to_string(run->id.value) + " of " +
                                           interval.ds + " (is the task expanded?)");
}

}  // namespace

int RenderCommand(const Args& args) {
  CLI::App app{"Print a task's SQL or command as it would run, secrets redacted", "weir render"};
  std::string dir = ".", pipeline, task, date;
  std::vector<std::string> params;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("task", task, "the task")->required();
  app.add_option("--date", date, "the local date of the data interval (default: the latest that has ended)");
  app.add_option("--param", params, "set a declared parameter: name=value (repeatable)");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(dir);
  if (loaded == nullptr) return kExitUsage;
  const PipelineGraph* graph = FindPipelineOrComplain(*loaded, pipeline);
  if (graph == nullptr) return kExitUsage;
  std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(task);
  const TaskDef* def = graph->pipeline().FindTask(instance ? instance->first : task);
  if (def == nullptr) return UsageError("render", "no task '" + task + "' in pipeline '" + pipeline + "'");
  SystemClock clock;
  Result<DataInterval> interval = IntervalFor(graph->pipeline(), date, clock);
  if (!interval.ok()) return UsageError("render", interval.status().ToString());
  Result<std::string> run_params = RunParams(graph->pipeline(), params);
  if (!run_params.ok()) return UsageError("render", run_params.status().message());
  RunRecord run{RunId{0}, pipeline, interval->ds, interval->start_iso, interval->end_iso, RunState::kRunning,
                clock.Now(), std::nullopt, *run_params};
  CancelToken cancel;
  TaskContext context{loaded->project, graph->pipeline(), *def, run, *interval, 1, "", TimePoint::max(), cancel};
  if (instance) {
    Result<std::string> item = InstanceItem(loaded->project, pipeline, *interval, task);
    if (!item.ok()) return UsageError("render", item.status().message());
    context.map_index = instance->second;
    context.map_item_json = *item;
  }
  PosixProcessLauncher processes;
  ProcessEnvironment environment;
  LocalFilesystem fs;
  DuckDbConnector duckdb;
  TaskServices services{processes, environment, fs, duckdb};
  auto rendered = RenderForDisplay(context, services);
  if (!rendered.ok()) {
    std::fprintf(stderr, "weir render: %s\n", rendered.status().ToString().c_str());
    return kExitFailed;
  }
  for (const auto& [key, text] : *rendered) {
    bool multiline = text.find('\n') != std::string::npos;
    std::printf("%s:%s%s\n", key.c_str(), multiline ? "\n" : " ", text.c_str());
  }
  return kExitOk;
}

}  // namespace weir::cli
