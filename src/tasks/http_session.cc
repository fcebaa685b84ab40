// HttpSession: the requests of one http task attempt, each spaced by the
// rate limit, authenticated, and retried on faults with backoff, so that a
// fault on page 37 costs a retry of page 37, not of the whole extract.
#include <condition_variable>
#include <mutex>

#include "schedule/schedule.h"
#include "tasks/internal/http_auth.h"
#include "tasks/internal/http_request.h"

namespace weir::tasks_internal {
namespace {

constexpr size_t kLoggedBodyBytes = 500;
// Redacted before it is cut, so that no secret is cut in half and half shown.
constexpr size_t kRedactedBodyBytes = 64 * 1024;
// Waits are cut into slices this long, to notice a stop.
constexpr auto kWaitSlice = std::chrono::milliseconds(100);

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "(none)" : out;
}

// The same error, saying more at its end.
Status Annotated(const Status& failure, const std::string& note) {
  Status out(failure.kind(), failure.code(), failure.message() + " (" + note + ")", failure.where());
  if (failure.retry_after()) out = out.WithRetryAfter(*failure.retry_after());
  return out;
}

void SetHeader(HttpRequest& request, const std::string& name, std::string value) {
  for (auto& [n, v] : request.headers) {
    if (n == name) {
      v = std::move(value);
      return;
    }
  }
  request.headers.emplace_back(name, std::move(value));
}

}  // namespace

HttpSession::HttpSession(PreparedRequest prepared, RequestPolicy policy, Clock& clock, const TaskContext& context,
                         std::shared_ptr<SecretValues> secrets, AttemptLog& log)
    : prepared_(std::move(prepared)),
      policy_(policy),
      clock_(clock),
      context_(context),
      secrets_(std::move(secrets)),
      log_(log) {
  for (const std::string& credential : prepared_.credentials) secrets_->Add(credential);
  if (prepared_.oauth2) token_ = std::make_unique<OAuth2Token>(*prepared_.oauth2, *this);
}

HttpSession::~HttpSession() = default;

std::string HttpSession::Shown(const std::string& url) const { return secrets_->Redact(url); }

Result<HttpResponse> HttpSession::Send(const std::string& url, const std::string& label, BodySink& sink) {
  HttpRequest request = prepared_.request;
  request.url = prepared_.query_key ? WithQueryParam(url, prepared_.query_key->first, prepared_.query_key->second)
                                    : url;
  request.timeout = policy_.timeout;
  return Exchange(std::move(request), label, sink, true);
}

Result<HttpResponse> HttpSession::Exchange(HttpRequest request, const std::string& label, BodySink& sink,
                                           bool api_request) {
  const std::string prefix = label.empty() ? "" : label + ": ";
  const std::string request_line = prefix + request.method + " " + Shown(request.url);
  bool renewed_token = false;
  for (int retry = 0;;) {
    if (api_request) {
      WEIR_TRY(WaitTurn());
      if (token_) {
        WEIR_ASSIGN_OR_RETURN(std::string authorization, token_->Authorization());
        SetHeader(request, "Authorization", std::move(authorization));
      }
    }
    ++requests_;
    bool wrote = false;
    Status sink_error;
    HttpBodyConsumer on_body = [&](std::string_view piece) {
      wrote = true;
      sink_error = sink.Write(piece);
      return sink_error;
    };
    Result<HttpResponse> got = HttpFetchStreaming(request, on_body, context_.cancel, context_.deadline);
    if (!sink_error.ok()) return sink_error;
    if (got.ok() && got->status >= 200 && got->status <= 299) return got;
    Status failure;
    if (got.ok()) {
      LogAnswer(prefix, request, *got, api_request);
      if (api_request && token_ && got->status == 401 && !renewed_token) {
        // An expired or revoked token: one new token, one more try.
        renewed_token = true;
        token_->Renew();
        log_.Line(prefix + "answered 401: sending it again with a new OAuth2 token");
        continue;
      }
      failure = HttpStatusError(request_line, *got, *secrets_, context_.log_path, policy_.max_delay, clock_.Now());
    } else {
      if (got.status().kind() == ErrorKind::kCancelled) return got.status();
      failure = got.status().WithContext(request_line);
    }
    // A task timeout is the attempt's end, not a request's fault.
    if (!failure.retryable() || failure.code() == "timeout") return failure;
    if (retry >= policy_.retries) {
      return retry == 0 ? failure : Annotated(failure, "after " + std::to_string(retry) + " retries");
    }
    if (wrote && !sink.Restart()) return Annotated(failure, "not retried: the body had been written on");
    ++retry;
    std::chrono::milliseconds delay = Backoff(retry, failure);
    if (clock_.Now() + delay >= context_.deadline) {
      return Annotated(failure, "not retried: the task's timeout comes first");
    }
    log_.Line(prefix + "retry " + std::to_string(retry) + " of " + std::to_string(policy_.retries) + " in " +
              FormatDuration(delay) + " after: " + failure.code() + ": " + failure.message());
    WEIR_TRY(Wait(delay));
  }
}

// What a failed request's answer was: its request headers, status and the
// start of its body, for the attempt's log.
void HttpSession::LogAnswer(const std::string& prefix, const HttpRequest& request, const HttpResponse& response,
                            bool api_request) {
  std::vector<std::string> shown = prepared_.shown_headers;
  if (!api_request) {  // the token request: its headers are Weir's own
    shown.clear();
    for (const auto& [name, value] : request.headers) shown.push_back(name + ": " + value);
    if (request.basic_user) shown.push_back("Authorization: ***");
  }
  log_.Line(prefix + "request headers: " + Joined(shown));
  log_.Line(prefix + "answered " + std::to_string(response.status) + ", " + std::to_string(response.body_bytes) +
            " bytes");
  if (!response.body.empty()) {
    log_.Line(prefix + "response body (first " + std::to_string(kLoggedBodyBytes) + " bytes): " +
              BodyExcerpt(secrets_->Redact(response.body.substr(0, kRedactedBodyBytes)), kLoggedBodyBytes));
  }
}

// Under rate_limit, a request waits until min_interval after the one before.
Status HttpSession::WaitTurn() {
  if (policy_.min_interval.count() > 0 && last_request_) {
    TimePoint due = *last_request_ + policy_.min_interval;
    if (due >= context_.deadline) return Fault("timeout", "timed out: the next request under 'rate_limit' was due "
                                                          "after the task's timeout");
    if (TimePoint now = clock_.Now(); due > now) {
      WEIR_TRY(Wait(std::chrono::duration_cast<std::chrono::milliseconds>(due - now)));
    }
  }
  last_request_ = clock_.Now();
  return OkStatus();
}

Status HttpSession::Wait(std::chrono::milliseconds delay) {
  const TimePoint until = clock_.Now() + delay;
  std::mutex mu;
  std::condition_variable never_notified;
  std::unique_lock<std::mutex> lock(mu);
  for (TimePoint now = clock_.Now(); now < until; now = clock_.Now()) {
    if (context_.cancel.cancelled()) break;
    clock_.WaitUntil(never_notified, lock, std::min(until, now + kWaitSlice));
  }
  if (context_.cancel.cancelled()) return Cancelled("stopped while waiting to send a request");
  return OkStatus();
}

// 1s, 2s, 4s ... (first_delay doubled per retry), at least the server's
// Retry-After, at most max_delay.
std::chrono::milliseconds HttpSession::Backoff(int retry, const Status& failure) const {
  std::chrono::milliseconds delay = policy_.first_delay;
  for (int i = 1; i < retry && delay < policy_.max_delay; ++i) delay *= 2;
  if (failure.retry_after()) delay = std::max(delay, *failure.retry_after());
  return std::min(delay, policy_.max_delay);
}

}  // namespace weir::tasks_internal
