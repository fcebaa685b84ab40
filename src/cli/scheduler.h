// The scheduler of `weir serve --scheduler-only`: creates a run for each
// data interval that closes (catchup, overlap policy, pause), starts queued
// runs (its own and `weir trigger`'s) up to each pipeline's max_active_runs,
// and resumes runs that a killed process left running: attempts whose
// owner is gone and stopped beating are zombies (failed, then retried as
// their task's retries say), and the task processes a dead owner left are
// killed. On each tick it also checks the datasets' freshness promises
// (weir.yml `datasets:`) and fires on_stale once per staleness episode.
//
// What it has done lives in the state store, never only in memory: the next
// interval owed per pipeline is advanced in the same transaction that
// creates the run, and a run is claimed (queued -> running) before it
// starts. Killing the scheduler at any moment and starting it again creates
// no interval twice and loses none.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "cli/project_session.h"
#include "cli/run_session.h"
#include "common/clock.h"
#include "common/mutex.h"

namespace weir::cli {

struct SchedulerOptions {
  int threads = 1;                                   // task workers per run
  std::chrono::milliseconds poll{1000};              // how often state is read again
  bool exit_when_idle = false;                       // stop once nothing is due, queued or running
  std::FILE* out = stdout;                           // one line per run and task change
};

class Scheduler {
 public:
  // `callbacks` runs the pipelines' and tasks' on_* actions and SLA checks.
  Scheduler(const LoadedProject& loaded, StateStore& store, TaskRuntime& runtime, Callbacks& callbacks,
            Clock& clock, SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Ticks until Stop() (or, with exit_when_idle, until idle). Runs still
  // going when it stops are interrupted and queued again, so the next
  // scheduler resumes them. Returns the first error that stopped it.
  Status Serve();
  // Thread-safe; returns at once.
  void Stop();
  // Thread-safe; returns at once. Asks the next tick to cancel `run`: a
  // run this scheduler is running is stopped and a queued one ended, both
  // interrupted and not queued again (the REST API's cancel). A run that
  // is neither, or that another process runs, is left alone.
  void Cancel(RunId run);
  // Thread-safe: when the latest tick ended and how many there have been
  // (none before the first), for the server's readiness and loop lag.
  struct Progress {
    std::optional<TimePoint> last_tick;
    int64_t ticks = 0;
  };
  Progress progress() const;
  std::chrono::milliseconds poll() const { return options_.poll; }

 private:
  struct ActiveRun;
  struct PipelineSlot;

  // One pass over every pipeline. Sets `busy` when a run is due, queued or
  // running.
  Status Tick(bool& busy);
  Status CreateDueRuns(PipelineSlot& slot, const PipelineScheduleState& state);
  Status CreateDatasetRun(PipelineSlot& slot, const PipelineScheduleState& state);
  Status QueueRun(PipelineSlot& slot, const DataInterval& interval, const std::string& run_type,
                  const std::function<Status()>& also);
  Status ApplyOverlap(PipelineSlot& slot, const DataInterval& interval, bool& create);
  // Sets `waiting` when runs are due but another process holds the lock.
  Status StartRuns(PipelineSlot& slot, bool& waiting);
  // A run a dead process left running: its zombies are failed, then it is
  // resumed. False when an attempt's owner is (or may be) alive.
  Result<bool> TakeOver(PipelineSlot& slot, const RunRecord& run);
  Status CheckDatasetFreshness();
  // Acts on what Cancel() asked since the last tick.
  void CancelRequested();
  bool HoldLock(PipelineSlot& slot);
  // `take_over`: the run was left running by a dead process; its failed
  // tasks stay failed, as they would have in the run it interrupted.
  void Launch(PipelineSlot& slot, const RunRecord& run, bool take_over);
  void Reap(PipelineSlot& slot);
  void Print(const char* format, ...) __attribute__((format(printf, 2, 3)));

  const LoadedProject& loaded_;
  StateStore& store_;
  TaskRuntime& runtime_;
  Callbacks& callbacks_;
  Clock& clock_;
  SchedulerOptions options_;
  std::map<std::string, std::unique_ptr<PipelineSlot>> slots_;

  mutable Mutex mu_;
  std::condition_variable wake_;
  bool stopping_ WEIR_GUARDED_BY(mu_) = false;
  bool run_ended_ WEIR_GUARDED_BY(mu_) = false;
  std::vector<RunId> cancel_requests_ WEIR_GUARDED_BY(mu_);
  Progress progress_ WEIR_GUARDED_BY(mu_);
  Mutex out_mu_;  // whole lines on `out`
};

}  // namespace weir::cli
