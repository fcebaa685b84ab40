// Process seam: starting a child in its own process group, waiting for it
// with a deadline, and killing the whole group (so grandchildren die too).
// PosixProcessLauncher is the real one; tests may script their own.
#pragma once

#include <cstdint>
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

// A process as another process can find it again after a crash: the host
// it runs on, its pid, and its start time (field 22 of /proc/<pid>/stat, in
// clock ticks since boot), which tells it apart from a later process that
// got the same pid. A task's process group is named by its leader's.
struct ProcessIdentity {
  std::string host;
  int64_t pid = 0;
  int64_t start_ticks = 0;
  bool empty() const { return pid == 0; }
  friend bool operator==(const ProcessIdentity& a, const ProcessIdentity& b) {
    return a.host == b.host && a.pid == b.pid && a.start_ticks == b.start_ticks;
  }
};

// What one process can learn and do about others on its host: the seam
// for finding and ending what a killed weir left behind. Thread-safe.
class ProcessTable {
 public:
  virtual ~ProcessTable() = default;
  // This process.
  virtual ProcessIdentity Self() = 0;
  // A process of this host by its pid; empty when it is gone.
  virtual ProcessIdentity Identify(int64_t pid) = 0;
  // Whether `process` runs on this host and is still the same process.
  virtual bool Alive(const ProcessIdentity& process) = 0;
  // Whether the process group that `leader` started still has members
  // on this host. Its leader may be gone: a pid that names a live group
  // is never handed out again, so the group is still that one.
  virtual bool GroupAlive(const ProcessIdentity& leader) = 0;
  // SIGTERM to the group, SIGKILL to what is left after `grace`.
  virtual void KillGroup(const ProcessIdentity& leader, Duration grace) = 0;
};

// The real table: /proc, gethostname, kill(2).
class PosixProcessTable final : public ProcessTable {
 public:
  ProcessIdentity Self() override;
  ProcessIdentity Identify(int64_t pid) override;
  bool Alive(const ProcessIdentity& process) override;
  bool GroupAlive(const ProcessIdentity& leader) override;
  void KillGroup(const ProcessIdentity& leader, Duration grace) override;
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
