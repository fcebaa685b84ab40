// Routing: a request's method and path to a handler, and what every
// answer shares (errors as JSON, 404, 405, 413, the counts for /metrics).
#include <exception>
#include <set>

#include "common/text.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

// Unknown ids answer 404; a change refused in the current state 409.
const std::set<std::string>& NotFoundCodes() {
  static const std::set<std::string> codes = {"unknown-pipeline", "unknown-run", "unknown-task",
                                              "unknown-instance", "unknown-attempt", "unknown-check", "not-found"};
  return codes;
}
const std::set<std::string>& ConflictCodes() {
  static const std::set<std::string> codes = {"run-active", "run-not-active"};
  return codes;
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// Whether `path` matches `pattern`, filling `params` from its {name} segments.
bool Matches(const std::string& pattern, const std::vector<std::string>& path,
             std::map<std::string, std::string>& params) {
  std::vector<std::string> want = Segments(pattern);
  if (want.size() != path.size()) return false;
  std::map<std::string, std::string> found;
  for (size_t i = 0; i < want.size(); ++i) {
    const std::string& w = want[i];
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      if (path[i].empty()) return false;
      found[w.substr(1, w.size() - 2)] = path[i];
    } else if (w != path[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

// "/api/v1/runs/" is "/api/v1/runs".
std::string Normalized(const std::string& path) {
  if (path.empty()) return "/";
  if (path.size() > 1 && path.back() == '/') return path.substr(0, path.size() - 1);
  return path;
}

Status CheckQuery(const HttpRequest& request, const struct Route& route) {
  for (const auto& [name, value] : request.query) {
    if (std::find(route.query.begin(), route.query.end(), name) != route.query.end()) continue;
    std::string allowed = route.query.empty() ? " (it takes none)" : " (it takes " + QuotedList(route.query) + ")";
    return UserError("unknown-parameter", "unknown query parameter '" + name + "' for " + route.pattern +
                                              DidYouMean(name, route.query) + allowed);
  }
  return OkStatus();
}

}  // namespace

const std::vector<Route>& Routes() {
  static const std::vector<Route> routes = {
      {"GET", "/", {}, Home},
      {"GET", "/ui/{asset}", {}, GetUiAsset},
      {"GET", "/healthz", {}, Health},
      {"GET", "/readyz", {}, Ready},
      {"GET", "/metrics", {}, Metrics},
      {"GET", "/api/v1/openapi.json", {}, OpenApiDocument},
      {"GET", "/api/v1/pipelines", {"last_runs"}, ListPipelines},
      {"GET", "/api/v1/pipelines/{pipeline}", {"last_runs"}, GetPipeline},
      {"POST", "/api/v1/pipelines/{pipeline}/pause", {}, PausePipeline},
      {"POST", "/api/v1/pipelines/{pipeline}/unpause", {}, UnpausePipeline},
      {"GET", "/api/v1/pipelines/{pipeline}/runs", {"state", "since", "limit", "offset"}, ListRuns},
      {"POST", "/api/v1/pipelines/{pipeline}/runs", {}, TriggerRun},
      {"GET", "/api/v1/runs", {"pipeline", "state", "since", "limit", "offset"}, ListRuns},
      {"GET", "/api/v1/runs/{run}", {}, GetRun},
      {"POST", "/api/v1/runs/{run}/cancel", {}, CancelRun},
      {"POST", "/api/v1/runs/{run}/clear", {}, ClearRun},
      {"POST", "/api/v1/runs/{run}/mark", {}, MarkRun},
      {"GET", "/api/v1/runs/{run}/tasks", {"attempts"}, ListTaskInstances},
      {"GET", "/api/v1/runs/{run}/tasks/{task}", {}, GetTaskInstance},
      {"GET", "/api/v1/runs/{run}/tasks/{task}/log", {"tail", "attempt"}, GetTaskLog},
      {"GET", "/api/v1/audit", {"limit", "offset"}, ListAudit},
      {"GET", "/api/v1/checks", {}, ListChecks},
      {"GET", "/api/v1/checks/{suite}/{check}/history", {"limit"}, GetCheckHistory},
  };
  return routes;
}

HttpResponse JsonResponse(int http_status, const std::string& json) {
  HttpResponse response;
  response.status = http_status;
  response.body = json;
  return response;
}

HttpResponse ErrorResponse(int http_status, const std::string& code, const std::string& message) {
  nlohmann::json error = {{"error", {{"code", code}, {"message", message}}}};
  return JsonResponse(http_status, DumpJson(error));
}

HttpResponse ErrorResponse(const Status& status) {
  int http_status = 400;
  if (NotFoundCodes().count(status.code()) > 0) http_status = 404;
  else if (ConflictCodes().count(status.code()) > 0) http_status = 409;
  else if (status.kind() == ErrorKind::kFault || status.code() == "no-scheduler") http_status = 503;
  else if (status.kind() != ErrorKind::kUser) http_status = 500;
  // A user's own input may be pointed at (file:line:col); the server's
  // internal errors are shown as their message only.
  std::string message = status.where().known() ? status.where().ToString() + ": " + status.message() : status.message();
  return ErrorResponse(http_status, status.code(), message);
}

Api::Api(ServerContext context) : context_(std::move(context)) {
  WEIR_CHECK(context_.project != nullptr && context_.store != nullptr && context_.clock != nullptr);
}

HttpResponse Api::Handle(const HttpRequest& request) {
  HttpResponse response;
  try {
    response = Dispatch(request);
  } catch (const std::exception& e) {
    response = ErrorResponse(500, "internal", std::string("unexpected error: ") + e.what());
  } catch (...) {
    response = ErrorResponse(500, "internal", "unexpected error");
  }
  CountResponse(response.status);
  return response;
}

HttpResponse Api::Dispatch(const HttpRequest& request) {
  if (request.body.size() > kMaxBodyBytes) {
    return ErrorResponse(413, "payload-too-large",
                         "request bodies are limited to " + std::to_string(kMaxBodyBytes) + " bytes, got " +
                             std::to_string(request.body.size()));
  }
  std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::vector<std::string> path = Segments(Normalized(request.path));
  std::vector<std::string> allowed;
  for (const struct Route& route : Routes()) {
    std::map<std::string, std::string> params;
    if (!Matches(route.pattern, path, params)) continue;
    if (route.method != method) {
      allowed.push_back(route.method);
      continue;
    }
    if (Status query = CheckQuery(request, route); !query.ok()) return ErrorResponse(query);
    ApiCall call{context_, request, std::move(params), *this};
    Result<HttpResponse> answer = route.handler(call);
    return answer.ok() ? *answer : ErrorResponse(answer.status());
  }
  if (allowed.empty()) return ErrorResponse(404, "not-found", "no such path: " + request.path + " (see /api/v1/openapi.json)");
  std::string allow;
  for (const std::string& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
  if (request.method == "OPTIONS") {
    HttpResponse options = JsonResponse(204, "");
    options.headers.emplace_back("Allow", allow);
    return options;
  }
  HttpResponse refused = ErrorResponse(405, "method-not-allowed", request.method + " is not allowed on " +
                                                                       request.path + "; use " + allow);
  refused.headers.emplace_back("Allow", allow);
  return refused;
}

void Api::CountResponse(int status) {
  MutexLock lock(mu_);
  ++responses_[status];
}

std::map<int, int64_t> Api::ResponseCounts() {
  MutexLock lock(mu_);
  return responses_;
}

}  // namespace weir::server_internal
