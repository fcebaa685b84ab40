// AttemptLog: an attempt's log file, shared by the task kinds.
#pragma once

#include <string>
#include <string_view>

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

  // Output of the task itself (a command's stdout/stderr).
  void Output(std::string_view text);
  // A line of Weir's own; `always` creates the log even if nothing else did.
  void Line(const std::string& text, bool always = true);

 private:
  void Open();
  void WriteAll(std::string_view text);

  std::string path_;
  std::string header_;
  int fd_ = -1;
  bool failed_ = false;
};

}  // namespace weir::tasks_internal
