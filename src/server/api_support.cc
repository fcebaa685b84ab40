// What the handlers share: query parameters, JSON bodies, finding
// pipelines and runs, records as JSON, and the audit trail.
#include <charconv>

#include "common/text.h"
#include "schedule/schedule.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {

std::optional<std::string> QueryParam(const ApiCall& call, const std::string& name) {
  auto it = call.request.query.find(name);
  if (it == call.request.query.end()) return std::nullopt;
  return it->second;
}

Result<int> IntQueryParam(const ApiCall& call, const std::string& name, int fallback, int min, int max) {
  std::optional<std::string> text = QueryParam(call, name);
  if (!text) return fallback;
  int value = 0;
  const char* end = text->data() + text->size();
  auto [last, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || last != end || value < min || value > max) {
    return UserError("bad-parameter", "query parameter '" + name + "' takes a whole number from " +
                                          std::to_string(min) + " to " + std::to_string(max) + ", got '" + *text + "'");
  }
  return value;
}

Result<nlohmann::json> JsonBody(const ApiCall& call, const std::vector<std::string>& fields) {
  const std::string& text = call.request.body;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // "[json.exception.parse_error.101] parse error at line 1, column 2: ..." without its prefix.
    std::string what = e.what();
    size_t at = what.find("] ");
    return UserError("bad-json", "the request body is not valid JSON: " +
                                     (at == std::string::npos ? what : what.substr(at + 2)));
  }
  if (!body.is_object()) return UserError("bad-body", "the request body must be a JSON object, such as {}");
  for (const auto& [key, value] : body.items()) {
    if (std::find(fields.begin(), fields.end(), key) != fields.end()) continue;
    return UserError("unknown-field", "unknown field '" + key + "' in the request body" + DidYouMean(key, fields) +
                                          " (it takes " + QuotedList(fields) + ")");
  }
  return body;
}

Result<std::optional<std::string>> StringField(const nlohmann::json& body, const std::string& name) {
  if (!body.contains(name) || body[name].is_null()) return std::optional<std::string>();
  if (!body[name].is_string()) return UserError("bad-field", "field '" + name + "' must be a string");
  return std::optional<std::string>(body[name].get<std::string>());
}

Result<bool> BoolField(const nlohmann::json& body, const std::string& name) {
  if (!body.contains(name) || body[name].is_null()) return false;
  if (!body[name].is_boolean()) return UserError("bad-field", "field '" + name + "' must be true or false");
  return body[name].get<bool>();
}

Result<std::vector<std::string>> StringListField(const nlohmann::json& body, const std::string& name) {
  std::vector<std::string> list;
  if (!body.contains(name) || body[name].is_null()) return list;
  const nlohmann::json& value = body[name];
  if (!value.is_array()) return UserError("bad-field", "field '" + name + "' must be a list of strings");
  for (const nlohmann::json& item : value) {
    if (!item.is_string()) return UserError("bad-field", "field '" + name + "' must be a list of strings");
    list.push_back(item.get<std::string>());
  }
  return list;
}

Result<const PipelineGraph*> FindPipeline(const ServerContext& context, const std::string& name) {
  std::vector<std::string> names;
  for (const PipelineGraph* graph : context.graphs) {
    if (graph->pipeline().name == name) return graph;
    names.push_back(graph->pipeline().name);
  }
  return UserError("unknown-pipeline", "no pipeline '" + name + "' in the project" + DidYouMean(name, names));
}

Result<RunRecord> FindRun(const ApiCall& call) {
  const std::string& text = call.params.at("run");
  int64_t id = 0;
  const char* end = text.data() + text.size();
  auto [last, error] = std::from_chars(text.data(), end, id);
  if (error != std::errc() || last != end || id <= 0) {
    return UserError("bad-id", "run ids are positive whole numbers, got '" + text + "'");
  }
  Result<RunRecord> run = call.context.store->GetRun(RunId{id});
  if (!run.ok() && run.status().code() == "unknown-run") return UserError("unknown-run", "no run " + text);
  return run;
}

Result<const PipelineGraph*> PipelineOfRun(const ServerContext& context, const RunRecord& run) {
  Result<const PipelineGraph*> graph = FindPipeline(context, run.pipeline);
  if (graph.ok()) return graph;
  return UserError("unknown-pipeline", "run " + std::to_string(run.id.value) + " is of pipeline '" + run.pipeline +
                                           "', which is no longer in the project");
}

Status RequireInactive(const RunRecord& run, const std::string& action) {
  if (run.state != RunState::kQueued && run.state != RunState::kRunning) return OkStatus();
  return UserError("run-active", "run " + std::to_string(run.id.value) + " is " +
                                     std::string(RunStateName(run.state)) + "; " + action +
                                     " it once it has ended (or cancel it first)");
}

Status Audit(const ServerContext& context, const std::string& action, const std::string& pipeline, RunId run,
             const nlohmann::json& details) {
  AuditEntry entry;
  entry.at = context.clock->Now();
  entry.who = context.who;
  entry.action = action;
  entry.pipeline = pipeline;
  entry.run_id = run;
  entry.details_json = details.dump();
  return context.store->RecordAudit(entry).status();
}

std::string DumpJson(const nlohmann::json& value) {
  // Logs and error messages may hold bytes that are not UTF-8: replaced, not refused.
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json TimeJson(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return FormatUtc(*t);
}

nlohmann::json StoredJson(const std::string& text) {
  if (text.empty()) return nullptr;
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? nlohmann::json(text) : value;
}

namespace {

nlohmann::json SecondsBetween(TimePoint start, const std::optional<TimePoint>& end) {
  if (!end) return nullptr;
  return std::chrono::duration<double>(*end - start).count();
}

}  // namespace

nlohmann::json RunJson(const RunRecord& run) {
  return {{"id", run.id.value},
          {"pipeline", run.pipeline},
          {"ds", run.ds},
          {"interval_start", run.interval_start},
          {"interval_end", run.interval_end},
          {"state", std::string(RunStateName(run.state))},
          {"run_type", run.run_type},
          {"started_at", TimeJson(run.started_at)},
          {"ended_at", TimeJson(run.ended_at)},
          {"duration_seconds", SecondsBetween(run.started_at, run.ended_at)},
          {"params", StoredJson(run.params_json)}};
}

nlohmann::json TaskInstanceJson(const TaskInstanceRecord& task) {
  nlohmann::json json = {{"task_id", task.task_id},
                         {"state", std::string(TaskStateName(task.state))},
                         {"attempt_count", task.attempts},
                         {"output", StoredJson(task.output_json)},
                         {"map_index", nullptr},
                         {"map_item", nullptr},
                         {"map_count", nullptr}};
  if (task.map_index >= 0) {
    json["map_index"] = task.map_index;
    json["map_item"] = StoredJson(task.map_item_json);
  }
  if (task.map_count) json["map_count"] = *task.map_count;
  return json;
}

nlohmann::json AttemptJson(const AttemptRecord& attempt) {
  nlohmann::json error = nullptr;
  if (!attempt.error_code.empty() || !attempt.error_message.empty()) {
    error = {{"code", attempt.error_code}, {"message", attempt.error_message}};
  }
  return {{"number", attempt.number},
          {"state", std::string(AttemptStateName(attempt.state))},
          {"started_at", TimeJson(attempt.started_at)},
          {"ended_at", TimeJson(attempt.ended_at)},
          {"duration_seconds", SecondsBetween(attempt.started_at, attempt.ended_at)},
          {"error", error},
          {"output", StoredJson(attempt.output_json)}};
}

HttpResponse Json(int http_status, const nlohmann::json& value) {
  return JsonResponse(http_status, DumpJson(value));
}

HttpResponse Text(int http_status, std::string text, std::string content_type) {
  HttpResponse response;
  response.status = http_status;
  response.body = std::move(text);
  response.content_type = std::move(content_type);
  return response;
}

}  // namespace weir::server_internal
