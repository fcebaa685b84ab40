#include "common/status.h"

#include <cstdio>
#include <cstdlib>

namespace weir {

std::string_view ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUser: return "user error";
    case ErrorKind::kFault: return "fault";
    case ErrorKind::kInternal: return "internal error";
    case ErrorKind::kCancelled: return "cancelled";
    case ErrorKind::kSkip: return "skipped";
    case ErrorKind::kNotYet: return "not yet";
  }
  return "unknown";
}

std::string SourceLocation::ToString() const {
  if (file.empty()) return "";
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

Status::Status(ErrorKind kind, std::string code, std::string message, SourceLocation where)
    : state_(std::make_unique<State>(State{kind, std::move(code), std::move(message), std::move(where), {}})) {}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  return *this;
}

ErrorKind Status::kind() const {
  WEIR_CHECK(state_ != nullptr);
  return state_->kind;
}

const std::string& Status::code() const {
  static const std::string kOkCode = "ok";
  return state_ ? state_->code : kOkCode;
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

const SourceLocation& Status::where() const {
  static const SourceLocation kNowhere;
  return state_ ? state_->where : kNowhere;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  Status copy = *this;
  copy.state_->message = std::string(context) + ": " + copy.state_->message;
  return copy;
}

Status Status::At(SourceLocation where) const {
  if (ok() || state_->where.known()) return *this;
  Status copy = *this;
  copy.state_->where = std::move(where);
  return copy;
}

Status Status::WithRetryAfter(std::chrono::milliseconds delay) const {
  if (ok()) return *this;
  Status copy = *this;
  copy.state_->retry_after = delay;
  return copy;
}

std::optional<std::chrono::milliseconds> Status::retry_after() const {
  return state_ ? state_->retry_after : std::nullopt;
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out;
  if (state_->where.known()) out = state_->where.ToString() + ": ";
  out += "error[" + state_->code + "]: " + state_->message;
  return out;
}

Status UserError(std::string code, std::string message, SourceLocation where) {
  return Status(ErrorKind::kUser, std::move(code), std::move(message), std::move(where));
}
Status Fault(std::string code, std::string message, SourceLocation where) {
  return Status(ErrorKind::kFault, std::move(code), std::move(message), std::move(where));
}
Status InternalError(std::string message) {
  return Status(ErrorKind::kInternal, "internal", std::move(message));
}
Status SkipTask(std::string reason) {
  return Status(ErrorKind::kSkip, "skipped", std::move(reason));
}

Status NotYet(std::string reason) {
  return Status(ErrorKind::kNotYet, "not-yet", std::move(reason));
}

Status Cancelled(std::string message) {
  return Status(ErrorKind::kCancelled, "cancelled", std::move(message));
}

namespace internal {
void CheckFailed(const char* file, int line, const char* expr, const std::string& values) {
  std::fprintf(stderr, "weir: internal check failed at %s:%d: %s%s%s\n", file, line, expr,
               values.empty() ? "" : " with ", values.c_str());
  std::abort();
}
}  // namespace internal

}  // namespace weir
