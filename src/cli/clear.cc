// weir clear PIPELINE --date D [--task T]... [--downstream] [--failed]
//
// Resets task instances of the date's latest run to pending, so that the
// next `weir run` of that date (which resumes it) redoes exactly them. A
// mapped task cleared as a whole forgets its expansion (its items are read
// again); `--task 'load[3]'` clears one instance, and `--failed` only the
// instances that failed. What is cleared is engine's ClearTasks, which the
// REST API shares.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"

namespace weir::cli {
namespace {

void PrintCleared(const ClearedTask& task) {
  std::string expansion = task.instances ? " with its " + std::to_string(*task.instances) +
                                               " instances: its items are read again"
                                         : "";
  std::printf("cleared %s (was %s)%s\n", task.id.c_str(), std::string(TaskStateName(task.was)).c_str(),
              expansion.c_str());
}

}  // namespace

int ClearCommand(const Args& args) {
  CLI::App app{"Reset task instances so that the next run redoes them", "weir clear"};
  std::string dir = ".", pipeline, date;
  ClearRequest request;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("--date", date, "the run's local date")->required();
  app.add_option("--task", request.tasks,
                 "a task, or an instance of a mapped task ('load[3]'), to clear (repeatable; default: every task)");
  app.add_flag("--downstream", request.downstream, "also clear everything downstream of the cleared tasks");
  app.add_flag("--failed", request.failed_only, "clear only failed and upstream_failed tasks");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<DateRun> opened = OpenDateRun("clear", dir, pipeline, date);
  if (opened == nullptr) return kExitUsage;
  const RunRecord& run = opened->run;
  Result<ClearOutcome> cleared = ClearTasks(*opened->store, *opened->graph, run, request, SystemClock().Now());
  if (!cleared.ok()) {
    const Status& why = cleared.status();
    bool named = why.code() == "unknown-task" || why.code() == "unknown-instance";
    return UsageError("clear", named ? why.message() : why.ToString());
  }
  for (const ClearedTask& task : cleared->cleared) PrintCleared(task);
  std::printf("%d task instance%s of run %lld cleared; `weir run %s --date %s` redoes them\n", cleared->count,
              cleared->count == 1 ? "" : "s", static_cast<long long>(run.id.value), pipeline.c_str(), date.c_str());
  return kExitOk;
}

}  // namespace weir::cli
