#include "cli/run_session.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace weir::cli {
namespace {

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR1);  // ends the signal thread
  return set;
}

}  // namespace

namespace {

// An exclusive flock on .weir/locks/NAME.lock, or the Status of `busy`.
Result<int> TryLock(const ProjectDef& project, const std::string& name, Status busy) {
  std::filesystem::path dir = std::filesystem::path(project.Resolve(".weir")) / "locks";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = (dir / (name + ".lock")).string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Fault("lock", "cannot open lock file", SourceLocation{path});
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return busy;
  }
  return fd;
}

// The scheduler's lock file; pipelines' lock files are named after them.
constexpr const char* kSchedulerLock = "scheduler@";

}  // namespace

Result<int> LockPipeline(const ProjectDef& project, const std::string& pipeline) {
  return TryLock(project, pipeline,
                 UserError("pipeline-busy", "another weir process is running pipeline '" + pipeline +
                                                "'; wait for it or stop it first (with a scheduler running, "
                                                "use weir trigger)"));
}

Result<int> LockScheduler(const ProjectDef& project) {
  return TryLock(project, kSchedulerLock,
                 UserError("scheduler-running", "a scheduler is already running for this project"));
}

Result<int> LockStream(const ProjectDef& project, const std::string& stream) {
  return TryLock(project, "stream@" + stream,
                 UserError("stream-running", "stream '" + stream + "' is already running in this project"));
}

bool SchedulerRunning(const ProjectDef& project) {
  Result<int> lock = LockScheduler(project);
  if (!lock.ok()) return lock.status().code() == "scheduler-running";
  ::close(*lock);
  return false;
}

void StopOnSignal::BlockSignals() {
  sigset_t set = HandledSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopOnSignal::StopOnSignal(std::function<void()> stop) {
  thread_ = std::thread([stop = std::move(stop)] {
    sigset_t set = HandledSignals();
    int sig = 0;
    while (sigwait(&set, &sig) == 0 && sig != SIGUSR1) {
      std::fprintf(stderr, "\nstopping: cancelling running tasks...\n");
      stop();
    }
  });
}

StopOnSignal::~StopOnSignal() {
  pthread_kill(thread_.native_handle(), SIGUSR1);
  thread_.join();
}

void DrainCallbacks(Callbacks& callbacks) {
  StopOnSignal stop([&callbacks] { callbacks.Abandon(); });
  callbacks.Drain(std::chrono::minutes(1));
}

std::map<std::string, int> TaskRuntime::PoolSizes(const ProjectDef& project) {
  std::map<std::string, int> sizes = project.pools;
  for (const PipelineDef& p : project.pipelines) {
    if (p.max_active_tasks > 0) sizes["pipeline:" + p.name] = p.max_active_tasks;
  }
  return sizes;
}

ExecutorOptions RunOptions(const ProjectDef& project, int threads, TaskRuntime& runtime) {
  ExecutorOptions options;
  options.threads = threads;
  options.pools = &runtime.pools;
  options.log_dir = std::filesystem::absolute(project.Resolve(".weir/logs")).string();
  options.processes = &runtime.process_table;
  options.heartbeat = project.heartbeat.interval;
  return options;
}

bool LiveTerminal() {
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && term != nullptr && std::string(term) != "dumb";
}

std::unique_ptr<DateRun> OpenDateRun(const std::string& command, const std::string& dir,
                                     const std::string& pipeline, const std::string& date) {
  auto fail = [&command](const std::string& why) -> std::unique_ptr<DateRun> {
    UsageError(command, why);
    return nullptr;
  };
  auto opened = std::make_unique<DateRun>();
  opened->loaded = LoadValidProject(dir);
  if (opened->loaded == nullptr) return nullptr;
  opened->graph = FindPipelineOrComplain(*opened->loaded, pipeline);
  if (opened->graph == nullptr) return nullptr;
  Result<int> lock = LockPipeline(opened->loaded->project, pipeline);  // held until the process ends
  if (!lock.ok()) return fail(lock.status().message());
  Result<std::unique_ptr<StateStore>> store = OpenState(opened->loaded->project);
  if (!store.ok()) return fail(store.status().ToString());
  opened->store = std::move(*store);
  Result<std::vector<RunRecord>> runs = opened->store->ListRuns(RunFilter{pipeline, date, 1});
  if (!runs.ok()) return fail(runs.status().ToString());
  if (runs->empty()) return fail("no run of '" + pipeline + "' for " + date);
  opened->run = runs->front();
  return opened;
}

Result<RunRecord> ResumeRun(StateStore& store, const RunRecord& run, Clock& clock,
                            const std::function<void(const std::string&)>& say) {
  // Whoever ran it is gone (the caller holds the pipeline's lock), but the
  // tasks it started may not be: they would run twice at once.
  PosixProcessTable processes;
  RecoveryOptions recovery;
  recovery.processes = &processes;
  recovery.say = say ? say : [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  WEIR_TRY(KillOrphanedProcessGroups(store, run.id, recovery).status());
  WEIR_TRY(store.InterruptRunningAttempts(run.id, clock.Now()).status());
  if (run.state == RunState::kQueued) {
    // A queued run starts now; a scheduler may have queued it again after
    // stopping it, hence the interrupted attempts above.
    WEIR_ASSIGN_OR_RETURN(bool claimed, store.StartQueuedRun(run.id, clock.Now()));
    if (!claimed) {
      return UserError("run-taken", "run " + std::to_string(run.id.value) + " of " + run.pipeline +
                                        " was started by another process");
    }
    return store.GetRun(run.id);
  }
  WEIR_TRY(store.ReopenRun(run.id));
  std::fprintf(stderr, "resuming run %lld of %s for %s (was %s)\n", static_cast<long long>(run.id.value),
               run.pipeline.c_str(), run.ds.c_str(), std::string(RunStateName(run.state)).c_str());
  return run;
}

Result<RunRecord> NewRunFor(StateStore& store, const PipelineGraph& graph, const DataInterval& interval,
                            const std::string& params_json, Clock& clock, const std::string& run_type) {
  NewRun n{graph.pipeline().name, interval.ds, interval.start_iso, interval.end_iso, clock.Now(), {}, params_json};
  n.run_type = run_type;
  for (int i : graph.order()) n.task_ids.push_back(graph.id(i));
  return store.CreateRun(n);
}

}  // namespace weir::cli
