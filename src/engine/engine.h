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
};

// The delay before retry number `retry` (1 for the first retry): `delay`,
// doubled per retry with exponential backoff and then up to 10% shorter
// by `jitter` in [0, 1), never above max_delay.
std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry, double jitter);

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
