// /api/v1/pipelines: each pipeline's definition as the scheduler sees it
// (schedule, pause, the next run due) and its latest runs; pause, unpause.
#include "config/pipeline_schedule.h"
#include "engine/run_control.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

constexpr int kDefaultLastRuns = 5;

// The interval the scheduler creates a run for next, or none (no time
// schedule, or past end_date). It is due when the interval ends.
Result<std::optional<DataInterval>> NextInterval(const PipelineDef& pipeline, const PipelineScheduleState& state,
                                                 TimePoint now) {
  if (!pipeline.schedule) return std::optional<DataInterval>();
  WEIR_ASSIGN_OR_RETURN(Schedule schedule, ScheduleOf(pipeline));
  std::optional<DataInterval> next;
  if (state.next_start) {
    WEIR_ASSIGN_OR_RETURN(DataInterval owed, IntervalStartingAt(schedule, pipeline.timezone, *state.next_start));
    // Owed and still open, or owed and caught up on: the scheduler makes it next.
    if (owed.end > now || pipeline.catchup) next = owed;
  }
  if (!next) {
    // Without catchup the scheduler skips to the interval that ends next.
    WEIR_ASSIGN_OR_RETURN(std::optional<DataInterval> ended, LatestEndedInterval(schedule, pipeline.timezone, now));
    TimePoint start = ended ? ended->end : now;
    WEIR_ASSIGN_OR_RETURN(DataInterval open, IntervalStartingAt(schedule, pipeline.timezone, start));
    next = open;
  }
  if (pipeline.start_date && next->ds < *pipeline.start_date) {
    // No interval starts before start_date: the first is the one that
    // starts at or after its midnight (what catchup from start_date makes first).
    CatchupRequest first;
    first.start_date = pipeline.start_date;
    first.catchup = true;
    first.limit = 1;
    WEIR_ASSIGN_OR_RETURN(CatchupPlan plan, PlanCatchup(schedule, pipeline.timezone, first, TimePoint::max()));
    if (plan.intervals.empty()) return std::optional<DataInterval>();
    next = plan.intervals.front();
  }
  if (pipeline.end_date && next->ds > *pipeline.end_date) return std::optional<DataInterval>();
  return next;
}

Result<nlohmann::json> PipelineJson(const ServerContext& context, const PipelineGraph& graph, int last_runs) {
  const PipelineDef& pipeline = graph.pipeline();
  WEIR_ASSIGN_OR_RETURN(PipelineScheduleState state, context.store->GetPipelineState(pipeline.name));
  WEIR_ASSIGN_OR_RETURN(std::optional<DataInterval> next, NextInterval(pipeline, state, context.clock->Now()));
  nlohmann::json schedule = nullptr;
  if (pipeline.schedule) schedule = pipeline.schedule->value;
  nlohmann::json on = nlohmann::json::array();
  for (const auto& dataset : pipeline.schedule_on) on.push_back(dataset.value);
  nlohmann::json next_run = nullptr;
  if (next) {
    next_run = {{"ds", next->ds}, {"interval_start", next->start_iso}, {"interval_end", next->end_iso},
                {"due_at", next->end_iso.empty() ? nlohmann::json(nullptr) : TimeJson(next->end)}};
  }
  RunFilter filter;
  filter.pipeline = pipeline.name;
  filter.limit = last_runs;
  nlohmann::json runs = nlohmann::json::array();
  if (last_runs > 0) {
    WEIR_ASSIGN_OR_RETURN(std::vector<RunRecord> latest, context.store->ListRuns(filter));
    for (const RunRecord& run : latest) runs.push_back(RunJson(run));
  }
  return nlohmann::json{{"name", pipeline.name},
                        {"description", pipeline.description},
                        {"schedule", schedule},
                        {"schedule_on", on},
                        {"timezone", pipeline.timezone},
                        {"paused", state.paused},
                        {"tags", pipeline.tags},
                        {"owner", pipeline.owner},
                        {"next_run", next_run},
                        {"last_runs", runs}};
}

nlohmann::json TasksJson(const PipelineGraph& graph) {
  nlohmann::json tasks = nlohmann::json::array();
  for (int i : graph.order()) {
    const TaskDef& task = *graph.node(i).def;
    nlohmann::json upstream = nlohmann::json::array(), downstream = nlohmann::json::array();
    for (int u : graph.node(i).upstream) upstream.push_back(graph.id(u));
    for (int d : graph.node(i).downstream) downstream.push_back(graph.id(d));
    size_t dot = task.id.rfind('.');
    nlohmann::json group = dot == std::string::npos ? nlohmann::json(nullptr) : nlohmann::json(task.id.substr(0, dot));
    tasks.push_back({{"id", task.id},
                     {"kind", task.kind.value},
                     {"group", group},
                     {"description", task.description},
                     {"upstream", upstream},
                     {"downstream", downstream}});
  }
  return tasks;
}

Result<HttpResponse> SetPaused(const ApiCall& call, bool paused) {
  WEIR_ASSIGN_OR_RETURN(const PipelineGraph* graph, FindPipeline(call.context, call.params.at("pipeline")));
  const std::string& name = graph->pipeline().name;
  StateStore& store = *call.context.store;
  WEIR_TRY(store.Batch([&]() -> Status {
    WEIR_TRY(store.SetPipelinePaused(name, paused));
    return Audit(call.context, paused ? "pause" : "unpause", name, RunId{}, nlohmann::json::object());
  }));
  WEIR_ASSIGN_OR_RETURN(nlohmann::json pipeline, PipelineJson(call.context, *graph, kDefaultLastRuns));
  return Json(200, pipeline);
}

}  // namespace

Result<HttpResponse> ListPipelines(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(int last_runs, IntQueryParam(call, "last_runs", kDefaultLastRuns, 0, 100));
  nlohmann::json pipelines = nlohmann::json::array();
  for (const PipelineGraph* graph : call.context.graphs) {
    WEIR_ASSIGN_OR_RETURN(nlohmann::json pipeline, PipelineJson(call.context, *graph, last_runs));
    pipelines.push_back(std::move(pipeline));
  }
  return Json(200, {{"pipelines", pipelines}});
}

Result<HttpResponse> GetPipeline(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(int last_runs, IntQueryParam(call, "last_runs", kDefaultLastRuns, 0, 100));
  WEIR_ASSIGN_OR_RETURN(const PipelineGraph* graph, FindPipeline(call.context, call.params.at("pipeline")));
  const PipelineDef& def = graph->pipeline();
  WEIR_ASSIGN_OR_RETURN(nlohmann::json pipeline, PipelineJson(call.context, *graph, last_runs));
  WEIR_ASSIGN_OR_RETURN(std::string params, RunParams(def, {}));
  pipeline["file"] = def.file;
  pipeline["start_date"] = def.start_date ? nlohmann::json(*def.start_date) : nlohmann::json(nullptr);
  pipeline["end_date"] = def.end_date ? nlohmann::json(*def.end_date) : nlohmann::json(nullptr);
  pipeline["catchup"] = def.catchup;
  pipeline["max_active_runs"] = def.max_active_runs;
  pipeline["params"] = StoredJson(params);
  pipeline["tasks"] = TasksJson(*graph);
  return Json(200, pipeline);
}

Result<HttpResponse> PausePipeline(const ApiCall& call) { return SetPaused(call, true); }
Result<HttpResponse> UnpausePipeline(const ApiCall& call) { return SetPaused(call, false); }

}  // namespace weir::server_internal
