// weir mark PIPELINE --date D --task T success|failed [--downstream]
//
// Sets task instances of the date's latest run by hand (Airflow's "mark
// success"), and the run's state from its tasks. `--task load[3]` marks
// one instance of a mapped task; the task then takes the state its
// instances add up to, as the engine would give it.
#include <cstdio>
#include <optional>
#include <set>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"

namespace weir::cli {
namespace {

// Marks instance `id` ("load[3]") and sets its task from all its instances:
// failed if any failed, else upstream_failed if any was, else success if
// any succeeded, else skipped; unchanged while one is unfinished.
Status MarkInstance(StateStore& store, RunId run, const std::string& id, TaskState target) {
  std::string task = ParseMapInstanceId(id)->first;
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> instances, store.TaskInstances(run));
  bool found = false;
  for (const TaskInstanceRecord& r : instances) found |= r.task_id == id;
  if (!found) return UserError("unknown-instance", "no instance '" + id + "' in this run (is '" + task + "' expanded?)");
  WEIR_TRY(store.SetTaskState(run, id, target));
  bool failed = false, upstream_failed = false, succeeded = false;
  for (const TaskInstanceRecord& r : instances) {
    std::optional<std::pair<std::string, int>> of = ParseMapInstanceId(r.task_id);
    if (!of || of->first != task) continue;
    TaskState s = r.task_id == id ? target : r.state;
    if (!IsFinished(s)) return OkStatus();
    failed |= s == TaskState::kFailed;
    upstream_failed |= s == TaskState::kUpstreamFailed;
    succeeded |= Succeeded(s);
  }
  TaskState parent = failed ? TaskState::kFailed : upstream_failed ? TaskState::kUpstreamFailed
                     : succeeded ? TaskState::kSuccess : TaskState::kSkipped;
  return store.SetTaskState(run, task, parent);
}

}  // namespace

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
  std::vector<std::string> instance_ids;
  for (const std::string& t : tasks) {
    std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(t);
    if (instance && graph->Find(instance->first) >= 0) {
      instance_ids.push_back(t);
      if (downstream) {
        for (int d : graph->DownstreamOf(graph->Find(instance->first))) chosen.insert(d);
      }
      continue;
    }
    int i = graph->Find(t);
    if (i < 0) return UsageError("mark", "no task '" + t + "' in pipeline '" + pipeline + "'");
    if (downstream) {
      for (int d : graph->DownstreamOf(i)) chosen.insert(d);
    }
    chosen.insert(i);
  }
  TaskState target = state == "success" ? TaskState::kSuccess : TaskState::kFailed;
  for (const std::string& t : instance_ids) {
    if (Status s = MarkInstance(*store, run, t, target); !s.ok()) return UsageError("mark", s.message());
    std::printf("marked %s %s\n", t.c_str(), state.c_str());
  }
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
