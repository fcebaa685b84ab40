// AttemptLog: an attempt's log file, shared by the task kinds.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tasks/internal/secret_values.h"

namespace weir::tasks_internal {

// The attempt's log. Created only when there is something to keep (the
// command wrote output, or the attempt failed): a thousand quiet tasks
// should not cost a thousand files. Not thread-safe; one per attempt.
class AttemptLog {
 public:
  AttemptLog(std::string path, std::string header) : path_(std::move(path)), header_(std::move(header)) {}
  ~AttemptLog();
  AttemptLog(const AttemptLog&) = delete;
  AttemptLog& operator=(const AttemptLog&) = delete;

  // From now on every secret in `secrets` is written as '***'.
  void SetSecrets(std::shared_ptr<const SecretValues> secrets) { secrets_ = std::move(secrets); }
  // Output of the task itself (a command's stdout/stderr). Held back to
  // whole lines, so that a secret split across two chunks is still found.
  void Output(std::string_view text);
  // A line of Weir's own; `always` creates the log even if nothing else did.
  void Line(const std::string& text, bool always = true);

 private:
  void Open();
  void WriteAll(std::string_view text);
  void WriteShown(std::string text);  // redacted, then written

  std::string path_;
  std::string header_;
  std::shared_ptr<const SecretValues> secrets_;
  std::string partial_line_;  // output after the last newline
  int fd_ = -1;
  bool failed_ = false;
};

}  // namespace weir::tasks_internal
