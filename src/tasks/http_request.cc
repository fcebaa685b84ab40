// The http task's request as it is written: url, headers, auth, body and
// method rendered (PrepareHttpRequest), and the keys that say how it is sent
// (request_retries, request_timeout, rate_limit).
#include <algorithm>
#include <cctype>
#include <cmath>

#include "common/text.h"
#include "schedule/schedule.h"
#include "tasks/internal/data.h"
#include "tasks/internal/http_request.h"

namespace weir::tasks_internal {
namespace {

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// A YAML body (mapping or list) as JSON, its strings rendered as templates.
// Unquoted numbers, booleans and null keep their JSON types.
Result<std::string> BodyJson(const ConfigNode& node, const TemplateContext& names) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return std::string("null");
    case ConfigNode::Kind::kScalar: {
      if (!node.quoted()) {
        const std::string& s = node.scalar();
        if (s == "true" || s == "false" || s == "null" || IsJsonNumber(s)) return s;
      }
      WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(node, "'body'", names));
      return JsonString(text.text);
    }
    case ConfigNode::Kind::kSequence: {
      std::string out = "[";
      for (const ConfigNode& item : node.items()) {
        WEIR_ASSIGN_OR_RETURN(std::string json, BodyJson(item, names));
        out += (out.size() > 1 ? ", " : "") + json;
      }
      return out + "]";
    }
    case ConfigNode::Kind::kMap: {
      std::string out = "{";
      for (const auto& [key, value] : node.entries()) {
        WEIR_ASSIGN_OR_RETURN(std::string json, BodyJson(value, names));
        out += (out.size() > 1 ? ", " : "") + JsonString(key.scalar()) + ": " + json;
      }
      return out + "}";
    }
  }
  return std::string("null");
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool IsCredentialHeader(const std::string& name) {
  std::string n = Lower(name);
  return n == "authorization" || n == "proxy-authorization" || n == "cookie" || n == "x-api-key" ||
         n == "api-key" || n == "x-auth-token";
}

bool HasHeader(const HttpRequest& request, std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    if (Lower(name) == lower_name) return true;
  }
  return false;
}

std::string Encoded(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

// `url` with the query parameter `name` set to `encoded_value` (already
// percent-encoded), replacing any with that name; the fragment stays last.
std::string WithEncodedQueryParam(std::string_view url, std::string_view name, const std::string& encoded_value) {
  size_t hash = url.find('#');
  std::string_view fragment = hash == std::string_view::npos ? "" : url.substr(hash);
  std::string_view rest = url.substr(0, hash);
  size_t question = rest.find('?');
  std::string out(rest.substr(0, question));
  const std::string encoded_name = Encoded(name);
  std::string query;
  if (question != std::string_view::npos) {
    std::string_view params = rest.substr(question + 1);
    while (!params.empty()) {
      size_t amp = params.find('&');
      std::string_view param = params.substr(0, amp);
      std::string_view param_name = param.substr(0, param.find('='));
      if (!param.empty() && param_name != encoded_name && param_name != name) {
        query += (query.empty() ? "" : "&") + std::string(param);
      }
      params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    }
  }
  query += (query.empty() ? "" : "&") + encoded_name + "=" + encoded_value;
  return out + "?" + query + std::string(fragment);
}

constexpr const char* kAuthShapes =
    "'auth' must be {bearer: TOKEN}, {basic: {user: NAME, password: SECRET}}, "
    "{api_key: {header: NAME, value: KEY}}, {api_key: {query: NAME, value: KEY}} or "
    "{oauth2: {token_url: URL, client_id: ID, client_secret: SECRET, scope: SCOPE}}";

// The mapping `node` may hold only `allowed` and must hold `required`.
Status CheckAuthKeys(const ConfigNode& node, const std::string& what, const std::vector<std::string>& allowed,
                     const std::vector<std::string>& required) {
  if (!node.is_map()) return UserError("bad-auth", "'" + what + "' must be a mapping; " + kAuthShapes, node.where());
  for (const auto& [key, value] : node.entries()) {
    if (std::find(allowed.begin(), allowed.end(), key.scalar()) != allowed.end()) continue;
    return UserError("unknown-key", "'" + what + "' has no key '" + key.scalar() + "'" +
                                     DidYouMean(key.scalar(), allowed) + " (its keys: " + QuotedList(allowed) + ")",
                     key.where());
  }
  for (const std::string& key : required) {
    if (node.Find(key) == nullptr) return UserError("bad-auth", "'" + what + "' needs '" + key + "'", node.where());
  }
  return OkStatus();
}

Status PrepareApiKey(const ConfigNode& api_key, const TemplateContext& names, PreparedRequest& p) {
  WEIR_TRY(CheckAuthKeys(api_key, "auth.api_key", {"header", "query", "value"}, {"value"}));
  const ConfigNode* header = api_key.Find("header");
  const ConfigNode* query = api_key.Find("query");
  if ((header == nullptr) == (query == nullptr)) {
    return UserError("bad-auth", "'auth.api_key' needs either 'header' (a header name) or 'query' (a query "
                                 "parameter name)", api_key.where());
  }
  WEIR_ASSIGN_OR_RETURN(RenderedText value, RenderNode(*api_key.Find("value"), "'auth.api_key.value'", names));
  p.credentials.push_back(value.text);
  p.credentials.push_back(Encoded(value.text));  // as it is in URLs
  if (header != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string name, header->AsString("'auth.api_key.header'"));
    p.request.headers.emplace_back(name, value.text);
    p.shown_headers.push_back(name + ": ***");
    return OkStatus();
  }
  WEIR_ASSIGN_OR_RETURN(std::string name, query->AsString("'auth.api_key.query'"));
  p.query_key = std::make_pair(name, value.text);
  p.request.url = WithQueryParam(p.request.url, name, value.text);
  p.shown_url = WithEncodedQueryParam(p.shown_url, name, "***");
  return OkStatus();
}

Status PrepareOAuth2(const ConfigNode& oauth2, const TemplateContext& names, PreparedRequest& p) {
  WEIR_TRY(CheckAuthKeys(oauth2, "auth.oauth2", {"token_url", "client_id", "client_secret", "scope", "client_auth"},
                         {"token_url", "client_id", "client_secret"}));
  OAuth2Settings s;
  WEIR_ASSIGN_OR_RETURN(RenderedText url, RenderNode(*oauth2.Find("token_url"), "'auth.oauth2.token_url'", names));
  s.token_url = url.text;
  s.shown_token_url = url.shown;
  WEIR_ASSIGN_OR_RETURN(RenderedText id, RenderNode(*oauth2.Find("client_id"), "'auth.oauth2.client_id'", names));
  s.client_id = id.text;
  WEIR_ASSIGN_OR_RETURN(RenderedText secret,
                        RenderNode(*oauth2.Find("client_secret"), "'auth.oauth2.client_secret'", names));
  s.client_secret = secret.text;
  p.credentials.push_back(secret.text);
  if (const ConfigNode* scope = oauth2.Find("scope"); scope != nullptr && !scope->is_null()) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(*scope, "'auth.oauth2.scope'", names));
    s.scope = text.text;
  }
  if (const ConfigNode* how = oauth2.Find("client_auth"); how != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string text, how->AsString("'auth.oauth2.client_auth'"));
    if (text != "basic" && text != "body") {
      return UserError("bad-auth", "'auth.oauth2.client_auth' must be 'basic' or 'body', got '" + text + "'",
                       how->where());
    }
    s.credentials_in_body = text == "body";
  }
  p.oauth2 = std::move(s);
  p.shown_headers.push_back("Authorization: ***");
  return OkStatus();
}

Status PrepareAuth(const ConfigNode& auth, const TemplateContext& names, bool allow_oauth2, PreparedRequest& p) {
  if (!auth.is_map() || auth.entries().size() != 1) return UserError("bad-auth", kAuthShapes, auth.where());
  const std::string& type = auth.entries()[0].first.scalar();
  const ConfigNode& value = auth.entries()[0].second;
  if (type == "bearer") {
    WEIR_ASSIGN_OR_RETURN(RenderedText token, RenderNode(value, "'auth.bearer'", names));
    p.request.headers.emplace_back("Authorization", "Bearer " + token.text);
    p.shown_headers.push_back("Authorization: ***");
    return OkStatus();
  }
  if (type == "basic") {
    WEIR_TRY(CheckAuthKeys(value, "auth.basic", {"user", "password"}, {"user", "password"}));
    WEIR_ASSIGN_OR_RETURN(RenderedText user, RenderNode(*value.Find("user"), "'auth.basic.user'", names));
    WEIR_ASSIGN_OR_RETURN(RenderedText password, RenderNode(*value.Find("password"), "'auth.basic.password'", names));
    p.request.basic_user = user.text;
    p.request.basic_password = password.text;
    p.shown_headers.push_back("Authorization: ***");
    return OkStatus();
  }
  if (type == "api_key") return PrepareApiKey(value, names, p);
  if (type == "oauth2") {
    if (!allow_oauth2) {
      return UserError("bad-auth", "'auth.oauth2' is for http tasks; a sensor takes bearer, basic or api_key",
                       auth.where());
    }
    return PrepareOAuth2(value, names, p);
  }
  return UserError("bad-auth", std::string(kAuthShapes) + "; got '" + type + "'" +
                                   DidYouMean(type, {"bearer", "basic", "api_key", "oauth2"}),
                   auth.entries()[0].first.where());
}

// A body makes the method POST unless `method:` says otherwise.
Status PrepareBody(const TaskDef& task, const TemplateContext& names, PreparedRequest& p) {
  const ConfigNode* body = task.param("body");
  if (body == nullptr || body->is_null()) return OkStatus();
  p.request.method = "POST";
  if (body->is_scalar()) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderParam(task, "body", names));
    p.request.body = text.text;
    return OkStatus();
  }
  WEIR_ASSIGN_OR_RETURN(p.request.body, BodyJson(*body, names));
  if (!HasHeader(p.request, "content-type")) {
    p.request.headers.emplace_back("Content-Type", "application/json");
    p.shown_headers.push_back("Content-Type: application/json");
  }
  return OkStatus();
}

Result<PreparedRequest> Prepare(const TaskDef& task, const TemplateContext& names, bool allow_oauth2) {
  PreparedRequest p;
  WEIR_ASSIGN_OR_RETURN(RenderedText url, RenderParam(task, "url", names));
  p.request.url = url.text;
  p.shown_url = url.shown;
  if (const ConfigNode* headers = task.param("headers"); headers != nullptr && !headers->is_null()) {
    if (!headers->is_map()) {
      return UserError("wrong-type", "'headers' must map header names to strings, got " +
                                         std::string(headers->Describe()), headers->where());
    }
    for (const auto& [name, value] : headers->entries()) {
      WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, "header '" + name.scalar() + "'", names));
      p.request.headers.emplace_back(name.scalar(), text.text);
      p.shown_headers.push_back(name.scalar() + ": " + (IsCredentialHeader(name.scalar()) ? "***" : text.shown));
    }
  }
  if (const ConfigNode* auth = task.param("auth"); auth != nullptr && !auth->is_null()) {
    WEIR_TRY(PrepareAuth(*auth, names, allow_oauth2, p));
  }
  p.request.method = "GET";
  WEIR_TRY(PrepareBody(task, names, p));
  if (const ConfigNode* method = task.param("method"); method != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string m, method->AsString("'method'"));
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
    static const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    if (std::find(std::begin(kMethods), std::end(kMethods), m) == std::end(kMethods)) {
      return UserError("bad-method", "'method' must be GET, POST, PUT, PATCH, DELETE or HEAD, got '" + m + "'",
                       method->where());
    }
    p.request.method = m;
  }
  return p;
}

// "10/s", "2.5/sec", "600/m", "100/min", "1000/h": the time between two requests.
Result<std::chrono::milliseconds> ParseRateLimit(const ConfigNode& node) {
  auto bad = [&] {
    return UserError("bad-value", "'rate_limit' must be requests per second, minute or hour, such as '10/s', "
                                  "'600/m' or '1000/h', got '" + node.scalar() + "'", node.where());
  };
  if (!node.is_scalar()) return bad();
  const std::string& text = node.scalar();
  size_t slash = text.find('/');
  if (slash == std::string::npos || slash == 0) return bad();
  std::string unit = Lower(text.substr(slash + 1));
  double per_ms;
  if (unit == "s" || unit == "sec" || unit == "second") per_ms = 1000;
  else if (unit == "m" || unit == "min" || unit == "minute") per_ms = 60'000;
  else if (unit == "h" || unit == "hour") per_ms = 3'600'000;
  else return bad();
  std::string count = text.substr(0, slash);
  char* end = nullptr;
  double n = std::strtod(count.c_str(), &end);
  if (end != count.c_str() + count.size() || !(n > 0) || !std::isfinite(n)) return bad();
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(per_ms / n)));
}

}  // namespace

Result<PreparedRequest> PrepareHttpRequest(const TaskDef& task, const TemplateContext& names) {
  return Prepare(task, names, false);
}

Result<PreparedRequest> PrepareHttpTaskRequest(const TaskDef& task, const TemplateContext& names) {
  return Prepare(task, names, true);
}

std::string PercentEncode(std::string_view text) { return Encoded(text); }

std::string WithQueryParam(std::string_view url, std::string_view name, std::string_view value) {
  return WithEncodedQueryParam(url, name, Encoded(value));
}


Result<RequestPolicy> ReadRequestPolicy(const TaskDef& task, int default_retries) {
  RequestPolicy policy;
  policy.retries = default_retries;
  policy.max_delay = task.retry.max_delay;
  if (const ConfigNode* node = task.param("request_retries"); node != nullptr) {
    WEIR_ASSIGN_OR_RETURN(int64_t n, node->AsInt("'request_retries'"));
    if (n < 0 || n > 100) {
      return UserError("out-of-range", "'request_retries' must be 0 to 100, got " + std::to_string(n), node->where());
    }
    policy.retries = static_cast<int>(n);
  }
  if (const ConfigNode* node = task.param("request_timeout"); node != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string text, node->AsString("'request_timeout'"));
    Result<std::chrono::milliseconds> d = ParseDuration(text);
    if (!d.ok()) return d.status().At(node->where());
    policy.timeout = *d;
  }
  if (const ConfigNode* node = task.param("rate_limit"); node != nullptr) {
    WEIR_ASSIGN_OR_RETURN(policy.min_interval, ParseRateLimit(*node));
  }
  return policy;
}

std::string BodyExcerpt(std::string_view body, size_t limit) {
  std::string out;
  size_t end = std::min(limit, body.size());
  while (end > 0 && end < body.size() && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) --end;  // whole UTF-8
  for (char c : body.substr(0, end)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (end < body.size()) out += "...";
  return out;
}

Status HttpStatusError(const std::string& request_line, const HttpResponse& response, const SecretValues& secrets,
                       const std::string& log_path, std::chrono::milliseconds max_delay, TimePoint now) {
  // Redacted before it is cut, so that no secret is cut in half and half shown.
  constexpr size_t kRedactedBodyBytes = 64 * 1024;
  constexpr size_t kMessageBodyBytes = 200;
  int status = response.status;
  std::string message = request_line + " answered " + std::to_string(status);
  if (!response.body.empty()) {
    message += ": " + BodyExcerpt(secrets.Redact(response.body.substr(0, kRedactedBodyBytes)), kMessageBodyBytes);
  }
  message += " (log: " + log_path + ")";
  std::string code = "http-" + std::to_string(status);
  bool retryable = status == 408 || status == 429 || status >= 500;
  if (!retryable) return UserError(code, message);
  Status fault = Fault(code, message);
  if (std::optional<std::chrono::milliseconds> wait = response.RetryAfter(now)) {
    fault = fault.WithRetryAfter(std::min(*wait, max_delay));
  }
  return fault;
}

}  // namespace weir::tasks_internal
