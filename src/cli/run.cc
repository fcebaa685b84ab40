// weir run PIPELINE [--date D] [--task T]... [--restart] [--threads N]
//
// Runs the pipeline for the data interval that starts on local date D (in
// the pipeline's time zone). A failed or interrupted run of that date is
// resumed, keeping finished tasks; after a successful one a new run starts;
// --restart always starts a new run. Exit 0 on success, 1 otherwise.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "engine/run_control.h"
#include "tasks/tasks.h"

namespace weir::cli {
namespace {

struct RunRequest {
  std::string dir = ".";
  std::vector<std::string> params;  // name=value
  std::string pipeline;
  std::string date;
  std::vector<std::string> tasks;
  bool restart = false;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

// The run to execute: the latest of that date unless it succeeded (or
// --restart), resumed after marking attempts a crash left running.
Result<RunRecord> RunToExecute(StateStore& store, const PipelineGraph& graph, const DataInterval& interval,
                               const RunRequest& request, const std::string& params, Clock& clock) {
  const std::string& pipeline = graph.pipeline().name;
  WEIR_ASSIGN_OR_RETURN(std::optional<RunRecord> latest, LatestRunOf(store, pipeline, interval));
  // --task reruns tasks inside the interval's latest run, whatever its state.
  bool resume = latest && !request.restart && (latest->state != RunState::kSuccess || !request.tasks.empty());
  if (resume) {
    if (!request.params.empty() && latest->params_json != params) {
      return UserError("params-of-resumed-run", "a resumed run keeps the parameters it started with (" +
                                                    latest->params_json + "); pass --restart to run with new ones");
    }
    return ResumeRun(store, *latest, clock);
  }
  return NewRunFor(store, graph, interval, params, clock);
}

// With --task the exit code says how the named tasks did, whatever the
// state of the rest of the run.
bool SelectedTasksSucceeded(StateStore& store, RunId run, const std::vector<std::string>& tasks) {
  Result<std::vector<TaskInstanceRecord>> instances = store.TaskInstances(run);
  if (!instances.ok()) return false;
  for (const TaskInstanceRecord& t : *instances) {
    bool selected = std::find(tasks.begin(), tasks.end(), t.task_id) != tasks.end();
    if (selected && !Succeeded(t.state) && t.state != TaskState::kSkipped) return false;
  }
  return true;
}

int Execute(const RunRequest& request) {
  StopOnSignal::BlockSignals();  // before any thread starts
  std::unique_ptr<LoadedProject> loaded_project = LoadValidProject(request.dir);
  if (loaded_project == nullptr) return kExitUsage;
  const LoadedProject& loaded = *loaded_project;
  const PipelineGraph* graph = FindPipelineOrComplain(loaded, request.pipeline);
  if (graph == nullptr) return kExitUsage;
  for (const std::string& t : request.tasks) {
    if (graph->Find(t) < 0) return UsageError("run", "no task '" + t + "' in pipeline '" + request.pipeline + "'");
  }
  SystemClock clock;
  Result<DataInterval> interval = IntervalFor(graph->pipeline(), request.date, clock);
  if (!interval.ok()) return UsageError("run", interval.status().ToString());
  Result<int> lock = LockPipeline(loaded.project, request.pipeline);
  if (!lock.ok()) return UsageError("run", lock.status().message());
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded.project);
  if (!store.ok()) return UsageError("run", store.status().ToString());
  Result<std::string> params = RunParams(graph->pipeline(), request.params);
  if (!params.ok()) return UsageError("run", params.status().message());
  Result<RunRecord> run = RunToExecute(**store, *graph, *interval, request, *params, clock);
  if (!run.ok()) return UsageError("run", run.status().ToString());

  TaskRuntime runtime(loaded.project);
  Progress progress(*graph, clock, LiveTerminal(), stdout);
  ExecutorOptions options = RunOptions(loaded.project, request.threads, runtime);
  if (!request.tasks.empty()) options.only_tasks = std::set<std::string>(request.tasks.begin(), request.tasks.end());
  std::printf("run %lld of %s for %s [%s, %s)\n", static_cast<long long>(run->id.value), request.pipeline.c_str(),
              interval->ds.c_str(), interval->start_iso.c_str(), interval->end_iso.c_str());
  Callbacks callbacks(loaded.project, runtime.services, **store, clock, CallbackOptions{options.log_dir});
  std::unique_ptr<RunCallbacks> events =
      callbacks.ForRun(graph->pipeline(), *run, *interval, progress, options.only_tasks);
  RunExecutor executor(loaded.project, *graph, **store, *runtime.runners, clock, *events, options);
  Result<RunState> final_state = [&] {
    StopOnSignal stop([&executor] { executor.Stop(); });
    return executor.Execute(*run, *interval);
  }();
  if (!final_state.ok()) {
    std::fprintf(stderr, "weir run: %s\n", final_state.status().ToString().c_str());
    DrainCallbacks(callbacks);
    return kExitFailed;
  }
  events->RunFinished(*final_state);
  progress.PrintSummary(**store, *run, *final_state);
  DrainCallbacks(callbacks);
  if (request.tasks.empty()) return *final_state == RunState::kSuccess ? kExitOk : kExitFailed;
  return SelectedTasksSucceeded(**store, run->id, request.tasks) ? kExitOk : kExitFailed;
}

}  // namespace

int RunCommand(const Args& args) {
  if (RunsModels(args)) return ModelsRunCommand(args);
  CLI::App app{"Run a pipeline for one data interval", "weir run"};
  RunRequest request;
  app.add_option("pipeline", request.pipeline, "the pipeline to run")->required();
  AddProjectOption(app, request.dir);
  app.add_option("--date", request.date,
                 "the local date the data interval starts on (default: the latest interval that has ended)");
  app.add_option("--task", request.tasks, "run only this task (repeatable); upstream states are ignored");
  app.add_option("--param", request.params, "set a declared parameter: name=value (repeatable)");
  app.add_flag("--restart", request.restart, "start a new run even if one for this date failed");
  app.add_option("--threads", request.threads, "tasks run at once (default: number of cores)")
      ->check(CLI::Range(1, 1024));
  if (auto exit = ParseArguments(app, args)) return *exit;
  return Execute(request);
}

}  // namespace weir::cli
