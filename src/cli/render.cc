// weir render PIPELINE TASK [--date D] [--param k=v]: a task's SQL or
// command as it would run for that date, secrets shown as ***.
#include <cstdio>
#include <filesystem>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_plan.h"
#include "tasks/tasks.h"

namespace weir::cli {

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
  const TaskDef* def = graph->pipeline().FindTask(task);
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
