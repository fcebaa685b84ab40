// What is not about one resource: health and readiness, Prometheus
// metrics, the OpenAPI document and the audit trail.
#include <cstdio>

#include "common/prometheus.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

void StateSamples(std::string& out, const char* name, const std::vector<StateCount>& counts) {
  for (const StateCount& c : counts) {
    out += std::string(name) + "{pipeline=\"" + PrometheusLabelValue(c.pipeline) + "\",state=\"" +
           PrometheusLabelValue(c.state) + "\"} " +
           std::to_string(c.count) + "\n";
  }
}

std::string Seconds(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  return text;
}

// How late the scheduler's loop is: the time since its last tick ended
// beyond the poll it sleeps between ticks (0 while on time).
double LoopLagSeconds(const SchedulerView& scheduler, TimePoint now) {
  std::optional<TimePoint> last = scheduler.LastTick();
  if (!last) return 0;
  double lag = std::chrono::duration<double>(now - *last - scheduler.Poll()).count();
  return lag > 0 ? lag : 0;
}

}  // namespace

Result<HttpResponse> Health(const ApiCall&) { return Json(200, {{"status", "ok"}}); }

// Ready once the state store answers and the scheduler has ticked.
Result<HttpResponse> Ready(const ApiCall& call) {
  RunFilter one;
  one.limit = 1;
  Status store = call.context.store->ListRuns(one).status();
  nlohmann::json checks = {{"state_store", store.ok() ? "ok" : store.message()}};
  bool ready = store.ok();
  if (call.context.scheduler != nullptr) {
    bool ticked = call.context.scheduler->Ticks() > 0;
    checks["scheduler"] = ticked ? "ok" : "not started yet";
    ready = ready && ticked;
  }
  return Json(ready ? 200 : 503, {{"status", ready ? "ready" : "not ready"}, {"checks", checks}});
}

Result<HttpResponse> Metrics(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(StateCounts counts, call.context.store->CountStates());
  std::string out;
  AppendPrometheusFamily(out, "weir_runs", "gauge", "Runs in the state store by pipeline and state.");
  StateSamples(out, "weir_runs", counts.runs);
  AppendPrometheusFamily(out, "weir_task_instances", "gauge",
                         "Task instances in the state store by pipeline and state.");
  StateSamples(out, "weir_task_instances", counts.task_instances);
  if (const SchedulerView* scheduler = call.context.scheduler) {
    AppendPrometheusFamily(out, "weir_scheduler_loop_lag_seconds", "gauge",
           "How late the scheduler loop is: time since its last tick ended beyond its poll interval.");
    out += "weir_scheduler_loop_lag_seconds " + Seconds(LoopLagSeconds(*scheduler, call.context.clock->Now())) + "\n";
    AppendPrometheusFamily(out, "weir_scheduler_ticks_total", "counter", "Scheduler loop iterations.");
    out += "weir_scheduler_ticks_total " + std::to_string(scheduler->Ticks()) + "\n";
  }
  AppendPrometheusFamily(out, "weir_http_requests_total", "counter", "HTTP requests answered, by status code.");
  for (const auto& [code, n] : call.api.ResponseCounts()) {
    out += "weir_http_requests_total{code=\"" + std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  return Text(200, std::move(out), "text/plain; version=0.0.4; charset=utf-8");
}

Result<HttpResponse> OpenApiDocument(const ApiCall&) { return JsonResponse(200, OpenApiJson()); }

Result<HttpResponse> ListAudit(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(int limit, IntQueryParam(call, "limit", 50, 1, 1000));
  WEIR_ASSIGN_OR_RETURN(int offset, IntQueryParam(call, "offset", 0, 0, 1'000'000'000));
  WEIR_ASSIGN_OR_RETURN(std::vector<AuditEntry> entries, call.context.store->AuditLog(limit, offset));
  nlohmann::json listed = nlohmann::json::array();
  for (const AuditEntry& e : entries) {
    listed.push_back({{"id", e.id},
                      {"at", TimeJson(e.at)},
                      {"who", e.who},
                      {"action", e.action},
                      {"pipeline", e.pipeline},
                      {"run_id", e.run_id.value == 0 ? nlohmann::json(nullptr) : nlohmann::json(e.run_id.value)},
                      {"details", StoredJson(e.details_json)}});
  }
  return Json(200, {{"entries", listed}, {"limit", limit}, {"offset", offset}});
}

}  // namespace weir::server_internal
