#include "common/process.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <limits.h>
#include <sstream>
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
  // `output_fd`: the read end of the captured output pipe, or -1.
  PosixProcess(pid_t pid, int output_fd)
      : pid_(pid), pidfd_(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))), output_fd_(output_fd) {}
  ~PosixProcess() override {
    if (!exit_) KillGroup(Duration(0));
    if (pidfd_ >= 0) ::close(pidfd_);
    if (output_fd_ >= 0) ::close(output_fd_);
  }

  int pid() const override { return pid_; }

  std::optional<ProcessExit> Wait(TimePoint deadline, const CancelToken* cancel, const OutputSink& sink) override {
    while (!exit_) {
      if (Reap(WNOHANG)) break;
      if (cancel != nullptr && cancel->cancelled()) return std::nullopt;
      // Rounded up: a wait must not end before its deadline.
      auto left = std::chrono::ceil<Duration>(deadline - std::chrono::system_clock::now());
      if (left.count() <= 0) return std::nullopt;
      int slice = static_cast<int>(std::min<long long>(left.count(), 50));
      if (pidfd_ < 0) slice = std::min(slice, 10);  // no pidfd: poll the exit often
      // At EOF the pipe stays readable: stop watching it, or this spins
      // between the child closing its output and its exit being reapable.
      pollfd fds[2] = {{pidfd_, POLLIN, 0}, {output_open_ ? output_fd_ : -1, POLLIN, 0}};
      ::poll(fds, 2, slice);
      if (fds[1].revents != 0) Drain(sink);
    }
    // Whatever the process wrote before it ended; a background grandchild
    // may keep the pipe open, so take what is there and do not wait for EOF.
    Drain(sink);
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

  void Drain(const OutputSink& sink) {
    if (output_fd_ < 0) return;
    char buffer[65536];
    for (;;) {
      ssize_t n = ::read(output_fd_, buffer, sizeof buffer);
      if (n > 0) {
        if (sink) sink(std::string_view(buffer, static_cast<size_t>(n)));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) output_open_ = false;
      return;  // EAGAIN: nothing more now; 0: closed
    }
  }

  pid_t pid_;
  int pidfd_;
  int output_fd_;
  bool output_open_ = true;  // false once the pipe reached EOF
  std::optional<ProcessExit> exit_;
};

}  // namespace

std::string PosixProcessLauncher::Locate(const std::string& program) {
  if (program.find('/') != std::string::npos) return program;
  {
    MutexLock lock(mu_);
    auto it = located_.find(program);
    if (it != located_.end()) return it->second;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      MutexLock lock(mu_);
      located_[program] = candidate;
      return candidate;
    }
    start = end + 1;
  }
  return "";  // not found: posix_spawnp reports it
}

Result<std::unique_ptr<Process>> PosixProcessLauncher::Start(const ProcessSpec& spec) {
  if (spec.argv.empty()) return InternalError("process started with an empty argv");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  int pipe_fds[2] = {-1, -1};  // close-on-exec, so no other child inherits them
  if (spec.capture_output && ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return Fault("spawn-failed", std::string("cannot create an output pipe: ") + std::strerror(errno));
  }
  std::string out = spec.output_path.empty() ? "/dev/null" : spec.output_path;
  if (spec.capture_output) posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  else if (spec.output_fd >= 0) posix_spawn_file_actions_adddup2(&actions, spec.output_fd, 1);
  else posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
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
  std::string program = Locate(spec.argv[0]);
  int rc = program.empty() ? posix_spawnp(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data())
                           : posix_spawn(&pid, program.c_str(), &actions, &attr, c_argv.data(), c_env.data());
  if (rc == ENOENT && !program.empty()) {  // moved since it was found: search again
    {
      MutexLock lock(mu_);
      located_.erase(spec.argv[0]);
    }
    rc = posix_spawnp(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (pipe_fds[1] >= 0) ::close(pipe_fds[1]);  // the child has its own copy
  if (rc != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    return UserError("spawn-failed", "cannot start '" + spec.argv[0] + "': " + std::strerror(rc));
  }
  if (pipe_fds[0] >= 0) ::fcntl(pipe_fds[0], F_SETFL, O_NONBLOCK);
  return std::unique_ptr<Process>(std::make_unique<PosixProcess>(pid, pipe_fds[0]));
}

namespace {

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// Fields 3 (state) and 22 (starttime) of /proc/<pid>/stat; nullopt when
// there is no such process. The command (field 2) may hold spaces and
// parentheses, so fields are counted from its last ')'.
struct ProcStat {
  char state = '?';
  int64_t start_ticks = 0;
};
std::optional<ProcStat> ReadProcStat(int64_t pid) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!file || !std::getline(file, text)) return std::nullopt;
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(paren + 1));
  ProcStat stat;
  std::string skip;
  fields >> stat.state;
  for (int field = 4; field < 22; ++field) fields >> skip;
  fields >> stat.start_ticks;
  if (!fields) return std::nullopt;
  return stat;
}

bool GroupHasMembers(int64_t pgid) {
  return ::kill(-static_cast<pid_t>(pgid), 0) == 0 || errno == EPERM;
}

}  // namespace

ProcessIdentity PosixProcessTable::Self() { return Identify(::getpid()); }

ProcessIdentity PosixProcessTable::Identify(int64_t pid) {
  std::optional<ProcStat> stat = ReadProcStat(pid);
  if (!stat) return ProcessIdentity{};
  return ProcessIdentity{HostName(), pid, stat->start_ticks};
}

bool PosixProcessTable::Alive(const ProcessIdentity& process) {
  if (process.empty() || process.host != HostName()) return false;
  std::optional<ProcStat> stat = ReadProcStat(process.pid);
  // A zombie has ended; it only waits for its parent to read its status.
  return stat && stat->start_ticks == process.start_ticks && stat->state != 'Z';
}

bool PosixProcessTable::GroupAlive(const ProcessIdentity& leader) {
  if (leader.empty() || leader.host != HostName()) return false;
  std::optional<ProcStat> stat = ReadProcStat(leader.pid);
  if (stat && stat->start_ticks != leader.start_ticks) return false;  // the pid is another process's now
  return GroupHasMembers(leader.pid);
}

void PosixProcessTable::KillGroup(const ProcessIdentity& leader, Duration grace) {
  pid_t group = -static_cast<pid_t>(leader.pid);
  ::kill(group, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (GroupHasMembers(leader.pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(group, SIGKILL);
}

}  // namespace weir
