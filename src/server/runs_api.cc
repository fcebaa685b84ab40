// /api/v1/runs: listing with filters and paging, one run with its task
// instances, triggering (what `weir trigger` does with a scheduler
// running) and cancelling.
#include "engine/run_control.h"
#include "schedule/schedule.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

Result<RunFilter> FilterOf(const ApiCall& call) {
  RunFilter filter;
  std::optional<std::string> pipeline =
      call.params.count("pipeline") ? call.params.at("pipeline") : QueryParam(call, "pipeline");
  if (pipeline) {
    WEIR_TRY(FindPipeline(call.context, *pipeline).status());
    filter.pipeline = *pipeline;
  }
  if (std::optional<std::string> state = QueryParam(call, "state")) {
    filter.state = ParseRunState(*state);
    if (!filter.state) {
      return UserError("bad-parameter", "query parameter 'state' takes queued, running, success, failed or "
                                        "interrupted, got '" + *state + "'");
    }
  }
  if (std::optional<std::string> since = QueryParam(call, "since")) {
    WEIR_ASSIGN_OR_RETURN(filter.since, ParseLocalDate(*since));
  }
  WEIR_ASSIGN_OR_RETURN(filter.limit, IntQueryParam(call, "limit", kDefaultLimit, 1, kMaxLimit));
  WEIR_ASSIGN_OR_RETURN(filter.offset, IntQueryParam(call, "offset", 0, 0, 1'000'000'000));
  return filter;
}

}  // namespace

Result<HttpResponse> ListRuns(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(RunFilter filter, FilterOf(call));
  int limit = filter.limit;
  filter.limit = limit + 1;  // one more tells whether another page follows
  WEIR_ASSIGN_OR_RETURN(std::vector<RunRecord> runs, call.context.store->ListRuns(filter));
  bool more = runs.size() > static_cast<size_t>(limit);
  if (more) runs.pop_back();
  nlohmann::json listed = nlohmann::json::array();
  for (const RunRecord& run : runs) listed.push_back(RunJson(run));
  nlohmann::json next = more ? nlohmann::json(filter.offset + limit) : nlohmann::json(nullptr);
  return Json(200, {{"runs", listed}, {"limit", limit}, {"offset", filter.offset}, {"next_offset", next}});
}

Result<HttpResponse> GetRun(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> tasks, call.context.store->TaskInstances(run.id));
  nlohmann::json json = RunJson(run);
  nlohmann::json listed = nlohmann::json::array();
  for (const TaskInstanceRecord& task : tasks) listed.push_back(TaskInstanceJson(task));
  json["tasks"] = listed;
  return Json(200, json);
}

// POST {"date": "2024-01-01", "params": {"name": value}}, both optional:
// the date's interval (default: the latest that has ended) queued for the
// scheduler, as `weir trigger` does with a scheduler running.
Result<HttpResponse> TriggerRun(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(const PipelineGraph* graph, FindPipeline(call.context, call.params.at("pipeline")));
  WEIR_ASSIGN_OR_RETURN(nlohmann::json body, JsonBody(call, {"date", "params"}));
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> date, StringField(body, "date"));
  std::string overrides;
  if (body.contains("params") && !body["params"].is_null()) overrides = DumpJson(body["params"]);
  const PipelineDef& pipeline = graph->pipeline();
  WEIR_ASSIGN_OR_RETURN(DataInterval interval, IntervalFor(pipeline, date.value_or(""), *call.context.clock));
  WEIR_ASSIGN_OR_RETURN(std::string params, RunParamsFromJson(pipeline, overrides));
  StateStore& store = *call.context.store;
  std::optional<RunRecord> created;
  WEIR_TRY(store.Batch([&]() -> Status {
    WEIR_ASSIGN_OR_RETURN(created, QueueTriggeredRun(store, *graph, interval, params, call.context.clock->Now()));
    nlohmann::json details = {{"date", interval.ds}, {"params", StoredJson(params)}};
    return Audit(call.context, "trigger", pipeline.name, created->id, details);
  }));
  HttpResponse response = Json(201, RunJson(*created));
  response.headers.emplace_back("Location", "/api/v1/runs/" + std::to_string(created->id.value));
  return response;
}

// The scheduler stops a running run (or ends a queued one) on its next
// tick: 202, and the run ends interrupted.
Result<HttpResponse> CancelRun(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  if (run.state != RunState::kQueued && run.state != RunState::kRunning) {
    return UserError("run-not-active", "run " + std::to_string(run.id.value) + " is " +
                                           std::string(RunStateName(run.state)) + "; only a queued or running run "
                                           "can be cancelled");
  }
  if (call.context.scheduler == nullptr) {
    return UserError("no-scheduler", "no scheduler runs in this server to cancel run " + std::to_string(run.id.value));
  }
  WEIR_TRY(Audit(call.context, "cancel", run.pipeline, run.id, nlohmann::json::object()));
  call.context.scheduler->Cancel(run.id);
  nlohmann::json json = RunJson(run);
  json["cancel_requested"] = true;
  return Json(202, json);
}

}  // namespace weir::server_internal
