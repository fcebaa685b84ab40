// Process seam: starting a child in its own process group, waiting for it
// with a deadline, and killing the whole group (so grandchildren die too).
// PosixProcessLauncher is the real one; tests may script their own.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"

namespace weir {

struct ProcessSpec {
  std::vector<std::string> argv;                 // argv[0] is looked up on PATH
  std::string working_dir;                       // empty: inherit
  std::map<std::string, std::string> env;        // added to (and overriding) the parent's
  // Where stdout+stderr go, first that applies: handed to Wait's sink
  // (capture_output), this open descriptor, this file (appended), /dev/null.
  bool capture_output = false;
  int output_fd = -1;
  std::string output_path;
};

struct ProcessExit {
  int exit_code = 0;   // valid when signal == 0
  int signal = 0;      // the signal that ended it, or 0
  bool success() const { return signal == 0 && exit_code == 0; }
};

class Process {
 public:
  virtual ~Process() = default;
  virtual int pid() const = 0;
  // Receives captured output as it arrives, in chunks of any size.
  using OutputSink = std::function<void(std::string_view)>;

  // Waits until the process ends, `deadline` passes or `cancel` is set;
  // nullopt when it is still running. Safe to call again after nullopt.
  // With capture_output, what the process writes goes to `sink` meanwhile
  // (output still buffered when it ends is delivered before Wait returns).
  virtual std::optional<ProcessExit> Wait(TimePoint deadline, const CancelToken* cancel,
                                          const OutputSink& sink = nullptr) = 0;
  // Sends SIGTERM to the whole group, then SIGKILL after `grace`, and reaps.
  virtual ProcessExit KillGroup(Duration grace) = 0;
};

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  virtual Result<std::unique_ptr<Process>> Start(const ProcessSpec& spec) = 0;
};

// Thread-safe. Remembers where on PATH each program was found, so starting
// the same program again costs one exec, not one per PATH folder.
class PosixProcessLauncher final : public ProcessLauncher {
 public:
  Result<std::unique_ptr<Process>> Start(const ProcessSpec& spec) override;

 private:
  std::string Locate(const std::string& program);

  Mutex mu_;
  std::map<std::string, std::string> located_ WEIR_GUARDED_BY(mu_);
};

}  // namespace weir
