// weir clear PIPELINE --date D [--task T]... [--downstream] [--failed]
//
// Resets task instances of the date's latest run to pending, so that the
// next `weir run` of that date (which resumes it) redoes exactly them.
#include <cstdio>
#include <set>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"

namespace weir::cli {
namespace {

bool Failed(TaskState s) { return s == TaskState::kFailed || s == TaskState::kUpstreamFailed; }

}  // namespace

int ClearCommand(const Args& args) {
  CLI::App app{"Reset task instances so that the next run redoes them", "weir clear"};
  std::string dir = ".", pipeline, date;
  std::vector<std::string> tasks;
  bool downstream = false, failed_only = false;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("--date", date, "the run's local date")->required();
  app.add_option("--task", tasks, "a task to clear (repeatable; default: every task)");
  app.add_flag("--downstream", downstream, "also clear everything downstream of the cleared tasks");
  app.add_flag("--failed", failed_only, "clear only failed and upstream_failed tasks");
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<DateRun> opened = OpenDateRun("clear", dir, pipeline, date);
  if (opened == nullptr) return kExitUsage;
  const PipelineGraph* graph = opened->graph;
  StateStore* store = opened->store.get();
  const RunRecord& run = opened->run;
  Result<std::vector<TaskInstanceRecord>> instances = store->TaskInstances(run.id);
  if (!instances.ok()) return UsageError("clear", instances.status().ToString());
  std::map<std::string, TaskState> states;
  for (const TaskInstanceRecord& t : *instances) states[t.task_id] = t.state;

  std::set<int> chosen;
  for (int i = 0; i < graph->size(); ++i) {
    bool named = tasks.empty() || std::find(tasks.begin(), tasks.end(), graph->id(i)) != tasks.end();
    if (named && (!failed_only || Failed(states[graph->id(i)]))) chosen.insert(i);
  }
  for (const std::string& t : tasks) {
    if (graph->Find(t) < 0) return UsageError("clear", "no task '" + t + "' in pipeline '" + pipeline + "'");
  }
  if (downstream) {
    for (int i : std::set<int>(chosen)) {
      for (int d : graph->DownstreamOf(i)) chosen.insert(d);
    }
  }
  int cleared = 0;
  for (int i : chosen) {
    auto it = states.find(graph->id(i));
    if (it == states.end() || it->second == TaskState::kPending) continue;
    Status s = store->SetTaskState(run.id, graph->id(i), TaskState::kPending);
    if (!s.ok()) return UsageError("clear", s.ToString());
    std::printf("cleared %s (was %s)\n", graph->id(i).c_str(), std::string(TaskStateName(it->second)).c_str());
    ++cleared;
  }
  if (cleared > 0 && run.state != RunState::kRunning) {
    Status s = store->FinishRun(run.id, RunState::kInterrupted, SystemClock().Now());
    if (!s.ok()) return UsageError("clear", s.ToString());
  }
  std::printf("%d task instance%s of run %lld cleared; `weir run %s --date %s` redoes them\n", cleared,
              cleared == 1 ? "" : "s", static_cast<long long>(run.id.value), pipeline.c_str(), date.c_str());
  return kExitOk;
}

}  // namespace weir::cli
