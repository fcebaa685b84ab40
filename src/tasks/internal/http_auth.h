// OAuth2Token: an http task's OAuth2 client-credentials token (RFC 6749
// 4.4), fetched through the task's HttpSession when first needed, reused by
// every later request and renewed shortly before it expires or when a
// request answers 401 (http_auth.cc).
#pragma once

#include <optional>
#include <string>

#include "tasks/internal/http_request.h"

namespace weir::tasks_internal {

// Not thread-safe; owned by its session.
class OAuth2Token {
 public:
  OAuth2Token(OAuth2Settings settings, HttpSession& session) : settings_(std::move(settings)), session_(session) {}

  // "Bearer TOKEN", fetching a token first if there is none or it is
  // about to expire. UserError "oauth2-token" when the token endpoint
  // refuses or answers without a token; its faults are retried as the
  // session's requests are.
  Result<std::string> Authorization();
  // Forgets the token (the API refused it), so the next call fetches one.
  void Renew() { token_.reset(); }
  int fetched() const { return fetched_; }

 private:
  Result<std::string> Fetch();

  OAuth2Settings settings_;
  HttpSession& session_;
  std::optional<std::string> token_;
  std::optional<TimePoint> renew_at_;  // none: it does not expire
  int fetched_ = 0;
};

}  // namespace weir::tasks_internal
