#include "tasks/internal/attempt_log.h"

#include <fcntl.h>
#include <unistd.h>

namespace weir::tasks_internal {

AttemptLog::~AttemptLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AttemptLog::Output(std::string_view text) {
  Open();
  WriteAll(text);
}

void AttemptLog::Line(const std::string& text, bool always) {
  if (fd_ < 0 && !always) return;
  Open();
  WriteAll("[weir] " + text + "\n");
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
