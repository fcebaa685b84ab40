// weir serve [--port 8080] [--host 127.0.0.1] [--scheduler-only]
//            [--threads N] [--poll D] [--exit-when-idle]
//
// Runs the scheduler in the foreground until SIGINT/SIGTERM: a run for
// every data interval that closes, `weir trigger`'s queued runs, and runs
// a killed process left behind. Beside it, in the same process, the HTTP
// server (src/server): the REST API, /metrics and the health checks, on
// host:port (port 0: any free port); `--scheduler-only` leaves it out.
#include <unistd.h>

#include <thread>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "cli/scheduler.h"
#include "schedule/schedule.h"
#include "server/server.h"

namespace weir::cli {
namespace {

struct ServeRequest {
  std::string dir = ".";
  bool scheduler_only = false;
  bool exit_when_idle = false;
  std::string poll = "1s";
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::string host = "127.0.0.1";
  int port = 8080;
};

// The server's view of the scheduler running beside it.
class SchedulerViewOf final : public SchedulerView {
 public:
  explicit SchedulerViewOf(Scheduler& scheduler) : scheduler_(scheduler) {}
  std::optional<TimePoint> LastTick() const override { return scheduler_.progress().last_tick; }
  int64_t Ticks() const override { return scheduler_.progress().ticks; }
  std::chrono::milliseconds Poll() const override { return scheduler_.poll(); }
  void Cancel(RunId run) override { scheduler_.Cancel(run); }

 private:
  Scheduler& scheduler_;
};

// The REST API on its own connection to the state store, so that its
// reads never queue behind the scheduler's writes. Prints the address it
// listens on (tests read the port from it). Null after printing why.
std::unique_ptr<Server> StartServer(const ServeRequest& request, const LoadedProject& loaded, Clock& clock,
                                    SchedulerView& scheduler, std::unique_ptr<StateStore>& store) {
  Result<std::unique_ptr<StateStore>> opened = OpenState(loaded.project);
  if (!opened.ok()) {
    UsageError("serve", opened.status().ToString());
    return nullptr;
  }
  store = std::move(*opened);
  ServerContext context;
  context.project = &loaded.project;
  for (const auto& graph : loaded.graphs) context.graphs.push_back(graph.get());
  context.store = store.get();
  context.clock = &clock;
  context.scheduler = &scheduler;
  ServerOptions options;
  options.host = request.host;
  options.port = request.port;
  Result<std::unique_ptr<Server>> server = Server::Start(std::move(context), options);
  if (!server.ok()) {
    UsageError("serve", server.status().message());
    return nullptr;
  }
  std::printf("serving on %s\n", (*server)->url().c_str());
  std::fflush(stdout);
  return std::move(*server);
}

int Serve(const ServeRequest& request) {
  Result<std::chrono::milliseconds> poll = ParseDuration(request.poll);
  if (!poll.ok() || *poll < std::chrono::milliseconds(10)) {
    return UsageError("serve", "--poll takes a duration of at least 10ms, such as 1s or 500ms");
  }
  StopOnSignal::BlockSignals();  // before the server's threads start
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
  SchedulerViewOf view(scheduler);
  std::unique_ptr<StateStore> api_store;
  std::unique_ptr<Server> server;
  if (!request.scheduler_only) {
    server = StartServer(request, *loaded, clock, view, api_store);
    if (server == nullptr) {
      ::close(*lock);
      return kExitUsage;
    }
  }
  Status served = [&] {
    StopOnSignal stop([&scheduler] { scheduler.Stop(); });
    return scheduler.Serve();
  }();
  if (server != nullptr) server->Stop();
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
  CLI::App app{"Run the scheduler and the REST API", "weir serve"};
  ServeRequest request;
  app.add_option("--port", request.port, "the API's port (default 8080; 0: any free port, printed)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--host", request.host, "the address the API listens on (default 127.0.0.1)");
  app.add_flag("--scheduler-only", request.scheduler_only, "run the scheduler without the REST API");
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
