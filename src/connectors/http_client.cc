// HttpFetch and HttpFetchStreaming: one request through a libcurl easy
// handle.
#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <mutex>
#include <random>

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
  // Streaming: where a 2xx body goes, and the first error it returned.
  CURL* curl = nullptr;
  const HttpBodyConsumer* on_body = nullptr;
  Status body_error;
  int body_status = -1;  // the status of the response whose body arrives; -1: not asked yet
  // A streamed request body, and the first error it returned.
  const HttpBodySource* upload = nullptr;
  Status upload_error;
};

// A streamed request keeps this much of a body that is not streamed (an
// error page), for messages.
constexpr size_t kKeptBodyBytes = 1 << 20;
// libcurl's read size: fewer, larger pieces for a streamed body.
constexpr long kStreamBufferBytes = 512 * 1024;

bool IsFileUrl(CURL* curl);

int BodyStatus(Transfer& transfer) {
  if (transfer.body_status < 0) {
    long status = 0;
    curl_easy_getinfo(transfer.curl, CURLINFO_RESPONSE_CODE, &status);
    if (status == 0 && IsFileUrl(transfer.curl)) status = 200;
    transfer.body_status = static_cast<int>(status);
  }
  return transfer.body_status;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  transfer->response.body_bytes += n;
  if (transfer->on_body == nullptr) {
    transfer->response.body.append(data, n);
    return n;
  }
  int status = BodyStatus(*transfer);
  if (status < 200 || status > 299) {
    std::string& kept = transfer->response.body;
    kept.append(data, std::min(n, kKeptBodyBytes - std::min(kKeptBodyBytes, kept.size())));
    return n;
  }
  transfer->body_error = (*transfer->on_body)(std::string_view(data, n));
  return transfer->body_error.ok() ? n : 0;  // 0 stops the transfer (CURLE_WRITE_ERROR)
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  Result<size_t> filled = (*transfer->upload)(buffer, size * count);
  if (!filled.ok()) {
    transfer->upload_error = filled.status();
    return CURL_READFUNC_ABORT;
  }
  return std::min(*filled, size * count);
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
    transfer->response.body.clear();  // a redirect's own body is not the answer
    transfer->response.body_bytes = 0;
    transfer->body_status = -1;
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

// --- SMTP ---

// The message's text as it goes after DATA, read by libcurl in pieces
// (libcurl escapes lines that start with a dot itself).
struct Upload {
  std::string text;
  size_t offset = 0;
};

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  size_t n = std::min(size * count, upload->text.size() - upload->offset);
  std::copy_n(upload->text.data() + upload->offset, n, buffer);
  upload->offset += n;
  return n;
}

// A header value on one line: CR and LF would start a header of their own.
std::string OneLine(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

std::string Base64(std::string_view bytes) {
  static const char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) n |= static_cast<uint8_t>(bytes[i + 2]);
    out += kDigits[(n >> 18) & 63];
    out += kDigits[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[n & 63] : '=';
  }
  return out;
}

// A subject with non-ASCII text is sent as an RFC 2047 encoded word.
std::string EncodedSubject(const std::string& subject) {
  bool ascii = std::all_of(subject.begin(), subject.end(), [](char c) { return static_cast<unsigned char>(c) < 128; });
  return ascii ? subject : "=?UTF-8?B?" + Base64(subject) + "?=";
}

// "Weir <weir@x.org>" -> "<weir@x.org>"; "weir@x.org" -> "<weir@x.org>".
std::string EnvelopeAddress(std::string_view text) {
  std::string one_line = OneLine(text);  // a line break would end the SMTP command early
  std::string_view address = one_line;
  size_t open = address.find('<');
  size_t close = address.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(address.substr(open, close - open + 1));
  }
  return "<" + Trim(address) + ">";
}

std::string MessageText(const SmtpMessage& message, TimePoint now) {
  time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char date[64];
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  std::string to;
  for (const std::string& address : message.to) to += (to.empty() ? "" : ", ") + OneLine(address);
  std::string text = "Date: " + std::string(date) + "\r\nFrom: " + OneLine(message.from) + "\r\nTo: " + to +
                     "\r\nSubject: " + EncodedSubject(OneLine(message.subject)) + "\r\nMessage-ID: <" +
                     std::to_string(t) + "." + std::to_string(std::random_device()()) +
                     "@weir>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: 8bit\r\n\r\n";
  for (char c : message.body) {
    if (c == '\n' && (text.empty() || text.back() != '\r')) text += '\r';
    text += c;
  }
  if (text.size() < 2 || text.compare(text.size() - 2, 2, "\r\n") != 0) text += "\r\n";
  return text;
}

Status SmtpError(CURLcode code, const char* detail, long reply, const Transfer& transfer) {
  std::string message = detail[0] != '\0' ? detail : curl_easy_strerror(code);
  switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return UserError("smtp-bad-url", "cannot send mail to this URL: " + message);
    case CURLE_LOGIN_DENIED:
      return UserError("smtp-auth", "the SMTP server refused the login: " + message);
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
      return UserError("smtp-tls", "no TLS with the SMTP server: " + message);
    case CURLE_ABORTED_BY_CALLBACK:
      if (transfer.cancelled) return Cancelled("sending mail stopped");
      return Fault("timeout", "sending mail timed out");
    default:
      break;
  }
  if (reply >= 500) return UserError("smtp-rejected", "the SMTP server answered " + std::to_string(reply) + ": " + message);
  if (reply >= 400) return Fault("smtp-rejected", "the SMTP server answered " + std::to_string(reply) + ": " + message);
  if (code == CURLE_OPERATION_TIMEDOUT && std::chrono::system_clock::now() >= transfer.deadline) {
    return Fault("timeout", "sending mail timed out");
  }
  return Fault("smtp-connection", "sending mail failed: " + message);
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

namespace {

Result<HttpResponse> Fetch(const HttpRequest& request, const HttpBodyConsumer* on_body, const CancelToken& cancel,
                           TimePoint deadline) {
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
  transfer.curl = curl;
  transfer.on_body = on_body;
  char error[CURL_ERROR_SIZE] = {0};
  if (on_body != nullptr) curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, kStreamBufferBytes);

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
  if (request.upload) {
    transfer.upload = &request.upload;
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);  // a PUT unless the method says otherwise
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.upload_bytes));
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    if (method != "PUT") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  } else if (method == "GET" && !sends_body) {
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
  // No "Expect: 100-continue" round trip before a large body. Not on a
  // signed request: libcurl would sign the empty header it never sends
  // (and S3 answers 100 Continue at once, or refuses before the body).
  if (!request.aws_sigv4) easy.headers = curl_slist_append(easy.headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, easy.headers);
  if (request.basic_user) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.basic_user->c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.basic_password.c_str());
  }
  if (request.aws_sigv4) {
    curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, request.aws_sigv4->scope.c_str());
    curl_easy_setopt(curl, CURLOPT_USERNAME, request.aws_sigv4->access_key_id.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, request.aws_sigv4->secret_access_key.c_str());
    curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  }
  curl_slist* connect_to = nullptr;
  if (!request.connect_to.empty()) {
    connect_to = curl_slist_append(nullptr, ("::" + request.connect_to).c_str());
    curl_easy_setopt(curl, CURLOPT_CONNECT_TO, connect_to);
  }

  CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(connect_to);
  if (code == CURLE_ABORTED_BY_CALLBACK && !transfer.upload_error.ok()) return transfer.upload_error;
  if (code == CURLE_WRITE_ERROR && !transfer.body_error.ok()) return transfer.body_error;
  if (code != CURLE_OK) return TransferError(code, error, transfer);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status == 0 && IsFileUrl(curl)) status = 200;
  transfer.response.status = static_cast<int>(status);
  return std::move(transfer.response);
}

}  // namespace

Result<std::string> ResolveUrl(const std::string& base, const std::string& reference) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> url(curl_url(), curl_url_cleanup);
  if (url == nullptr) return InternalError("curl_url failed");
  if (curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK ||
      curl_url_set(url.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK) {
    return UserError("http-bad-url", "cannot read the link as a URL");  // no URL in it: it may hold secrets
  }
  char* text = nullptr;
  if (curl_url_get(url.get(), CURLUPART_URL, &text, 0) != CURLUE_OK) {
    return UserError("http-bad-url", "cannot read the link as a URL");
  }
  std::string out = text;
  curl_free(text);
  return out;
}

Result<HttpResponse> HttpFetch(const HttpRequest& request, const CancelToken& cancel, TimePoint deadline) {
  return Fetch(request, nullptr, cancel, deadline);
}

Result<HttpResponse> HttpFetchStreaming(const HttpRequest& request, const HttpBodyConsumer& on_body,
                                        const CancelToken& cancel, TimePoint deadline) {
  return Fetch(request, &on_body, cancel, deadline);
}

}  // namespace weir

namespace weir {

Status SmtpSend(const SmtpMessage& message, const CancelToken& cancel, TimePoint deadline) {
  std::call_once(curl_initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (cancel.cancelled()) return Cancelled("sending mail stopped");
  if (message.to.empty()) return UserError("smtp-no-recipients", "an email needs at least one recipient");
  TimePoint now = std::chrono::system_clock::now();
  if (now >= deadline) return Fault("timeout", "sending mail timed out");
  EasyHandle easy;
  if (easy.curl == nullptr) return InternalError("curl_easy_init failed");
  CURL* curl = easy.curl;
  Transfer transfer;
  transfer.cancel = &cancel;
  transfer.deadline = deadline;
  Upload upload{MessageText(message, now)};
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, message.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &transfer);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + std::chrono::milliseconds(1);
  std::chrono::milliseconds limit = message.timeout.count() > 0 ? std::min(message.timeout, left) : left;
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(limit.count()));
  long use_ssl = message.tls == SmtpMessage::Tls::kRequired ? CURLUSESSL_ALL
                 : message.tls == SmtpMessage::Tls::kNone   ? CURLUSESSL_NONE
                                                            : CURLUSESSL_TRY;
  curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
  if (message.username) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, message.username->c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, message.password.c_str());
  }
  std::string from = EnvelopeAddress(message.from);
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  for (const std::string& to : message.to) easy.headers = curl_slist_append(easy.headers, EnvelopeAddress(to).c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, easy.headers);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_OK) return OkStatus();
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  return SmtpError(code, error, reply, transfer);
}

}  // namespace weir
