#include "tasks/internal/attempt_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace weir::tasks_internal {

AttemptLog::~AttemptLog() {
  if (!partial_line_.empty()) WriteShown(std::move(partial_line_));
  if (fd_ >= 0) ::close(fd_);
}

void AttemptLog::Output(std::string_view text) {
  Open();
  partial_line_.append(text);
  size_t end = partial_line_.rfind('\n');
  if (end == std::string::npos) {
    if (partial_line_.size() < (1 << 20)) return;  // a very long line is written anyway
    end = partial_line_.size() - 1;
  }
  std::string whole = partial_line_.substr(0, end + 1);
  partial_line_.erase(0, end + 1);
  WriteShown(std::move(whole));
}

void AttemptLog::Line(const std::string& text, bool always) {
  if (fd_ < 0 && !always) return;
  Open();
  if (!partial_line_.empty()) WriteShown(std::exchange(partial_line_, std::string()) + "\n");
  WriteShown("[weir] " + text + "\n");
}

void AttemptLog::WriteShown(std::string text) {
  WriteAll(secrets_ ? secrets_->Redact(std::move(text)) : text);
}

void AttemptLog::Open() {
  if (fd_ >= 0 || failed_) return;
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  failed_ = fd_ < 0;
  if (fd_ >= 0) WriteAll("[weir] " + header_ + "\n");
}

void AttemptLog::WriteAll(std::string_view text) {
  while (fd_ >= 0 && !text.empty()) {
    ssize_t n = ::write(fd_, text.data(), text.size());
    if (n <= 0) return;  // a log that cannot be written must not fail the task it describes
    text.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace weir::tasks_internal
