// OAuth2Token: the client credentials grant. The token request is a form
// POST to token_url with grant_type=client_credentials (and scope), the
// client authenticated with HTTP basic (RFC 6749 2.3.1) or, with
// `client_auth: body`, by client_id and client_secret in the form.
#include "tasks/internal/http_auth.h"

#include <simdjson.h>

#include "schedule/schedule.h"

namespace weir::tasks_internal {
namespace {

// Tokens are renewed this long before they expire (or at 90% of a shorter
// life), so that a request never carries one that expires on the way.
constexpr auto kRenewEarly = std::chrono::seconds(60);
constexpr size_t kMaxTokenResponseBytes = 1 << 20;

class MemorySink final : public BodySink {
 public:
  Status Write(std::string_view piece) override {
    if (body_.size() + piece.size() > kMaxTokenResponseBytes) {
      return UserError("oauth2-token", "the token endpoint's answer is over 1 MiB");
    }
    body_.append(piece);
    return OkStatus();
  }
  bool Restart() override {
    body_.clear();
    return true;
  }
  const std::string& body() const { return body_; }

 private:
  std::string body_;
};

struct TokenAnswer {
  std::string token;
  std::optional<int64_t> expires_in;  // seconds
};

Result<TokenAnswer> ReadTokenAnswer(const std::string& body, const std::string& shown_url) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view token;
  if (parser.parse(simdjson::padded_string(body)).get(root) != simdjson::SUCCESS || !root.is_object() ||
      root["access_token"].get_string().get(token) != simdjson::SUCCESS || token.empty()) {
    // Not quoted: the answer may hold a token in another shape.
    return UserError("oauth2-token", "the token endpoint " + shown_url +
                                         " answered without a JSON object holding a string 'access_token'");
  }
  TokenAnswer answer{std::string(token), std::nullopt};
  simdjson::dom::element expires;
  if (root["expires_in"].get(expires) == simdjson::SUCCESS) {
    int64_t seconds;
    std::string_view text;
    if (expires.get_int64().get(seconds) == simdjson::SUCCESS) {
      answer.expires_in = seconds;
    } else if (expires.get_string().get(text) == simdjson::SUCCESS && !text.empty() &&
               text.find_first_not_of("0123456789") == std::string_view::npos && text.size() < 10) {
      answer.expires_in = std::stoll(std::string(text));  // some servers send it as a string
    }
  }
  return answer;
}

}  // namespace

Result<std::string> OAuth2Token::Authorization() {
  if (token_ && renew_at_ && session_.clock_.Now() >= *renew_at_) token_.reset();
  if (!token_) {
    WEIR_ASSIGN_OR_RETURN(std::string token, Fetch());
    token_ = std::move(token);
  }
  return "Bearer " + *token_;
}

Result<std::string> OAuth2Token::Fetch() {
  HttpRequest request;
  request.method = "POST";
  request.url = settings_.token_url;
  request.timeout = session_.policy_.timeout;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials";
  if (!settings_.scope.empty()) request.body += "&scope=" + PercentEncode(settings_.scope);
  if (settings_.credentials_in_body) {
    request.body += "&client_id=" + PercentEncode(settings_.client_id) +
                    "&client_secret=" + PercentEncode(settings_.client_secret);
  } else {
    request.basic_user = PercentEncode(settings_.client_id);
    request.basic_password = PercentEncode(settings_.client_secret);
  }
  TimePoint asked = session_.clock_.Now();
  MemorySink answer;
  Result<HttpResponse> got = session_.Exchange(request, "oauth2 token request", answer, false);
  if (!got.ok()) {
    if (got.status().kind() != ErrorKind::kUser) return got.status();
    return UserError("oauth2-token", got.status().message());  // 400 invalid_client and the like
  }
  WEIR_ASSIGN_OR_RETURN(TokenAnswer token, ReadTokenAnswer(answer.body(), settings_.shown_token_url));
  session_.secrets_->Add(token.token);
  ++fetched_;
  renew_at_.reset();
  std::string expiry = "no expiry";
  if (token.expires_in && *token.expires_in > 0) {
    std::chrono::milliseconds life = std::chrono::seconds(*token.expires_in);
    renew_at_ = asked + life - std::min<std::chrono::milliseconds>(kRenewEarly, life / 10);
    expiry = "expires in " + FormatDuration(life);
  }
  session_.log_.Line("oauth2: got a token from " + settings_.shown_token_url + " (" + expiry + ")", false);
  return token.token;
}

}  // namespace weir::tasks_internal
