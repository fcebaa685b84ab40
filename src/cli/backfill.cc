// weir backfill PIPELINE --from A --to B [--max-active-runs N] [--rerun-failed]
//                [--dry-run] [--threads N]
//
// Runs every data interval whose start falls on a local date in [A, B],
// oldest first, up to max_active_runs at once. Resumable: dates that
// succeeded are kept, interrupted ones resume, failed ones are left alone
// unless --rerun-failed. Exit 0 when every interval has succeeded.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <thread>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "config/pipeline_schedule.h"
#include "engine/run_control.h"
#include "common/mutex.h"

namespace weir::cli {
namespace {

enum class Action { kSkipDone, kSkipFailed, kResume, kNew };

std::string_view ActionName(Action a) {
  switch (a) {
    case Action::kSkipDone: return "done, kept";
    case Action::kSkipFailed: return "failed, kept (--rerun-failed runs it again)";
    case Action::kResume: return "resume";
    case Action::kNew: return "new run";
  }
  return "";
}

struct PlannedRun {
  DataInterval interval;
  Action action = Action::kNew;
  std::optional<RunRecord> existing;
  RunState outcome = RunState::kInterrupted;  // stays so when stopped before it started
};

struct BackfillRequest {
  std::string dir = ".", pipeline, from, to;
  int max_active_runs = 0;  // 0: the pipeline's max_active_runs
  bool rerun_failed = false, dry_run = false;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
};

Result<std::vector<PlannedRun>> Plan(StateStore& store, const PipelineDef& pipeline, const BackfillRequest& request) {
  WEIR_ASSIGN_OR_RETURN(Schedule schedule, ScheduleOf(pipeline));
  WEIR_ASSIGN_OR_RETURN(auto intervals, IntervalsBetween(schedule, pipeline.timezone, request.from, request.to));
  std::vector<PlannedRun> plan;
  for (DataInterval& interval : intervals) {
    if (pipeline.end_date && interval.ds > *pipeline.end_date) break;  // the pipeline's end_date
    PlannedRun item{interval, Action::kNew, std::nullopt, RunState::kInterrupted};
    WEIR_ASSIGN_OR_RETURN(std::optional<RunRecord> latest, LatestRunOf(store, pipeline.name, interval));
    if (latest) {
      item.existing = *latest;
      RunState s = latest->state;
      item.action = s == RunState::kSuccess  ? Action::kSkipDone
                    : s == RunState::kFailed ? (request.rerun_failed ? Action::kResume : Action::kSkipFailed)
                                             : Action::kResume;
    }
    plan.push_back(std::move(item));
  }
  return plan;
}

// Runs the planned intervals, `active` at a time, oldest first.
class Backfill {
 public:
  Backfill(const LoadedProject& loaded, const PipelineGraph& graph, StateStore& store, TaskRuntime& runtime,
           Callbacks& callbacks, int active, int threads_per_run)
      : loaded_(loaded), graph_(graph), store_(store), runtime_(runtime), callbacks_(callbacks), active_(active),
        threads_per_run_(threads_per_run) {}

  void Run(std::vector<PlannedRun>& plan, std::string params) {
    params_ = std::move(params);
    std::vector<std::thread> lanes;
    for (int i = 0; i < active_; ++i) lanes.emplace_back([this, &plan] { Lane(plan); });
    for (std::thread& t : lanes) t.join();
  }

  void Stop() {
    stopping_ = true;
    MutexLock lock(mu_);
    for (RunExecutor* e : running_) e->Stop();
  }

 private:
  void Lane(std::vector<PlannedRun>& plan) {
    for (;;) {
      size_t i = next_++;
      if (i >= plan.size() || stopping_) return;
      PlannedRun& item = plan[i];
      if (item.action == Action::kSkipDone || item.action == Action::kSkipFailed) {
        item.outcome = item.existing->state;
        continue;
      }
      item.outcome = Execute(item);
    }
  }

  RunState Execute(PlannedRun& item) {
    SystemClock clock;
    Result<RunRecord> run = item.action == Action::kResume
                                ? ResumeRun(store_, *item.existing, clock)
                                : NewRunFor(store_, graph_, item.interval, params_, clock, "backfill");
    if (!run.ok()) {
      Report(item.interval.ds, run.status());
      return RunState::kFailed;
    }
    TaskLines lines(item.interval.ds, clock, out_mu_, stdout);
    std::unique_ptr<RunCallbacks> events = callbacks_.ForRun(graph_.pipeline(), *run, item.interval, lines);
    RunExecutor executor(loaded_.project, graph_, store_, *runtime_.runners, clock, *events,
                         RunOptions(loaded_.project, threads_per_run_, runtime_));
    {
      MutexLock lock(mu_);
      running_.push_back(&executor);
    }
    if (stopping_) executor.Stop();
    Result<RunState> state = executor.Execute(*run, item.interval);
    {
      MutexLock lock(mu_);
      running_.erase(std::find(running_.begin(), running_.end(), &executor));
    }
    if (!state.ok()) {
      Report(item.interval.ds, state.status());
      return RunState::kFailed;
    }
    events->RunFinished(*state);
    return *state;
  }

  void Report(const std::string& ds, const Status& error) {
    MutexLock lock(out_mu_);
    std::fprintf(stderr, "weir backfill: %s: %s\n", ds.c_str(), error.ToString().c_str());
  }

  const LoadedProject& loaded_;
  const PipelineGraph& graph_;
  StateStore& store_;
  TaskRuntime& runtime_;
  Callbacks& callbacks_;
  int active_;
  int threads_per_run_;
  std::string params_;  // the pipeline's declared defaults
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopping_{false};
  Mutex mu_;
  std::vector<RunExecutor*> running_ WEIR_GUARDED_BY(mu_);
  Mutex out_mu_;  // whole lines on stdout/stderr
};

int PrintPlan(const std::vector<PlannedRun>& plan) {
  for (const PlannedRun& p : plan) {
    std::printf("%s  [%s, %s)  %s\n", p.interval.ds.c_str(), p.interval.start_iso.c_str(), p.interval.end_iso.c_str(),
                std::string(ActionName(p.action)).c_str());
  }
  return kExitOk;
}

int Execute(const BackfillRequest& request) {
  StopOnSignal::BlockSignals();
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(request.dir);
  if (loaded == nullptr) return kExitUsage;
  const PipelineGraph* graph = FindPipelineOrComplain(*loaded, request.pipeline);
  if (graph == nullptr) return kExitUsage;
  Result<int> lock = LockPipeline(loaded->project, request.pipeline);
  if (!lock.ok()) return UsageError("backfill", lock.status().message());
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded->project);
  if (!store.ok()) return UsageError("backfill", store.status().ToString());
  Result<std::vector<PlannedRun>> plan = Plan(**store, graph->pipeline(), request);
  if (!plan.ok()) return UsageError("backfill", plan.status().ToString());
  if (request.dry_run) return PrintPlan(*plan);
  int active = request.max_active_runs > 0 ? request.max_active_runs : graph->pipeline().max_active_runs;
  active = std::max(1, std::min<int>(active, static_cast<int>(plan->size())));
  Result<std::string> params = RunParams(graph->pipeline(), {});
  if (!params.ok()) return UsageError("backfill", params.status().message());
  TaskRuntime runtime(loaded->project);
  SystemClock clock;
  Callbacks callbacks(loaded->project, runtime.services, **store, clock,
                      CallbackOptions{RunOptions(loaded->project, 1, runtime).log_dir});
  Backfill backfill(*loaded, *graph, **store, runtime, callbacks, active, request.threads);
  {
    StopOnSignal stop([&backfill] { backfill.Stop(); });
    backfill.Run(*plan, *params);
  }
  DrainCallbacks(callbacks);
  int succeeded = 0;
  std::printf("\nbackfill of %s from %s to %s:\n", request.pipeline.c_str(), request.from.c_str(), request.to.c_str());
  for (const PlannedRun& p : *plan) {
    bool ok = p.outcome == RunState::kSuccess;
    succeeded += ok ? 1 : 0;
    std::printf("  %s  %s%s\n", p.interval.ds.c_str(), std::string(RunStateName(p.outcome)).c_str(),
                p.action == Action::kSkipDone || p.action == Action::kSkipFailed ? " (kept)" : "");
  }
  std::printf("%d of %zu intervals succeeded\n", succeeded, plan->size());
  return succeeded == static_cast<int>(plan->size()) ? kExitOk : kExitFailed;
}

}  // namespace

int BackfillCommand(const Args& args) {
  CLI::App app{"Run every data interval in a date range", "weir backfill"};
  BackfillRequest request;
  app.add_option("pipeline", request.pipeline, "the pipeline")->required();
  app.add_option("--from", request.from, "first local date (included)")->required();
  app.add_option("--to", request.to, "last local date (included)")->required();
  app.add_option("--max-active-runs", request.max_active_runs, "intervals run at once (default: the pipeline's)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--rerun-failed", request.rerun_failed, "resume intervals whose run failed");
  app.add_flag("--dry-run", request.dry_run, "list the runs it would make, and do nothing");
  app.add_option("--threads", request.threads, "tasks run at once within each run (default: cores)")
      ->check(CLI::Range(1, 1024));
  AddProjectOption(app, request.dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  return Execute(request);
}

}  // namespace weir::cli
