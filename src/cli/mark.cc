// weir mark PIPELINE --date D --task T success|failed [--downstream]
//
// Sets task instances of the date's latest run by hand (Airflow's "mark
// success"), and the run's state from its tasks. `--task load[3]` marks
// one instance of a mapped task; the task then takes the state its
// instances add up to, as the engine would give it. The marking is
// engine's MarkTasks, which the REST API shares.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"

namespace weir::cli {

int MarkCommand(const Args& args) {
  CLI::App app{"Set a task instance's state by hand", "weir mark"};
  std::string dir = ".", pipeline, date, state;
  std::vector<std::string> tasks;
  bool downstream = false;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("state", state, "success or failed")->required()->check(CLI::IsMember({"success", "failed"}));
  app.add_option("--date", date, "the run's local date")->required();
  app.add_option("--task", tasks, "the task to mark (repeatable)")->required();
  app.add_flag("--downstream", downstream, "also mark everything downstream");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<DateRun> opened = OpenDateRun("mark", dir, pipeline, date);
  if (opened == nullptr) return kExitUsage;
  TaskState target = state == "success" ? TaskState::kSuccess : TaskState::kFailed;
  Result<MarkOutcome> marked =
      MarkTasks(*opened->store, *opened->graph, opened->run.id, tasks, target, downstream, SystemClock().Now());
  if (!marked.ok()) {
    const Status& why = marked.status();
    bool named = why.code() == "unknown-task" || why.code() == "unknown-instance";
    return UsageError("mark", named ? why.message() : why.ToString());
  }
  for (const std::string& t : marked->marked) std::printf("marked %s %s\n", t.c_str(), state.c_str());
  std::printf("run %lld is now %s\n", static_cast<long long>(opened->run.id.value),
              std::string(RunStateName(marked->run_state)).c_str());
  return kExitOk;
}

}  // namespace weir::cli
