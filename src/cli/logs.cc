// weir logs PIPELINE --date D [--task T]: every attempt's log of the latest
// run of that date, oldest first.
#include <cstdio>
#include <fstream>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"

namespace weir::cli {
namespace {

void PrintAttempt(const AttemptRecord& a) {
  std::printf("=== %s attempt %d: %s, started %s ===\n", a.task_id.c_str(), a.number,
              std::string(AttemptStateName(a.state)).c_str(), FormatUtc(a.started_at).c_str());
  std::ifstream in(a.log_path);
  if (in) {
    std::string text((std::istreambuf_iterator<char>(in)), {});
    std::fputs(text.c_str(), stdout);
    if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
  } else {
    // Quiet successful attempts leave no log file (see the shell task).
    std::printf("(no output)\n");
  }
  if (!a.error_message.empty()) std::printf("error[%s]: %s\n", a.error_code.c_str(), a.error_message.c_str());
}

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
  if (!task.empty() && graph->Find(task) < 0) return UsageError("logs", "no task '" + task + "' in '" + pipeline + "'");
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded.project);
  if (!store.ok()) return UsageError("logs", store.status().ToString());
  Result<std::vector<RunRecord>> runs = (*store)->ListRuns(RunFilter{pipeline, date, 1});
  if (!runs.ok()) return UsageError("logs", runs.status().ToString());
  if (runs->empty()) return UsageError("logs", "no run of '" + pipeline + "' for " + date);
  for (int i : graph->order()) {
    if (!task.empty() && graph->id(i) != task) continue;
    Result<std::vector<AttemptRecord>> attempts = (*store)->Attempts(runs->front().id, graph->id(i));
    if (!attempts.ok()) return UsageError("logs", attempts.status().ToString());
    for (const AttemptRecord& a : *attempts) PrintAttempt(a);
  }
  return kExitOk;
}

}  // namespace weir::cli
