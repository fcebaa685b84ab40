// Working out a run before it exists: its interval, its parameters, and a
// triggered run queued for the scheduler (run_control.h).
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "config/pipeline_schedule.h"
#include "engine/run_control.h"

namespace weir {
namespace {

// A YAML scalar as JSON: what `params:` defaults and --param values mean.
nlohmann::json ScalarJson(const std::string& text, bool quoted) {
  if (!quoted) {
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    if (text == "null" || text == "~" || text.empty()) return nullptr;
    char* end = nullptr;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (end != nullptr && *end == '\0') return n;
    double d = std::strtod(text.c_str(), &end);
    if (end != nullptr && *end == '\0') return d;
  }
  return text;
}

nlohmann::json NodeJson(const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return nullptr;
    case ConfigNode::Kind::kScalar: return ScalarJson(node.scalar(), node.quoted());
    case ConfigNode::Kind::kSequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const ConfigNode& item : node.items()) out.push_back(NodeJson(item));
      return out;
    }
    case ConfigNode::Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, v] : node.entries()) out[k.scalar()] = NodeJson(v);
      return out;
    }
  }
  return nullptr;
}

// The declared defaults, and the names declared (for did-you-mean).
nlohmann::json DefaultParams(const PipelineDef& pipeline, std::vector<std::string>& declared) {
  nlohmann::json params = nlohmann::json::object();
  for (const auto& [name, value] : pipeline.params) {
    params[name] = NodeJson(value);
    declared.push_back(name);
  }
  return params;
}

Status RequireDeclared(const PipelineDef& pipeline, const std::string& name, const std::vector<std::string>& declared) {
  if (pipeline.params.count(name) > 0) return OkStatus();
  return UserError("unknown-param", "pipeline '" + pipeline.name + "' declares no parameter '" + name + "'" +
                                        DidYouMean(name, declared) +
                                        (declared.empty() ? " (declare it under 'params:')" : ""));
}

}  // namespace

Result<DataInterval> IntervalFor(const PipelineDef& pipeline, const std::string& date, Clock& clock) {
  WEIR_ASSIGN_OR_RETURN(Schedule schedule, ScheduleOf(pipeline));
  if (!date.empty()) {
    WEIR_ASSIGN_OR_RETURN(DataInterval interval, IntervalForDate(schedule, pipeline.timezone, date));
    if (pipeline.end_date && interval.ds > *pipeline.end_date) {
      return UserError("after-end-date", "pipeline '" + pipeline.name + "' ends on " + *pipeline.end_date +
                                             " (end_date); there is no run on " + interval.ds);
    }
    return interval;
  }
  WEIR_ASSIGN_OR_RETURN(std::optional<DataInterval> latest,
                        LatestEndedInterval(schedule, pipeline.timezone, clock.Now()));
  if (latest) return *latest;
  return UserError("no-interval", "no data interval of pipeline '" + pipeline.name +
                                      "' has ended yet; pass --date to run one");
}

Result<std::string> RunParams(const PipelineDef& pipeline, const std::vector<std::string>& assignments) {
  std::vector<std::string> declared;
  nlohmann::json params = DefaultParams(pipeline, declared);
  for (const std::string& a : assignments) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UserError("bad-param", "--param takes name=value, got '" + a + "'");
    }
    std::string name = a.substr(0, eq);
    WEIR_TRY(RequireDeclared(pipeline, name, declared));
    params[name] = ScalarJson(a.substr(eq + 1), false);
  }
  return params.dump();
}

Result<std::string> RunParamsFromJson(const PipelineDef& pipeline, std::string_view overrides_json) {
  std::vector<std::string> declared;
  nlohmann::json params = DefaultParams(pipeline, declared);
  if (overrides_json.empty()) return params.dump();
  nlohmann::json overrides = nlohmann::json::parse(overrides_json, nullptr, /*allow_exceptions=*/false);
  if (!overrides.is_object()) {
    return UserError("bad-params", "run parameters must be a JSON object such as {\"name\": \"value\"}");
  }
  for (const auto& [name, value] : overrides.items()) {
    WEIR_TRY(RequireDeclared(pipeline, name, declared));
    params[name] = value;
  }
  return params.dump();
}

Result<std::optional<RunRecord>> LatestRunOf(StateStore& store, const std::string& pipeline,
                                             const DataInterval& interval) {
  WEIR_ASSIGN_OR_RETURN(auto runs, store.ListRuns(RunFilter{pipeline, interval.ds, 0}));
  for (RunRecord& r : runs) {  // newest first
    if (r.interval_start == interval.start_iso) return std::optional<RunRecord>(std::move(r));
  }
  return std::optional<RunRecord>();
}

Result<RunRecord> QueueTriggeredRun(StateStore& store, const PipelineGraph& graph, const DataInterval& interval,
                                    std::string params_json, TimePoint now) {
  const std::string& pipeline = graph.pipeline().name;
  WEIR_ASSIGN_OR_RETURN(std::optional<RunRecord> latest, LatestRunOf(store, pipeline, interval));
  if (latest && (latest->state == RunState::kQueued || latest->state == RunState::kRunning)) {
    return UserError("run-active", "run " + std::to_string(latest->id.value) + " of " + pipeline + " for " +
                                       interval.ds + " is already " + std::string(RunStateName(latest->state)));
  }
  NewRun run{pipeline, interval.ds, interval.start_iso, interval.end_iso, now, {}, std::move(params_json)};
  for (int i : graph.order()) run.task_ids.push_back(graph.id(i));
  run.queued = true;
  return store.CreateRun(run);
}

}  // namespace weir
