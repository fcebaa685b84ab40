// weir trigger PIPELINE [--date D] [--param k=v]... [--threads N]
//
// Asks for a new run of the interval starting on local date D (default: the
// latest that has ended), as Airflow's trigger. With a scheduler running
// (weir serve) the run is queued for it; without one it runs now, here, as
// `weir run --restart` would.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "engine/run_control.h"

namespace weir::cli {
namespace {

struct TriggerRequest {
  std::string dir = ".", pipeline, date, threads;
  std::vector<std::string> params;
};

// `weir run --restart` with the same arguments.
int RunNow(const TriggerRequest& request) {
  Args run_args{request.pipeline, "--restart", "--project", request.dir};
  if (!request.date.empty()) run_args.insert(run_args.end(), {"--date", request.date});
  for (const std::string& p : request.params) run_args.insert(run_args.end(), {"--param", p});
  if (!request.threads.empty()) run_args.insert(run_args.end(), {"--threads", request.threads});
  std::printf("no scheduler is running: running it now\n");
  std::fflush(stdout);
  return RunCommand(run_args);
}

int Queue(const LoadedProject& loaded, const PipelineGraph& graph, const TriggerRequest& request) {
  SystemClock clock;
  Result<DataInterval> interval = IntervalFor(graph.pipeline(), request.date, clock);
  if (!interval.ok()) return UsageError("trigger", interval.status().ToString());
  Result<std::string> params = RunParams(graph.pipeline(), request.params);
  if (!params.ok()) return UsageError("trigger", params.status().message());
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded.project);
  if (!store.ok()) return UsageError("trigger", store.status().ToString());
  Result<RunRecord> created = QueueTriggeredRun(**store, graph, *interval, *params, clock.Now());
  if (!created.ok()) {
    const Status& why = created.status();
    return UsageError("trigger", why.code() == "run-active" ? why.message() : why.ToString());
  }
  std::printf("run %lld of %s for %s queued [%s, %s); the scheduler starts it\n",
              static_cast<long long>(created->id.value), request.pipeline.c_str(), interval->ds.c_str(),
              interval->start_iso.c_str(), interval->end_iso.c_str());
  return kExitOk;
}

}  // namespace

int TriggerCommand(const Args& args) {
  CLI::App app{"Queue a run for the scheduler (or run it now without one)", "weir trigger"};
  TriggerRequest request;
  app.add_option("pipeline", request.pipeline, "the pipeline")->required();
  app.add_option("--date", request.date,
                 "the local date the data interval starts on (default: the latest interval that has ended)");
  app.add_option("--param", request.params, "set a declared parameter: name=value (repeatable)");
  app.add_option("--threads", request.threads, "without a scheduler: tasks run at once (default: cores)");
  AddProjectOption(app, request.dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(request.dir);
  if (loaded == nullptr) return kExitUsage;
  const PipelineGraph* graph = FindPipelineOrComplain(*loaded, request.pipeline);
  if (graph == nullptr) return kExitUsage;
  if (!SchedulerRunning(loaded->project)) return RunNow(request);
  return Queue(*loaded, *graph, request);
}

}  // namespace weir::cli
