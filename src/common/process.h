// Process seam: starting a child in its own process group, waiting for it
// with a deadline, and killing the whole group (so grandchildren die too).
// PosixProcessLauncher is the real one; tests may script their own.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/status.h"

namespace weir {

struct ProcessSpec {
  std::vector<std::string> argv;                 // argv[0] is looked up on PATH
  std::string working_dir;                       // empty: inherit
  std::map<std::string, std::string> env;        // added to (and overriding) the parent's
  std::string output_path;                       // stdout+stderr appended here; empty: /dev/null
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
  // Waits until the process ends, `deadline` passes or `cancel` is set;
  // nullopt when it is still running. Safe to call again after nullopt.
  virtual std::optional<ProcessExit> Wait(TimePoint deadline, const CancelToken* cancel) = 0;
  // Sends SIGTERM to the whole group, then SIGKILL after `grace`, and reaps.
  virtual ProcessExit KillGroup(Duration grace) = 0;
};

class ProcessLauncher {
 public:
  virtual ~ProcessLauncher() = default;
  virtual Result<std::unique_ptr<Process>> Start(const ProcessSpec& spec) = 0;
};

class PosixProcessLauncher final : public ProcessLauncher {
 public:
  Result<std::unique_ptr<Process>> Start(const ProcessSpec& spec) override;
};

}  // namespace weir
