// The requests an http task (or an http sensor) sends: built from the
// task's url, headers, auth, body and method (http_request.cc), and sent by
// an HttpSession (http_session.cc) that spaces them by the task's
// rate_limit, retries their faults with backoff, gives each its
// request_timeout and authenticates them (api keys; OAuth2 client
// credentials, http_auth.cc).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "connectors/connectors.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {

// `auth: {oauth2: {...}}`: the client credentials grant (RFC 6749 4.4).
struct OAuth2Settings {
  std::string token_url;
  std::string shown_token_url;
  std::string client_id;
  std::string client_secret;
  std::string scope;               // "": none sent
  bool credentials_in_body = false;  // client_auth: body; default: HTTP basic (RFC 6749 2.3.1)
};

// What one attempt sends, and what of it may be shown.
struct PreparedRequest {
  HttpRequest request;
  std::string shown_url;
  std::vector<std::string> shown_headers;  // "Name: value" with secrets as ***
  // `auth: {api_key: {query: NAME, ...}}`: set on every URL requested,
  // also on next-page links that lack it.
  std::optional<std::pair<std::string, std::string>> query_key;
  std::optional<OAuth2Settings> oauth2;
  // Credentials written in the task as they are (not through secret()):
  // redacted like secrets wherever the attempt shows text.
  std::vector<std::string> credentials;
};

// The task's request with its templates rendered; UserError for keys of
// the wrong shape (`bad-auth`, `bad-method`, ...). The sensor's: oauth2,
// which needs a token request first, is refused (`bad-auth`).
Result<PreparedRequest> PrepareHttpRequest(const TaskDef& task, const TemplateContext& names);
// The http task's, oauth2 included.
Result<PreparedRequest> PrepareHttpTaskRequest(const TaskDef& task, const TemplateContext& names);

// `url` with the query parameter `name` set to `value` (percent-encoded),
// replacing any with that name; the fragment stays last.
std::string WithQueryParam(std::string_view url, std::string_view name, std::string_view value);
// Every byte but A-Z a-z 0-9 - . _ ~ as %XX (RFC 3986), for queries and forms.
std::string PercentEncode(std::string_view text);

// How an HttpSession sends: the task's request_retries, request_timeout,
// rate_limit and max_retry_delay.
struct RequestPolicy {
  int retries = 0;                                   // request_retries: tries after the first, per request
  std::chrono::milliseconds first_delay{1000};       // backoff: 1s, 2s, 4s ...
  std::chrono::milliseconds max_delay{std::chrono::hours(1)};  // cap on one wait (and on Retry-After)
  std::chrono::milliseconds timeout{0};              // request_timeout; 0: the task's timeout only
  std::chrono::milliseconds min_interval{0};         // rate_limit as the time between two requests; 0: none
};

// Reads request_retries (default `default_retries`), request_timeout and
// rate_limit ("10/s", "100/m", "1000/h"); UserError "bad-value" /
// "wrong-type" at the key.
Result<RequestPolicy> ReadRequestPolicy(const TaskDef& task, int default_retries);

// Where a 2xx body goes.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Status Write(std::string_view piece) = 0;
  // Forgets what a failed try wrote, so that the request can be sent
  // again; false when it cannot (the bytes went on already).
  virtual bool Restart() = 0;
};

class OAuth2Token;

// Sends the requests of one attempt: each waits its turn under the rate
// limit, is retried on faults (connection failures, resets, 408, 429, 5xx)
// up to `policy.retries` times with exponential backoff (at least the
// server's Retry-After, at most max_delay), and carries the auth (an
// OAuth2 token fetched once and renewed when it expires or a request
// answers 401). Waits are on `clock` and end early on cancel. Messages say
// which request (`label`, e.g. "page 37") and show URLs redacted by
// `secrets`, to which the tokens it gets are added. Not thread-safe.
class HttpSession {
 public:
  HttpSession(PreparedRequest prepared, RequestPolicy policy, Clock& clock, const TaskContext& context,
              std::shared_ptr<SecretValues> secrets, AttemptLog& log);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  // GET (or the task's method and body) of `url`: the final response (its
  // body field holds no 2xx body: that went to `sink`), or why it failed:
  // "http-<status>" (a fault for 408, 429 and 5xx, else a user error),
  // "http-connection", "timeout", "oauth2-token", Cancelled, or the sink's
  // error. `label` ("page 3", or "" for a task's one request) starts the
  // messages and log lines about it.
  Result<HttpResponse> Send(const std::string& url, const std::string& label, BodySink& sink);

  // The URL as it may be shown.
  std::string Shown(const std::string& url) const;
  const PreparedRequest& prepared() const { return prepared_; }
  int requests() const { return requests_; }  // sent, retries and token requests included

 private:
  // One request with its retries; `api_request`: the API's (rate limit
  // and auth), not the token endpoint's.
  Result<HttpResponse> Exchange(HttpRequest request, const std::string& label, BodySink& sink, bool api_request);
  void LogAnswer(const std::string& prefix, const HttpRequest& request, const HttpResponse& response,
                 bool api_request);
  Status WaitTurn();
  Status Wait(std::chrono::milliseconds delay);
  std::chrono::milliseconds Backoff(int retry, const Status& failure) const;

  PreparedRequest prepared_;
  RequestPolicy policy_;
  Clock& clock_;
  const TaskContext& context_;
  std::shared_ptr<SecretValues> secrets_;
  AttemptLog& log_;
  std::unique_ptr<OAuth2Token> token_;
  std::optional<TimePoint> last_request_;
  int requests_ = 0;

  friend class OAuth2Token;
};

// Excerpts and errors shared by the http task's parts.
std::string BodyExcerpt(std::string_view body, size_t limit);
// A non-2xx answer as a Status: a fault to retry (408, 429, 5xx, with
// Retry-After up to `max_delay`) or a user error; the message shows
// `request_line`, the status and the start of the body, redacted.
Status HttpStatusError(const std::string& request_line, const HttpResponse& response, const SecretValues& secrets,
                       const std::string& log_path, std::chrono::milliseconds max_delay, TimePoint now);

}  // namespace weir::tasks_internal
