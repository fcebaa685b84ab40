// Engine: runs one pipeline run. A coordinator hands ready tasks to a pool
// of worker threads, applies trigger rules, retries faults with exponential
// backoff, enforces timeouts, and records every state change in the
// StateStore before it tells anyone (the EventSink). SIGINT/SIGTERM arrive
// as RunExecutor::Stop(), which cancels running attempts and records the run
// as interrupted.
//
// The engine knows nothing about task kinds: it runs them through
// TaskRunnerFactory, which src/tasks implements and the CLI wires in.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/process.h"
#include "common/status.h"
#include "config/config.h"
#include "graph/graph.h"
#include "schedule/schedule.h"
#include "state/state.h"

namespace weir {

// What one attempt of one task sees.
struct TaskContext {
  const ProjectDef& project;
  const PipelineDef& pipeline;
  const TaskDef& task;
  const RunRecord& run;
  const DataInterval& interval;
  int attempt = 1;              // 1 for the first
  std::string log_path;         // where the attempt's output goes (absolute)
  TimePoint deadline;           // TimePoint::max() without a timeout
  const CancelToken& cancel;    // set on timeout or stop: return promptly
  StateStore* store = nullptr;  // to read other tasks' outputs (thread-safe)
  bool* cache_hit = nullptr;    // a runner that reused a cached result sets it
  // An instance of a mapped task (`map_over:`): its index and its item as
  // JSON (`map_index` and `item` in templates); none for other tasks.
  std::optional<int> map_index = std::nullopt;
  std::string map_item_json = {};
  // A runner that starts a process group calls this with its leader's pid
  // at once, so that a later weir can end the group if this one dies
  // (recorded in the state store). A failure is the attempt's: the runner
  // kills the group and returns it. Unset: nothing is recorded.
  std::function<Status(int64_t pid)> process_started = {};
};

// One task kind's way of running a task. Run may be called from several
// threads at once (one attempt each) and must honour `cancel`/`deadline`.
class TaskRunner {
 public:
  virtual ~TaskRunner() = default;
  // The output JSON ("" for none) or why it failed; a timeout is a Fault
  // with code "timeout", a stop is Cancelled.
  virtual Result<std::string> Run(const TaskContext& context) = 0;
};

// Where a mapped task's items come from (`map_over:`): the list written in
// the pipeline, a warehouse query or an upstream task's output. Called on a
// worker, as an attempt of the mapped task itself, once the task is ready;
// the engine then makes one instance ("task[3]") per item. May be called
// from several threads at once.
class MapItemsSource {
 public:
  virtual ~MapItemsSource() = default;
  // Each item as JSON text, in order (the user error "map-over-not-list"
  // when the source holds no list); faults are retried as a task's are.
  virtual Result<std::vector<std::string>> Items(const TaskContext& context) = 0;
};

class TaskRunnerFactory {
 public:
  virtual ~TaskRunnerFactory() = default;
  // The runner for a task's kind; a user error if the kind cannot run here.
  virtual Result<std::shared_ptr<TaskRunner>> RunnerFor(const TaskDef& task) = 0;
  // The source of a mapped task's items. By default a user error: a
  // factory that cannot read them.
  virtual Result<std::shared_ptr<MapItemsSource>> MapItemsFor(const TaskDef& task);
};

// Told about every state change after it is recorded. Called from the
// coordinator thread only, so implementations need no locking of their own.
class EventSink {
 public:
  virtual ~EventSink() = default;
  virtual void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error,
                           std::optional<TimePoint> retry_at) = 0;
};

// Named slot limits shared by every run in this process (weir.yml `pools:`,
// a task's `pool:` and `pool_slots:`), as Airflow's pools. Thread-safe.
class PoolSlots {
 public:
  explicit PoolSlots(std::map<std::string, int> sizes);
  // Takes `slots` of `pool` if that many are free.
  bool TryAcquire(const std::string& pool, int slots);
  void Release(const std::string& pool, int slots);
  // `wake` is called after any release, so a waiting run can try again.
  int AddListener(std::function<void()> wake);
  void RemoveListener(int id);
  int in_use(const std::string& pool) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> free_;
  std::map<std::string, int> size_;
  std::map<int, std::function<void()>> listeners_;
  int next_listener_ = 0;
};

struct ExecutorOptions {
  int threads = 1;                        // worker threads (CLI default: cores)
  std::string log_dir;                    // attempt logs go under here (absolute)
  std::optional<std::set<std::string>> only_tasks;  // run just these (--task)
  uint64_t jitter_seed = 0;               // 0: seeded from the clock
  PoolSlots* pools = nullptr;             // none: pools are not limited
  // The process table that names this process as each attempt's owner
  // and identifies the process groups tasks start; none: neither is
  // recorded (tests).
  ProcessTable* processes = nullptr;
  // How often the owner records that its running attempts are alive
  // (weir.yml `heartbeat:`), in the round's transaction when one is due;
  // 0: never (tests with a fake clock).
  Duration heartbeat{0};
  // Resuming keeps failed tasks failed (the scheduler going on with a run
  // a dead process left, as an uninterrupted run would); false: they run
  // again, as `weir run` of a failed date does.
  bool keep_failed = false;
};

// The delay before retry number `retry` (1 for the first retry): `delay`,
// doubled per retry with exponential backoff and then up to 10% shorter
// by `jitter` in [0, 1), never above max_delay.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry, double jitter);

// After a crash (docs/pipelines.md#crashes-orphans-and-zombies): what a
// weir process does about attempts that another one left running.
struct RecoveryOptions {
  ProcessTable* processes = nullptr;          // required
  Duration zombie_after = std::chrono::seconds(15);  // weir.yml heartbeat.zombie_after
  Duration kill_grace = std::chrono::seconds(2);     // SIGTERM to SIGKILL
  std::function<void(const std::string& line)> say;  // one line per thing done; unset: quiet
};

// Resuming `run` (the caller holds the pipeline's lock, so whoever ran it
// is gone): kills the process group of each attempt still marked running
// whose group is alive on this host with its leader's start time (a
// recycled pid is left alone), saying "killed orphaned process group N of
// task T attempt K". The caller then interrupts the attempts. Returns how
// many groups it killed.
Result<int> KillOrphanedProcessGroups(StateStore& store, RunId run, const RecoveryOptions& options);

// What ReapZombies found in one run.
struct ZombieSweep {
  int zombies = 0;     // attempts failed as zombies
  bool owned = false;  // an attempt's owner is (or may be) alive: leave the run alone
};

// The scheduler's zombie detection: an attempt of `run` still marked
// running whose heartbeat is older than zombie_after and whose owner is not
// alive (on this host: gone or another process with its pid; elsewhere:
// its heartbeat alone tells) is a zombie. Its process group is killed if
// it is still here, the attempt fails ("zombie: no heartbeat since ...",
// a fault) and the task's retry policy applies: up_for_retry while the
// attempt's number is at most `retries`, else failed. An attempt whose
// owner is alive is never touched.
Result<ZombieSweep> ReapZombies(StateStore& store, const RunRecord& run, const PipelineDef& pipeline, Clock& clock,
                                const RecoveryOptions& options);

// A dataset's `freshness:` promise (weir.yml `datasets:`) at one moment.
struct FreshnessCheck {
  std::string dataset;
  Duration freshness{0};
  std::optional<DatasetEvent> last_update;  // none: never updated
  // Since the last update; for a dataset never updated, since the promise
  // was first checked.
  Duration age{0};
  bool stale = false;                       // age > freshness
  std::optional<TimePoint> missed_at;       // this episode's miss, once reported
  bool newly_missed = false;                // stale, and this episode's miss is new: fire on_stale
};

// The check from what the state holds, without writing.
FreshnessCheck EvaluateFreshness(const std::string& dataset, Duration freshness,
                                 const std::optional<DatasetEvent>& last_update, const DatasetFreshnessRecord& record,
                                 TimePoint now);
// Reads the dataset's state, checks it, and records what the check
// changed: since when it is watched and, for a new miss, the miss (before
// the caller fires on_stale: a crash loses the callback, never repeats it).
// A miss is new once per staleness episode: an update ends the episode.
Result<FreshnessCheck> CheckFreshness(StateStore& store, const std::string& dataset, Duration freshness,
                                      TimePoint now);
// The same, read-only (weir status).
Result<FreshnessCheck> ReadFreshness(StateStore& store, const std::string& dataset, Duration freshness,
                                     TimePoint now);

class RunExecutor {
 public:
  RunExecutor(const ProjectDef& project, const PipelineGraph& graph, StateStore& store,
              TaskRunnerFactory& runners, Clock& clock, EventSink& events, ExecutorOptions options);
  ~RunExecutor();

  // Runs (or resumes) `run`: tasks already successful are kept, the rest run
  // again. Returns the run's final state once recorded.
  Result<RunState> Execute(const RunRecord& run, const DataInterval& interval);

  // Asks a running Execute to stop. Thread-safe (call it from a signal-
  // handling thread, not from a signal handler).
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
