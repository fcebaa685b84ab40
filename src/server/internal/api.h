// The request handlers behind the server, callable without a socket: the
// HTTP listener (http_listener.cc) turns each request into an HttpRequest,
// asks Api::Handle, and writes the HttpResponse back. Tests call Handle
// directly.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "server/server.h"

namespace weir::server_internal {

// Request bodies above this are refused (413).
inline constexpr size_t kMaxBodyBytes = size_t{1} << 20;

struct HttpRequest {
  std::string method = "GET";                     // "GET", "POST", "HEAD", ...
  std::string path = "/";                         // percent-decoded, without the query
  std::multimap<std::string, std::string> query;  // percent-decoded
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Allow, Location
};

// One API call as a handler sees it: the request, the path's parameters
// ("{run}" -> "12") and what the server works on.
class Api;
struct ApiCall {
  const ServerContext& context;
  const HttpRequest& request;
  std::map<std::string, std::string> params;
  Api& api;
};

using Handler = Result<HttpResponse> (*)(const ApiCall& call);

struct Route {
  std::string method;                // GET or POST
  std::string pattern;               // "/api/v1/runs/{run}"; {name} matches one path segment
  std::vector<std::string> query;    // the query parameters it takes
  Handler handler;
};

// Every route the server answers, in the order they are matched.
const std::vector<Route>& Routes();

// Answers requests: routing, 404/405/413, errors as JSON, and the counts
// behind /metrics. Thread-safe.
class Api {
 public:
  explicit Api(ServerContext context);

  // Never throws: an unexpected failure is a 500 with a JSON error.
  HttpResponse Handle(const HttpRequest& request);
  // Counts a response the listener sent without Handle (its own 413).
  void CountResponse(int status);
  // Responses so far by status code (/metrics).
  std::map<int, int64_t> ResponseCounts();

 private:
  HttpResponse Dispatch(const HttpRequest& request);

  ServerContext context_;
  Mutex mu_;
  std::map<int, int64_t> responses_ WEIR_GUARDED_BY(mu_);  // by status code
};

// {"error": {"code": ..., "message": ...}} with the status it maps to:
// unknown ids 404, conflicts 409, faults 503, internal errors 500, other
// user errors 400.
HttpResponse ErrorResponse(const Status& status);
HttpResponse ErrorResponse(int http_status, const std::string& code, const std::string& message);
HttpResponse JsonResponse(int http_status, const std::string& json);

}  // namespace weir::server_internal
