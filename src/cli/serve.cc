// weir serve --scheduler-only [--threads N] [--poll D] [--exit-when-idle]
//
// Runs the scheduler in the foreground until SIGINT/SIGTERM: a run for
// every data interval that closes, `weir trigger`'s queued runs, and runs
// a killed process left behind. The REST API and web UI come with the
// server (without --scheduler-only this says so).
#include <unistd.h>

#include <thread>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "cli/scheduler.h"
#include "schedule/schedule.h"

namespace weir::cli {
namespace {

struct ServeRequest {
  std::string dir = ".";
  bool scheduler_only = false;
  bool exit_when_idle = false;
  std::string poll = "1s";
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

int Serve(const ServeRequest& request) {
  if (!request.scheduler_only) {
    return UsageError("serve", "the REST API and web UI are not built yet (the server issue); "
                               "run the scheduler alone with: weir serve --scheduler-only");
  }
  Result<std::chrono::milliseconds> poll = ParseDuration(request.poll);
  if (!poll.ok() || *poll < std::chrono::milliseconds(10)) {
    return UsageError("serve", "--poll takes a duration of at least 10ms, such as 1s or 500ms");
  }
  StopOnSignal::BlockSignals();
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(request.dir);
  if (loaded == nullptr) return kExitUsage;
  Result<int> lock = LockScheduler(loaded->project);
  if (!lock.ok()) return UsageError("serve", lock.status().message());
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded->project);
  if (!store.ok()) return UsageError("serve", store.status().ToString());
  TaskRuntime runtime(loaded->project);
  SystemClock clock;
  SchedulerOptions options;
  options.threads = request.threads;
  options.poll = *poll;
  options.exit_when_idle = request.exit_when_idle;
  Callbacks callbacks(loaded->project, runtime.services, **store, clock,
                      CallbackOptions{RunOptions(loaded->project, 1, runtime).log_dir});
  Scheduler scheduler(*loaded, **store, runtime, callbacks, clock, options);
  Status served = [&] {
    StopOnSignal stop([&scheduler] { scheduler.Stop(); });
    return scheduler.Serve();
  }();
  DrainCallbacks(callbacks);
  ::close(*lock);
  if (!served.ok()) {
    std::fprintf(stderr, "weir serve: %s\n", served.ToString().c_str());
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace

int ServeCommand(const Args& args) {
  CLI::App app{"Run the scheduler (and, later, the REST API and web UI)", "weir serve"};
  ServeRequest request;
  app.add_flag("--scheduler-only", request.scheduler_only, "run the scheduler without the API and UI");
  app.add_flag("--exit-when-idle", request.exit_when_idle,
               "stop once no run is due, queued or running (for cron and tests)");
  app.add_option("--poll", request.poll, "how often to look for closed intervals and queued runs (default 1s)");
  app.add_option("--threads", request.threads, "tasks run at once within each run (default: cores)")
      ->check(CLI::Range(1, 1024));
  AddProjectOption(app, request.dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  return Serve(request);
}

}  // namespace weir::cli
