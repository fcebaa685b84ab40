// POST /api/v1/runs/{run}/clear and /mark: what `weir clear` and `weir
// mark` do (engine's ClearTasks and MarkTasks), refused while the run is
// queued or running. A cleared run is queued again, so the scheduler
// beside the server reruns what was cleared.
#include "engine/run_control.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {

// {"tasks": [...], "downstream": false, "failed_only": false}, all optional.
Result<HttpResponse> ClearRun(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  WEIR_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(call, {"tasks", "downstream", "failed_only"}));
  ClearRequest request;
  WEIR_ASSIGN_OR_RETURN(request.tasks, StringListField(body, "tasks"));
  WEIR_ASSIGN_OR_RETURN(request.downstream, BoolField(body, "downstream"));
  WEIR_ASSIGN_OR_RETURN(request.failed_only, BoolField(body, "failed_only"));
  request.then = call.context.scheduler != nullptr ? RunState::kQueued : RunState::kInterrupted;
  WEIR_ASSIGN_OR_RETURN(const PipelineGraph* graph, PipelineOfRun(call.context, run));
  StateStore& store = *call.context.store;
  ClearOutcome outcome;
  // Checked in the transaction that changes it: a run is never cleared under its executor.
  WEIR_TRY(store.Batch([&]() -> Status {
    WEIR_ASSIGN_OR_RETURN(RunRecord current, store.GetRun(run.id));
    WEIR_TRY(RequireInactive(current, "clear"));
    WEIR_ASSIGN_OR_RETURN(outcome, ClearTasks(store, *graph, current, request, call.context.clock->Now()));
    nlohmann::json details = {{"tasks", request.tasks}, {"downstream", request.downstream},
                              {"failed_only", request.failed_only}, {"cleared", outcome.count}};
    return Audit(call.context, "clear", run.pipeline, run.id, details);
  }));
  nlohmann::json cleared = nlohmann::json::array();
  for (const ClearedTask& task : outcome.cleared) {
    cleared.push_back({{"task_id", task.id},
                       {"was", std::string(TaskStateName(task.was))},
                       {"instances", task.instances ? nlohmann::json(*task.instances) : nlohmann::json(nullptr)}});
  }
  WEIR_ASSIGN_OR_RETURN(RunRecord now, store.GetRun(run.id));
  return Json(200, {{"cleared", cleared}, {"count", outcome.count}, {"run", RunJson(now)}});
}

// {"state": "success" | "failed", "tasks": [...], "downstream": false}.
Result<HttpResponse> MarkRun(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  WEIR_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(call, {"state", "tasks", "downstream"}));
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> state, StringField(body, "state"));
  if (state != "success" && state != "failed") {
    return UserError("bad-field", "field 'state' must be \"success\" or \"failed\"");
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<std::string> tasks, StringListField(body, "tasks"));
  if (tasks.empty()) return UserError("bad-field", "field 'tasks' must list the tasks to mark");
  WEIR_ASSIGN_OR_RETURN(bool downstream, BoolField(body, "downstream"));
  WEIR_ASSIGN_OR_RETURN(const PipelineGraph* graph, PipelineOfRun(call.context, run));
  TaskState target = *state == "success" ? TaskState::kSuccess : TaskState::kFailed;
  StateStore& store = *call.context.store;
  MarkOutcome outcome;
  WEIR_TRY(store.Batch([&]() -> Status {
    WEIR_ASSIGN_OR_RETURN(RunRecord current, store.GetRun(run.id));
    WEIR_TRY(RequireInactive(current, "mark"));
    WEIR_ASSIGN_OR_RETURN(outcome, MarkTasks(store, *graph, run.id, tasks, target, downstream,
                                             call.context.clock->Now()));
    nlohmann::json details = {{"state", *state}, {"tasks", tasks}, {"downstream", downstream},
                              {"marked", outcome.marked}};
    return Audit(call.context, "mark", run.pipeline, run.id, details);
  }));
  WEIR_ASSIGN_OR_RETURN(RunRecord now, store.GetRun(run.id));
  return Json(200, {{"marked", outcome.marked}, {"run", RunJson(now)}});
}

}  // namespace weir::server_internal
