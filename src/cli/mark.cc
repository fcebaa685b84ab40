// weir mark PIPELINE --date D --task T success|failed [--downstream]
//
// Sets task instances of the date's latest run by hand (Airflow's "mark
// success"), and the run's state from its tasks.
#include <cstdio>
#include <set>

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
  const PipelineGraph* graph = opened->graph;
  StateStore* store = opened->store.get();
  RunId run = opened->run.id;
  std::set<int> chosen;
  for (const std::string& t : tasks) {
    int i = graph->Find(t);
    if (i < 0) return UsageError("mark", "no task '" + t + "' in pipeline '" + pipeline + "'");
    if (downstream) {
      for (int d : graph->DownstreamOf(i)) chosen.insert(d);
    }
    chosen.insert(i);
  }
  TaskState target = state == "success" ? TaskState::kSuccess : TaskState::kFailed;
  for (int i : chosen) {
    Status s = store->SetTaskState(run, graph->id(i), target);
    if (!s.ok()) return UsageError("mark", s.ToString());
    std::printf("marked %s %s\n", graph->id(i).c_str(), state.c_str());
  }
  // The run follows its tasks: all done well is success, any failure failed.
  Result<std::vector<TaskInstanceRecord>> instances = store->TaskInstances(run);
  if (!instances.ok()) return UsageError("mark", instances.status().ToString());
  bool failed = false, unfinished = false;
  for (const TaskInstanceRecord& t : *instances) {
    if (t.state == TaskState::kFailed || t.state == TaskState::kUpstreamFailed) failed = true;
    else if (!Succeeded(t.state) && t.state != TaskState::kSkipped) unfinished = true;
  }
  RunState run_state = failed ? RunState::kFailed : unfinished ? RunState::kInterrupted : RunState::kSuccess;
  Status s = store->FinishRun(run, run_state, SystemClock().Now());
  if (!s.ok()) return UsageError("mark", s.ToString());
  std::printf("run %lld is now %s\n", static_cast<long long>(run.value), std::string(RunStateName(run_state)).c_str());
  return kExitOk;
}

}  // namespace weir::cli
