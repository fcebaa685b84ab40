// The route handlers (one file per resource) and what they share: reading
// query parameters and JSON bodies, finding pipelines and runs, records as
// JSON, and the audit trail.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/internal/api.h"

namespace weir::server_internal {

// pipelines_api.cc
Result<HttpResponse> ListPipelines(const ApiCall& call);
Result<HttpResponse> GetPipeline(const ApiCall& call);
Result<HttpResponse> PausePipeline(const ApiCall& call);
Result<HttpResponse> UnpausePipeline(const ApiCall& call);
// runs_api.cc
Result<HttpResponse> ListRuns(const ApiCall& call);
Result<HttpResponse> GetRun(const ApiCall& call);
Result<HttpResponse> TriggerRun(const ApiCall& call);
Result<HttpResponse> CancelRun(const ApiCall& call);
// run_edits_api.cc
Result<HttpResponse> ClearRun(const ApiCall& call);
Result<HttpResponse> MarkRun(const ApiCall& call);
// tasks_api.cc
Result<HttpResponse> ListTaskInstances(const ApiCall& call);
Result<HttpResponse> GetTaskInstance(const ApiCall& call);
Result<HttpResponse> GetTaskLog(const ApiCall& call);
// checks_api.cc
Result<HttpResponse> ListChecks(const ApiCall& call);
Result<HttpResponse> GetCheckHistory(const ApiCall& call);
// service_api.cc
Result<HttpResponse> Health(const ApiCall& call);
Result<HttpResponse> Ready(const ApiCall& call);
Result<HttpResponse> Metrics(const ApiCall& call);
Result<HttpResponse> OpenApiDocument(const ApiCall& call);
Result<HttpResponse> ListAudit(const ApiCall& call);
// ui_api.cc: `/` is the web UI's index.html, /ui/{asset} its other files.
Result<HttpResponse> Home(const ApiCall& call);
Result<HttpResponse> GetUiAsset(const ApiCall& call);

// The OpenAPI document (openapi.json, embedded at build time).
const std::string& OpenApiJson();
// The web UI's files by name ("app.js"), embedded at build time (ui/).
const std::map<std::string, std::string_view>& UiFiles();

// --- shared by the handlers (api_support.cc) ---

// A query parameter, if given (the first when repeated).
std::optional<std::string> QueryParam(const ApiCall& call, const std::string& name);
// An integer query parameter in [min, max]; `fallback` when absent.
// UserError "bad-parameter" naming it otherwise.
Result<int> IntQueryParam(const ApiCall& call, const std::string& name, int fallback, int min, int max);
// The body as a JSON object ({} when empty). UserErrors "bad-json" (with
// the line and column), "bad-body" (not an object), "unknown-field" (a
// key not in `fields`, with a did-you-mean).
Result<nlohmann::json> JsonBody(const ApiCall& call, const std::vector<std::string>& fields);
// body[name] when present (a missing bool is false, a missing list
// empty); UserError "bad-field" saying what it must be when of another type.
Result<std::optional<std::string>> StringField(const nlohmann::json& body, const std::string& name);
Result<bool> BoolField(const nlohmann::json& body, const std::string& name);
Result<std::vector<std::string>> StringListField(const nlohmann::json& body, const std::string& name);

// The graph of the pipeline named by the path's {pipeline} (or `name`).
// UserError "unknown-pipeline" (404) with a did-you-mean.
Result<const PipelineGraph*> FindPipeline(const ServerContext& context, const std::string& name);
// The run named by the path's {run}. UserErrors "bad-id", "unknown-run".
Result<RunRecord> FindRun(const ApiCall& call);
// The run's pipeline, which must still be in the project.
Result<const PipelineGraph*> PipelineOfRun(const ServerContext& context, const RunRecord& run);
// UserError "run-active" (409) while the run is queued or running: a run
// being executed is changed by its executor only.
Status RequireInactive(const RunRecord& run, const std::string& action);

// Records a change made through the API in the audit trail. Call it inside
// the store's Batch with the change, so both commit together.
Status Audit(const ServerContext& context, const std::string& action, const std::string& pipeline, RunId run,
             const nlohmann::json& details);

// Records as JSON. Times are UTC to the second ("2024-03-05T10:00:00Z"),
// as the CLI shows them.
nlohmann::json TimeJson(const std::optional<TimePoint>& t);
nlohmann::json RunJson(const RunRecord& run);
nlohmann::json TaskInstanceJson(const TaskInstanceRecord& task);
nlohmann::json AttemptJson(const AttemptRecord& attempt);
// JSON text from the state store (params, outputs) as a value; the text
// itself when it does not parse, null when empty.
nlohmann::json StoredJson(const std::string& text);

std::string DumpJson(const nlohmann::json& value);
HttpResponse Json(int http_status, const nlohmann::json& value);
HttpResponse Text(int http_status, std::string text, std::string content_type = "text/plain; charset=utf-8");

}  // namespace weir::server_internal
