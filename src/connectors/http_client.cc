// HttpFetch: one request through a libcurl easy handle.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "connectors/connectors.h"

namespace weir {
namespace {

std::once_flag curl_initialised;

// What the callbacks share with HttpFetch during one transfer.
struct Transfer {
  HttpResponse response;
  const CancelToken* cancel = nullptr;
  TimePoint deadline;
  bool cancelled = false;
  bool past_deadline = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  transfer->response.body.append(data, size * count);
  return size * count;
}

std::string Trim(std::string_view text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return std::string(text.substr(begin, end - begin));
}

// One header line; a status line starts a new response (after a redirect
// or a 100 Continue), whose headers replace the previous ones.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view line(data, size * count);
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->response.headers.clear();
  } else if (size_t colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string name = Trim(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    transfer->response.headers.emplace_back(std::move(name), Trim(line.substr(colon + 1)));
  }
  return size * count;
}

// Called by libcurl during the transfer (at least once a second): a
// non-zero return aborts it.
int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->cancel->cancelled()) {
    transfer->cancelled = true;
    return 1;
  }
  if (std::chrono::system_clock::now() >= transfer->deadline) {
    transfer->past_deadline = true;
    return 1;
  }
  return 0;
}

struct EasyHandle {
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  ~EasyHandle() {
    curl_slist_free_all(headers);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

Status TransferError(CURLcode code, const char* detail, const Transfer& transfer) {
  std::string message = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return UserError("http-bad-url", "cannot request this URL: " + message);
    case CURLE_FILE_COULDNT_READ_FILE:
      return UserError("http-file-missing", "cannot read the file: " + message);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
      return UserError("http-tls", "the server's TLS certificate was refused: " + message);
    case CURLE_TOO_MANY_REDIRECTS:
      return UserError("http-redirects", "too many redirects: " + message);
    case CURLE_ABORTED_BY_CALLBACK:
      if (transfer.cancelled) return Cancelled("request stopped");
      return Fault("timeout", "request timed out");
    case CURLE_OPERATION_TIMEDOUT:
      if (transfer.past_deadline || std::chrono::system_clock::now() >= transfer.deadline) {
        return Fault("timeout", "request timed out");
      }
      return Fault("http-connection", "request timed out: " + message);
    default:
      return Fault("http-connection", "request failed: " + message);
  }
}

bool IsFileUrl(CURL* curl) {
  char* scheme = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_SCHEME, &scheme) != CURLE_OK || scheme == nullptr) return false;
  std::string s = scheme;
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s == "file";
}

}  // namespace

std::optional<std::string> HttpResponse::Header(std::string_view lower_case_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_case_name) return value;
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> HttpResponse::RetryAfter(TimePoint now) const {
  std::optional<std::string> value = Header("retry-after");
  if (!value || value->empty()) return std::nullopt;
  if (std::all_of(value->begin(), value->end(), [](unsigned char c) { return std::isdigit(c); })) {
    if (value->size() > 9) return std::chrono::hours(24 * 365);  // absurd, but still "wait"
    return std::chrono::seconds(std::stoll(*value));
  }
  time_t when = curl_getdate(value->c_str(), nullptr);  // RFC 1123, RFC 850 and asctime dates
  if (when < 0) return std::nullopt;
  auto delay = std::chrono::system_clock::from_time_t(when) - now;
  if (delay < std::chrono::milliseconds(0)) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(delay);
}

Result<HttpResponse> HttpFetch(const HttpRequest& request, const CancelToken& cancel, TimePoint deadline) {
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (cancel.cancelled()) return Cancelled("request stopped");
  TimePoint now = std::chrono::system_clock::now();
  if (now >= deadline) return Fault("timeout", "request timed out");
  EasyHandle easy;
  if (easy.curl == nullptr) return InternalError("curl_easy_init failed");
  CURL* curl = easy.curl;
  Transfer transfer;
  transfer.cancel = &cancel;
  transfer.deadline = deadline;
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "weir");
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);

  // The request's own limit and the attempt's deadline, whichever is first.
  std::optional<std::chrono::milliseconds> limit;
  if (request.timeout.count() > 0) limit = request.timeout;
  if (deadline != TimePoint::max()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1);
    if (!limit || left < *limit) limit = left;
  }
  if (limit) curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(limit->count()));

  std::string method = request.method;
  std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::toupper(c); });
  bool sends_body = !request.body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (method == "GET" && !sends_body) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    if (sends_body) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
    }
  }
  for (const auto& [name, value] : request.headers) {
    // libcurl drops "Name:" (an empty value); "Name;" sends it empty.
    std::string line = value.empty() ? name + ";" : name + ": " + value;
    easy.headers = curl_slist_append(easy.headers, line.c_str());
  }
  // No "Expect: 100-continue" round trip before a large body.
  easy.headers = curl_slist_append(easy.headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, easy.headers);
  if (request.basic_user) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_user->c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_password.c_str());
  }

  CURLcode code = curl_easy_perform(curl);
  if (code != CURLE_OK) return TransferError(code, error, transfer);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status == 0 && IsFileUrl(curl)) status = 200;
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

}  // namespace weir
