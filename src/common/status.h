// Status and Result<T>: expected failures as values (STYLE.md, "Errors").
//
// A Status is OK or an error with a kind (who is at fault and whether a retry
// may help), a short stable code ("unknown-key"), a message that puts fixed
// text first and values last, and where it happened. Copyable; an OK Status
// holds no allocation. Not thread-safe to mutate; safe to read concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace weir {

enum class ErrorKind {
  kUser,       // bad input or project: fix it and try again; never retried
  kFault,      // network, lock, timeout, 5xx: a retry may succeed
  kInternal,   // a bug in Weir
  kCancelled,  // stopped on request (signal, timeout of the whole run)
  kSkip,       // not an error: the task decided not to run (Airflow's skip)
  kNotYet,     // not an error: a sensor's condition is not met yet; poke again later
};

std::string_view ErrorKindName(ErrorKind kind);

// Where in a user's file: line and column count from 1; 0 means unknown.
struct SourceLocation {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return !file.empty(); }
  std::string ToString() const;  // "file:line:col", "file:line", "file" or ""
};

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(ErrorKind kind, std::string code, std::string message, SourceLocation where = {});

  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  bool ok() const { return state_ == nullptr; }
  ErrorKind kind() const;
  const std::string& code() const;
  const std::string& message() const;
  const SourceLocation& where() const;
  bool retryable() const { return !ok() && kind() == ErrorKind::kFault; }

  // Prefixes the message with what was being done: "task load: " + message.
  Status WithContext(std::string_view context) const;
  // Sets the location if the error has none yet.
  Status At(SourceLocation where) const;

  // A hint that a retry should wait at least `delay` (an HTTP 429 or 503
  // with Retry-After). Kept by copies, WithContext and At; ignored on OK.
  Status WithRetryAfter(std::chrono::milliseconds delay) const;
  std::optional<std::chrono::milliseconds> retry_after() const;

  // "file:line:col: error[code]: message" (location omitted when unknown).
  std::string ToString() const;

  // Marks an error as deliberately ignored.
  void IgnoreError() const {}

 private:
  struct State {
    ErrorKind kind;
    std::string code;
    std::string message;
    SourceLocation where;
    std::optional<std::chrono::milliseconds> retry_after;
  };
  std::unique_ptr<State> state_;
};

inline Status OkStatus() { return Status(); }
Status UserError(std::string code, std::string message, SourceLocation where = {});
Status Fault(std::string code, std::string message, SourceLocation where = {});
Status InternalError(std::string message);
Status Cancelled(std::string message);
// A task's way of saying it skipped itself; the engine records it as skipped.
Status SkipTask(std::string reason);
// A sensor's way of saying its condition is not met yet: the engine pokes
// it again after its poke interval, without holding a worker meanwhile.
Status NotYet(std::string reason);

// Result<T>: a T or the Status saying why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) status_ = InternalError("Result built from an OK Status");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

namespace internal {
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) { return r.status(); }
[[noreturn]] void CheckFailed(const char* file, int line, const char* expr, const std::string& values);
}  // namespace internal

}  // namespace weir

#define WEIR_CONCAT_INNER(a, b) a##b
#define WEIR_CONCAT(a, b) WEIR_CONCAT_INNER(a, b)

// Returns the error of a Status or Result expression from the current function.
// The Status is copied out before the expression's temporaries die, so
// `WEIR_TRY(MakeResult().status())` is safe (an OK copy allocates nothing).
#define WEIR_TRY(expr)                                                              \
  do {                                                                              \
    ::weir::Status weir_try_status = ::weir::internal::StatusOf(expr);             \
    if (!weir_try_status.ok()) return weir_try_status;                              \
  } while (false)

// WEIR_ASSIGN_OR_RETURN(auto x, MakeX()); declares x from a Result or returns.
#define WEIR_ASSIGN_OR_RETURN(lhs, expr) \
  WEIR_ASSIGN_OR_RETURN_IMPL(WEIR_CONCAT(weir_result_, __LINE__), lhs, expr)
#define WEIR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.status();              \
  lhs = std::move(tmp).value()

// Always-on invariant checks for Weir's own bugs, never for user input.
#define WEIR_CHECK(cond) \
  do { if (!(cond)) ::weir::internal::CheckFailed(__FILE__, __LINE__, #cond, ""); } while (false)
