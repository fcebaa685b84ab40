#include "common/process.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace weir {
namespace {

ProcessExit DecodeWaitStatus(int status) {
  ProcessExit exit;
  if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
  else exit.exit_code = WEXITSTATUS(status);
  return exit;
}

std::vector<std::string> MergedEnvironment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::string name = entry.substr(0, entry.find('='));
    if (overrides.count(name) == 0) out.push_back(std::move(entry));
  }
  for (const auto& [name, value] : overrides) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

class PosixProcess final : public Process {
 public:
  explicit PosixProcess(pid_t pid) : pid_(pid), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))) {}
  ~PosixProcess() override {
    if (!exit_) KillGroup(Duration(0));
    if (pidfd_ >= 0) ::close(pidfd_);
  }

  int pid() const override { return pid_; }

  std::optional<ProcessExit> Wait(TimePoint deadline, const CancelToken* cancel) override {
    while (!exit_) {
      if (Reap(WNOHANG)) break;
      if (cancel != nullptr && cancel->cancelled()) return std::nullopt;
      auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::system_clock::now());
      if (left.count() <= 0) return std::nullopt;
      int slice = static_cast<int>(std::min<long long>(left.count(), 50));
      if (pidfd_ >= 0) {
        pollfd pfd{pidfd_, POLLIN, 0};
        ::poll(&pfd, 1, slice);
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(slice, 10)));
      }
    }
    return exit_;
  }

  ProcessExit KillGroup(Duration grace) override {
    if (exit_) {
      ::kill(-pid_, SIGKILL);  // the leader is gone; stragglers in its group are not
      return *exit_;
    }
    ::kill(-pid_, SIGTERM);
    auto deadline = std::chrono::system_clock::now() + grace;
    while (!Reap(WNOHANG) && std::chrono::system_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(-pid_, SIGKILL);
    if (!exit_) Reap(0);
    return *exit_;
  }

 private:
  bool Reap(int flags) {
    int status = 0;
    pid_t r;
    do { r = ::waitpid(pid_, &status, flags); } while (r < 0 && errno == EINTR);
    if (r == pid_) {
      exit_ = DecodeWaitStatus(status);
      return true;
    }
    if (r < 0) {  // not our child any more: treat as lost
      exit_ = ProcessExit{-1, 0};
      return true;
    }
    return false;
  }

  pid_t pid_;
  int pidfd_;
  std::optional<ProcessExit> exit_;
};

}  // namespace

Result<std::unique_ptr<Process>> PosixProcessLauncher::Start(const ProcessSpec& spec) {
  if (spec.argv.empty()) return InternalError("process started with an empty argv");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::string out = spec.output_path.empty() ? "/dev/null" : spec.output_path;
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  if (!spec.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t default_signals;
  sigemptyset(&default_signals);
  sigaddset(&default_signals, SIGINT);
  sigaddset(&default_signals, SIGTERM);
  sigaddset(&default_signals, SIGPIPE);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  // Own session and process group: Ctrl-C on the terminal reaches Weir, which
  // then stops the child's whole group itself.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = MergedEnvironment(spec.env);
  std::vector<char*> c_argv = CStrings(argv);
  std::vector<char*> c_env = CStrings(env);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return UserError("spawn-failed", "cannot start '" + spec.argv[0] + "': " + std::strerror(rc));
  }
  return std::unique_ptr<Process>(std::make_unique<PosixProcess>(pid));
}

}  // namespace weir
