// Client: sends calls to the object store, trying faults again with
// exponential backoff inside the call, and turns S3's answers into errors.
#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "connectors/internal/s3_client.h"

namespace weir::s3 {
namespace {

// Backoff waits in steps this long, so that a cancel is seen promptly.
constexpr std::chrono::milliseconds kCancelCheckStep{100};

// S3 codes that say "try again" whatever the status (RequestTimeout comes
// as a 400: the connection idled while a body was being sent).
bool RetryableCode(std::string_view code) {
  return code == "SlowDown" || code == "InternalError" || code == "ServiceUnavailable" ||
         code == "RequestTimeout" || code == "Throttling" || code == "ThrottlingException" ||
         code == "RequestLimitExceeded";
}

std::string Describe(int status, const ErrorReply& reply) {
  std::string text = "S3 answered " + std::to_string(status);
  if (!reply.code.empty()) text += " " + reply.code;
  if (!reply.message.empty()) text += ": " + reply.message;
  return text;
}

}  // namespace

Status ResponseError(int status, const ErrorReply& reply, std::string_view what) {
  if (status >= 200 && status <= 299 && reply.code.empty()) return OkStatus();
  std::string message = std::string(what) + " failed: " + Describe(status, reply);
  if (RetryableCode(reply.code) || status >= 500 || status == 408 || status == 429) {
    return Fault("s3-unavailable", message);
  }
  if (status == 404) return UserError("s3-not-found", message);
  if (status == 401 || status == 403) {
    return UserError("s3-access-denied",
                     message + "; check the credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), the region "
                               "and the bucket's permissions");
  }
  if (status >= 300 && status <= 399) {
    return UserError("s3-request", message + "; is the bucket in another region or behind another endpoint?");
  }
  return UserError("s3-request", message);
}

Client::Client(ObjectStoreOptions options, Target target, ObjectStoreCredentials credentials, Clock& clock)
    : options_(std::move(options)), target_(std::move(target)), credentials_(std::move(credentials)), clock_(clock) {}

Result<HttpResponse> Client::Send(const Call& call, ResponseSink* sink, const CancelToken& cancel,
                                  TimePoint deadline) {
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> response = SendOnce(call, sink, cancel, deadline);
    if (response.ok() || !response.status().retryable() || response.status().code() == "timeout" ||
        attempt >= options_.max_attempts) {
      return response;
    }
    std::chrono::milliseconds delay = RetryDelay(attempt, response.status());
    if (clock_.Now() + delay >= deadline) return response;  // no time left for another try
    WEIR_TRY(WaitBeforeRetry(delay, cancel));
  }
}

Result<HttpResponse> Client::SendOnce(const Call& call, ResponseSink* sink, const CancelToken& cancel,
                                      TimePoint deadline) {
  HttpRequest request = SignedRequest(options_, target_, credentials_, call);
  if (call.open_upload) {
    WEIR_ASSIGN_OR_RETURN(request.upload, call.open_upload());
  }
  if (sink != nullptr) WEIR_TRY(sink->Begin());
  HttpBodyConsumer on_body = [sink](std::string_view piece) { return sink->Write(piece); };
  Result<HttpResponse> response = sink != nullptr ? HttpFetchStreaming(request, on_body, cancel, deadline)
                                                  : HttpFetch(request, cancel, deadline);
  if (!response.ok()) {
    const Status& error = response.status();
    // Transport errors never contain the URL; the object's name is shown.
    if (error.kind() == ErrorKind::kCancelled) return error;
    return error.WithContext(call.what);
  }
  if (call.accept_status != 0 && response->status == call.accept_status) return response;
  ErrorReply reply;
  bool success = response->status >= 200 && response->status <= 299;
  if (!success || call.error_may_come_with_200) reply = ParseErrorReply(response->body);
  Status error = ResponseError(response->status, reply, call.what);
  if (!error.ok()) {
    if (std::optional<std::chrono::milliseconds> wait = response->RetryAfter(clock_.Now())) {
      error = error.WithRetryAfter(*wait);
    }
    return error;
  }
  return response;
}

std::chrono::milliseconds Client::RetryDelay(int attempt, const Status& error) const {
  auto delay = options_.first_retry_delay * (int64_t{1} << std::min(attempt - 1, 20));
  if (error.retry_after()) delay = std::max(delay, *error.retry_after());
  return std::min(delay, options_.max_retry_delay);
}

Status Client::WaitBeforeRetry(std::chrono::milliseconds delay, const CancelToken& cancel) {
  TimePoint wake = clock_.Now() + delay;
  std::mutex mu;
  std::condition_variable never_notified;  // the clock's wait needs one; only time ends it
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    if (cancel.cancelled()) return Cancelled("request stopped");
    TimePoint now = clock_.Now();
    if (now >= wake) return OkStatus();
    clock_.WaitUntil(never_notified, lock, std::min(wake, now + kCancelCheckStep));
  }
}

}  // namespace weir::s3
