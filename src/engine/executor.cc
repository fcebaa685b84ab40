#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <tuple>
#include <utility>

#include "common/mutex.h"
#include "engine/engine.h"
#include "engine/internal/task_slots.h"
#include "engine/internal/trigger_rules.h"

namespace weir {

using engine_internal::AttemptControl;
using engine_internal::Readiness;
using engine_internal::TaskSlot;

// How often a depends_on_past task looks at a previous run still going.
constexpr auto kPastPollInterval = std::chrono::milliseconds(500);

namespace {

// One attempt for a worker. The worker reads the graph, never the slots.
struct Job {
  int task = 0;                // the slot
  int node = 0;                // its graph node
  std::string task_id;         // the slot's id ("task[3]" for an instance)
  std::string log_path;
  std::shared_ptr<AttemptControl> control;
  std::shared_ptr<TaskRunner> runner;
  std::shared_ptr<MapItemsSource> items;    // set: the attempt expands a mapped task
  int map_index = -1;                       // an instance: its index and item
  std::string item_json;
  std::optional<AttemptRecord> poke_again;  // a sensor's attempt to go on with, instead of a new one
};

// What a worker tells the coordinator: an attempt started, or ended.
struct WorkerReport {
  int task = 0;
  bool finished = false;       // false: it has just started
  bool started = false;        // finished before it started (stopped, or no attempt recorded)
  AttemptRecord attempt;       // when started
  Result<std::string> result = std::string();
  bool cached = false;         // the result came from the task's cache
  bool expansion = false;      // the attempt read a mapped task's items
  std::vector<std::string> items;  // the items, when it did

  static WorkerReport Started(int task, AttemptRecord attempt) {
    return WorkerReport{task, false, true, std::move(attempt), std::string()};
  }
};

int64_t ToMillis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string AttemptLogPath(const ExecutorOptions& options, const RunRecord& run, const std::string& task_id,
                           int attempt) {
  // One folder per run: a folder per task would cost a mkdir per task.
  std::filesystem::path p = std::filesystem::path(options.log_dir) / run.pipeline / run.ds /
                            ("run-" + std::to_string(run.id.value)) /
                            (task_id + ".attempt-" + std::to_string(attempt) + ".log");
  return p.string();
}

}  // namespace

class RunExecutor::Impl {
 public:
  Impl(const ProjectDef& project, const PipelineGraph& graph, StateStore& store, TaskRunnerFactory& runners,
       Clock& clock, EventSink& events, ExecutorOptions options)
      : project_(project), graph_(graph), store_(store), runners_(runners), clock_(clock), events_(events),
        options_(std::move(options)),
        owner_(options_.processes != nullptr ? options_.processes->Self() : ProcessIdentity{}),
        random_(options_.jitter_seed != 0 ? options_.jitter_seed
                                          : static_cast<uint64_t>(clock.Now().time_since_epoch().count())) {}

  ~Impl() { StopWorkers(); }

  Result<RunState> Execute(const RunRecord& run, const DataInterval& interval) {
    run_ = &run;
    interval_ = &interval;
    if (graph_.pipeline().run_timeout) run_deadline_ = run.started_at + *graph_.pipeline().run_timeout;
    next_heartbeat_ = clock_.Now() + options_.heartbeat;
    WEIR_TRY(LoadSlots());
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(AttemptLogPath(options_, run, "x", 1)).parent_path(), ec);
    if (ec) return Fault("log-dir", "cannot create the run's log folder: " + ec.message(), SourceLocation{options_.log_dir});
    int listener = options_.pools == nullptr ? -1 : options_.pools->AddListener([this] {
      {
        MutexLock lock(mu_);
        pool_released_ = true;
      }
      cv_.notify_all();
    });
    StartWorkers();
    Status loop = Loop();
    StopWorkers();
    if (listener >= 0) options_.pools->RemoveListener(listener);
    WEIR_TRY(loop);
    RunState final_state = FinalState();
    WEIR_TRY(store_.FinishRun(run.id, final_state, clock_.Now()));
    return final_state;
  }

  void Stop() {
    {
      MutexLock lock(mu_);
      stop_requested_ = true;
    }
    cv_.notify_all();
  }

 private:
  // (-priority, position, map index, slot): the order ready slots start in.
  using ReadyKey = std::tuple<int, int, int, int>;

  // Resuming keeps what succeeded and runs everything else again (failed
  // tasks too, unless keep_failed).
  bool Kept(TaskState state) const {
    return Succeeded(state) || state == TaskState::kSkipped || (options_.keep_failed && state == TaskState::kFailed);
  }

  Status LoadSlots() {
    slots_.Reset(graph_);
    WEIR_ASSIGN_OR_RETURN(auto records, store_.TaskInstances(run_->id));
    std::vector<std::optional<int>> map_counts(graph_.size());
    std::map<std::string, const TaskInstanceRecord*> instance_records;
    for (const TaskInstanceRecord& r : records) {
      if (r.map_index >= 0) {
        instance_records[r.task_id] = &r;
        continue;
      }
      int i = graph_.Find(r.task_id);
      if (i < 0) continue;  // a task since removed from the pipeline
      slots_[i].state = r.state;
      slots_[i].attempts = r.attempts;
      map_counts[i] = r.map_count;
    }
    position_.assign(graph_.size(), 0);
    for (size_t p = 0; p < graph_.order().size(); ++p) position_[graph_.order()[p]] = static_cast<int>(p);
    candidates_.assign(graph_.order().rbegin(), graph_.order().rend());
    for (int i = 0; i < graph_.size(); ++i) {
      slots_[i].selected = !options_.only_tasks || options_.only_tasks->count(graph_.id(i)) > 0;
      bool rerun = slots_[i].selected && options_.only_tasks;  // --task reruns it
      if (IsMappedTask(i) && map_counts[i]) {
        if (!rerun) {
          WEIR_TRY(LoadInstances(i, *map_counts[i], instance_records));
          continue;
        }
        WEIR_TRY(store_.ResetExpansion(run_->id, slots_[i].id));  // its items are read again
      }
      TaskSlot& slot = slots_[i];
      if ((slot.selected && !Kept(slot.state) && slot.state != TaskState::kPending) ||
          (rerun && slot.state != TaskState::kPending)) {
        WEIR_TRY(store_.SetTaskState(run_->id, slot.id, TaskState::kPending));
        slot.state = TaskState::kPending;
      }
    }
    return OkStatus();
  }

  // A mapped task expanded before this execution keeps the instances it
  // recorded then (its items are not read again): finished ones are kept,
  // the others run again, and the task is running until they end.
  Status LoadInstances(int task, int count, const std::map<std::string, const TaskInstanceRecord*>& records) {
    slots_[task].expanded = true;
    for (int k = 0; k < count; ++k) {
      auto record = records.find(MapInstanceId(slots_[task].id, k));
      if (record == records.end()) {
        return InternalError("the state lists " + std::to_string(count) + " instances of task '" + slots_[task].id +
                             "' but instance " + std::to_string(k) + " is missing");
      }
      int s = slots_.AddInstance(task, k, record->second->map_item_json);
      slots_[s].state = record->second->state;
      slots_[s].attempts = record->second->attempts;
      if (slots_[s].selected && !Kept(slots_[s].state) && slots_[s].state != TaskState::kPending) {
        WEIR_TRY(store_.SetTaskState(run_->id, slots_[s].id, TaskState::kPending));
        slots_[s].state = TaskState::kPending;
      }
    }
    candidates_.push_back(task);  // which looks at its instances, index 0 first
    TaskState state = slots_.MappedTaskEnd(task).value_or(TaskState::kRunning);
    if (count == 0) state = TaskState::kSkipped;
    if (slots_[task].selected && slots_[task].state != state) {
      WEIR_TRY(store_.SetTaskState(run_->id, slots_[task].id, state));
      slots_[task].state = state;
    }
    return OkStatus();
  }

  const TaskDef& Def(int s) const { return *graph_.node(slots_[s].node).def; }
  // A task with `map_over:` (not one of its instances).
  bool IsMappedTask(int s) const { return slots_[s].map_index < 0 && Def(s).map_over.has_value(); }

  // The coordinator: only this thread changes slots_ and writes the store.
  Status Loop() {
    for (;;) {
      std::deque<WorkerReport> done;
      bool stopping;
      {
        MutexLock lock(mu_);
        done.swap(done_);
        stopping = stop_requested_;
        pool_released_ = false;  // this round tries the ready tasks again
      }
      // A round of changes is one transaction; who hears of them (progress,
      // workers) hears after it commits.
      // A heartbeat due rides in the round's transaction.
      bool beat = HeartbeatDue();
      if (OnlyStarts(done) && !stopping && !beat && NothingToDecide()) {
        for (WorkerReport& report : done) WEIR_TRY(Receive(report));  // recorded by the worker
      } else {
        WEIR_TRY(store_.Batch([&]() -> Status {
          for (WorkerReport& report : done) WEIR_TRY(Receive(report));
          if (beat) WEIR_TRY(Heartbeat());
          return stopping ? OkStatus() : Advance();
        }));
      }
      Publish();
      if (!stopping && run_deadline_ && clock_.Now() >= *run_deadline_) {
        timed_out_run_ = true;  // dagrun_timeout: cancel what runs, fail the run
        Stop();
        continue;
      }
      if (stopping) CancelAll();
      if (running_ == 0 && (stopping || !HasWork())) {
        Status end = stopping ? MarkInterrupted() : OkStatus();
        Publish();
        return end;
      }
      WaitForEvent();
    }
  }

  // The attempts this execution owns that are still going: running, or a
  // sensor's between two pokes.
  std::vector<AttemptId> OwnedAttempts() const {
    std::vector<AttemptId> attempts;
    for (int i : running_tasks_) {
      if (slots_[i].state == TaskState::kRunning) attempts.push_back(slots_[i].attempt_id);
    }
    for (const auto& [when, i] : retries_) {
      if (slots_[i].waiting) attempts.push_back(slots_[i].waiting->id);
    }
    return attempts;
  }

  bool HeartbeatDue() const {
    return options_.heartbeat.count() > 0 && clock_.Now() >= next_heartbeat_ && !OwnedAttempts().empty();
  }

  // This process is alive: its attempts' heartbeats move on.
  Status Heartbeat() {
    TimePoint now = clock_.Now();
    next_heartbeat_ = now + options_.heartbeat;
    return store_.Heartbeat(OwnedAttempts(), now);
  }

  // Work is event-driven: only tasks whose upstream just changed are
  // evaluated (candidates_), so a round costs what changed, not the DAG.
  Status Advance() {
    TimePoint now = clock_.Now();
    for (int i : running_tasks_) {
      TaskSlot& slot = slots_[i];
      int64_t deadline = slot.control->deadline_ms.load();
      if (deadline != 0 && ToMillis(now) >= deadline && !slot.timed_out) {
        slot.timed_out = true;
        slot.control->cancel.Cancel();
      }
    }
    while (!retries_.empty() && retries_.begin()->first <= now) {
      MakeReady(retries_.begin()->second);
      retries_.erase(retries_.begin());
    }
    if (!waiting_on_past_.empty() && now >= next_past_check_) {  // look again at the previous runs
      candidates_.insert(candidates_.end(), waiting_on_past_.begin(), waiting_on_past_.end());
      waiting_on_past_.clear();
    }
    while (!candidates_.empty()) {
      int i = candidates_.back();
      candidates_.pop_back();
      if (slots_[i].expanded) {  // its instances follow the task's upstream; index 0 is looked at first
        candidates_.insert(candidates_.end(), slots_[i].instances.rbegin(), slots_[i].instances.rend());
        continue;
      }
      if (!slots_[i].selected || slots_[i].state != TaskState::kPending) continue;
      Readiness readiness = ReadinessOf(i);
      if (readiness == Readiness::kRun && Def(i).depends_on_past && slots_[i].parent < 0) {
        WEIR_ASSIGN_OR_RETURN(readiness, PastReadiness(i));
        if (readiness == Readiness::kWait) {
          waiting_on_past_.insert(i);
          next_past_check_ = now + kPastPollInterval;
        }
      }
      switch (readiness) {
        case Readiness::kWait: break;
        case Readiness::kRun: MakeReady(i); break;
        case Readiness::kUpstreamFailed: WEIR_TRY(SetState(i, TaskState::kUpstreamFailed)); break;
        case Readiness::kSkip: WEIR_TRY(SetState(i, TaskState::kSkipped)); break;
      }
    }
    // Queue one task ahead per worker, so a worker that finishes starts
    // the next task without waiting for this thread.
    // Highest priority first; a task whose pool is full waits without
    // holding back the ones after it.
    for (auto it = ready_.begin(); it != ready_.end() && running_ < 2 * options_.threads;) {
      int i = std::get<3>(*it);
      const TaskDef& task = Def(i);
      if (!AcquireSlots(task)) {
        ++it;
        continue;
      }
      it = ready_.erase(it);
      slots_[i].ready = false;
      WEIR_TRY(Dispatch(i));
    }
    return OkStatus();
  }

  // depends_on_past: this task in the latest run of the interval before
  // this one (by start instant: an hourly pipeline has many per date); with
  // wait_for_downstream, the tasks right after it there too. No earlier
  // run: the first interval, free to run.
  Result<Readiness> PastReadiness(int i) {
    WEIR_ASSIGN_OR_RETURN(auto runs, store_.ListRuns(RunFilter{run_->pipeline, std::nullopt, 0}));
    Result<TimePoint> own_start = ParseIsoInstant(run_->interval_start);
    const RunRecord* previous = nullptr;
    TimePoint previous_start = TimePoint::min();
    for (const RunRecord& r : runs) {  // newest first: the latest run of an interval wins ties
      Result<TimePoint> start = ParseIsoInstant(r.interval_start);
      bool earlier = own_start.ok() && start.ok() ? *start < *own_start : r.ds < run_->ds;
      TimePoint key = start.ok() ? *start : TimePoint::min();
      if (earlier && (previous == nullptr || key > previous_start)) {
        previous = &r;
        previous_start = key;
      }
    }
    if (previous == nullptr) return Readiness::kRun;
    std::set<std::string> watched = {graph_.id(i)};
    if (graph_.node(i).def->wait_for_downstream) {
      for (int d : graph_.node(i).downstream) watched.insert(graph_.id(d));
    }
    WEIR_ASSIGN_OR_RETURN(auto tasks, store_.TaskInstances(previous->id));
    Readiness readiness = Readiness::kRun;
    for (const TaskInstanceRecord& t : tasks) {
      if (watched.count(t.task_id) == 0 || Succeeded(t.state) || t.state == TaskState::kSkipped) continue;
      if (t.state == TaskState::kFailed || t.state == TaskState::kUpstreamFailed) return Readiness::kUpstreamFailed;
      // Unfinished: running in a concurrent run (backfill) or left so.
      if (previous->state != RunState::kRunning) return Readiness::kUpstreamFailed;
      readiness = Readiness::kWait;
    }
    return readiness;
  }

  // Highest priority first, then dependency order, then map index.
  ReadyKey KeyOf(int s) const { return {-Def(s).priority, position_[slots_[s].node], slots_[s].map_index, s}; }

  // Ready to dispatch, unless it is an instance of a mapped task that has
  // max_map_parallelism instances ready or running already: it is held
  // until one of their attempts ends.
  void MakeReady(int s) {
    if (std::exchange(slots_[s].ready, true)) return;  // a slot may be a candidate twice in a round
    int cap = slots_[s].parent < 0 ? 0 : Def(s).max_map_parallelism;
    if (slots_.Admit(s, cap)) ready_.insert(KeyOf(s));
  }

  // An attempt ended (or never started): its worker and pool slots are
  // free, and a held sibling instance may go.
  void EndAttempt(int s) {
    if (running_tasks_.erase(s) > 0) --running_;
    ReleasePool(s);
    int cap = slots_[s].parent < 0 ? 0 : Def(s).max_map_parallelism;
    if (std::optional<int> next = slots_.Release(s, cap)) ready_.insert(KeyOf(*next));
  }

  // The task's pool, and the pipeline's own max_active_tasks, which is a
  // pool of its own named after the pipeline.
  bool AcquireSlots(const TaskDef& task) {
    if (options_.pools == nullptr) return true;
    std::string pipeline_pool = PipelinePool();
    if (!options_.pools->TryAcquire(pipeline_pool, 1)) return false;
    if (!task.pool.empty() && !options_.pools->TryAcquire(task.pool, task.pool_slots)) {
      options_.pools->Release(pipeline_pool, 1);
      return false;
    }
    return true;
  }

  void ReleasePool(int i) {
    if (options_.pools == nullptr) return;
    const TaskDef& task = Def(i);
    if (!task.pool.empty()) options_.pools->Release(task.pool, task.pool_slots);
    options_.pools->Release(PipelinePool(), 1);
  }

  std::string PipelinePool() const { return "pipeline:" + graph_.pipeline().name; }

  static bool OnlyStarts(const std::deque<WorkerReport>& reports) {
    for (const WorkerReport& r : reports) {
      if (r.finished) return false;
    }
    return true;
  }

  // True when a round would change nothing: no task to evaluate, none ready
  // with a worker free, no retry or deadline due. Such a round (a worker
  // only reporting a start) then needs no transaction.
  bool NothingToDecide() const {
    if (!candidates_.empty()) return false;
    if (!ready_.empty() && running_ < 2 * options_.threads) return false;
    TimePoint now = clock_.Now();
    if (!retries_.empty() && retries_.begin()->first <= now) return false;
    if (!waiting_on_past_.empty() && now >= next_past_check_) return false;
    for (int i : running_tasks_) {
      int64_t deadline = slots_[i].control->deadline_ms.load();
      if (deadline != 0 && ToMillis(now) >= deadline) return false;
    }
    return true;
  }

  // A task reached a final state: its downstream may now be decided. The
  // downstream of a mapped task looks at each instance as it ends (a
  // one_success rule fires at once), and the last instance to end decides
  // the mapped task's own state.
  Status Settled(int i) {
    for (int d : graph_.node(slots_[i].node).downstream) candidates_.push_back(d);
    int task = slots_[i].parent;
    if (task < 0) return OkStatus();
    std::optional<TaskState> end = slots_.MappedTaskEnd(task);
    if (!end || slots_[task].state == *end) return OkStatus();
    if (*end == TaskState::kSuccess) WEIR_TRY(RecordProduces(task));
    return SetState(task, *end);
  }

  // Datasets the task updated, in the batch that records its success, so a
  // crash cannot keep one without the other (pipelines scheduled on these
  // datasets read them). A mapped task updates them once, as a whole.
  Status RecordProduces(int i) {
    const TaskDef& task = Def(i);
    for (const auto& dataset : task.produces) {
      WEIR_TRY(store_.RecordDatasetEvent(DatasetEvent{0, dataset.value, run_->pipeline, run_->id, task.id,
                                                      run_->interval_start, run_->interval_end, clock_.Now()}));
    }
    return OkStatus();
  }

  Readiness ReadinessOf(int i) const {
    // --task: upstream tasks that were not named are taken as they are;
    // named ones still run in dependency order. A mapped upstream counts
    // each of its instances (Airflow's rules over mapped tasks).
    std::vector<TaskState> upstream;
    for (int u : graph_.node(slots_[i].node).upstream) {
      if (!slots_[u].selected && options_.only_tasks) continue;
      if (slots_[u].expanded && !slots_[u].instances.empty()) {
        for (int k : slots_[u].instances) upstream.push_back(slots_[k].state);
      } else {
        upstream.push_back(slots_[u].state);
      }
    }
    return engine_internal::Evaluate(Def(i).trigger_rule, upstream);
  }

  bool HasWork() const {
    return running_ > 0 || !retries_.empty() || !ready_.empty() || !waiting_on_past_.empty();
  }

  Status SetState(int i, TaskState state) {
    WEIR_TRY(store_.SetTaskState(run_->id, slots_[i].id, state));
    slots_[i].state = state;
    Notify(slots_[i].id, state, slots_[i].attempts, OkStatus(), std::nullopt);
    return IsFinished(state) ? Settled(i) : OkStatus();
  }

  Status Dispatch(int i) {
    TaskSlot& slot = slots_[i];
    const TaskDef& task = Def(i);
    // A mapped task runs once, to read its items; its instances run the task.
    bool expansion = IsMappedTask(i);
    if (expansion && !slot.items) {
      Result<std::shared_ptr<MapItemsSource>> items = runners_.MapItemsFor(task);
      if (!items.ok()) return FailWithoutAttempt(i, items.status());
      slot.items = *items;
    } else if (!expansion && !slot.runner) {
      Result<std::shared_ptr<TaskRunner>> runner = runners_.RunnerFor(task);
      if (!runner.ok()) return FailWithoutAttempt(i, runner.status());
      slot.runner = *runner;
    }
    WEIR_TRY(store_.SetTaskState(run_->id, slot.id, TaskState::kQueued));
    ++slot.attempts_here;
    slot.state = TaskState::kQueued;
    slot.retry_at.reset();
    slot.timed_out = false;
    slot.control = std::make_shared<AttemptControl>();
    ++running_;
    running_tasks_.insert(i);
    std::optional<AttemptRecord> poke_again = std::exchange(slot.waiting, std::nullopt);
    std::string log_path =
        poke_again ? poke_again->log_path : AttemptLogPath(options_, *run_, slot.id, slot.attempts + 1);
    unpublished_jobs_.push_back(Job{i, slot.node, slot.id, std::move(log_path), slot.control,
                                    expansion ? nullptr : slot.runner, expansion ? slot.items : nullptr,
                                    slot.map_index, slot.item_json, std::move(poke_again)});
    return OkStatus();
  }

  Status Receive(WorkerReport& report) {
    TaskSlot& slot = slots_[report.task];
    if (!report.finished) {  // the attempt is recorded as running
      slot.state = TaskState::kRunning;
      slot.attempt_id = report.attempt.id;
      slot.attempts = report.attempt.number;
      Notify(slot.id, TaskState::kRunning, slot.attempts, OkStatus(), std::nullopt);
      return OkStatus();
    }
    if (report.started) return Finish(report);
    EndAttempt(report.task);
    --slot.attempts_here;
    if (report.result.status().kind() != ErrorKind::kCancelled) return report.result.status();
    if (report.attempt.id.value != 0) return EndWait(report.task, report.attempt.id);  // a sensor between pokes
    return SetState(report.task, TaskState::kPending);  // stopped while queued: it never ran
  }

  // A task that cannot even start (its kind is unavailable): one failed
  // attempt recorded with the reason, so `weir logs` and status show it.
  Status FailWithoutAttempt(int i, const Status& why) {
    EndAttempt(i);  // gives back the pool slots Advance took for it
    TimePoint now = clock_.Now();
    std::string log_path = AttemptLogPath(options_, *run_, slots_[i].id, slots_[i].attempts + 1);
    WEIR_ASSIGN_OR_RETURN(AttemptRecord attempt, store_.StartAttempt(run_->id, slots_[i].id, now, log_path));
    slots_[i].attempts = attempt.number;
    WEIR_TRY(store_.FinishAttempt(attempt.id, AttemptEnd{AttemptState::kFailed, now, why.code(), why.message(), "",
                                                         TaskState::kFailed}));
    slots_[i].state = TaskState::kFailed;
    Notify(slots_[i].id, TaskState::kFailed, attempt.number, why, std::nullopt);
    return Settled(i);
  }

  Status Finish(WorkerReport& c) {
    EndAttempt(c.task);
    TaskSlot& slot = slots_[c.task];
    const TaskDef& task = Def(c.task);
    TimePoint now = clock_.Now();
    if (c.result.ok() && c.expansion) return Expand(c.task, c.attempt, std::move(c.items), now);
    if (c.result.ok()) {
      TaskState done = c.cached ? TaskState::kCached : TaskState::kSuccess;
      WEIR_TRY(store_.FinishAttempt(c.attempt.id, AttemptEnd{AttemptState::kSuccess, now, "", "", *c.result, done}));
      if (slot.parent < 0) WEIR_TRY(RecordProduces(c.task));
      slot.state = done;
      Notify(slot.id, slot.state, slot.attempts, OkStatus(), std::nullopt);
      return Settled(c.task);
    }
    Status error = c.result.status();
    if (error.kind() == ErrorKind::kSkip && !slot.timed_out) {
      WEIR_TRY(store_.FinishAttempt(c.attempt.id, AttemptEnd{AttemptState::kSuccess, now, error.code(),
                                                             error.message(), "", TaskState::kSkipped}));
      slot.state = TaskState::kSkipped;
      Notify(slot.id, slot.state, slot.attempts, OkStatus(), std::nullopt);
      return Settled(c.task);
    }
    if (error.kind() == ErrorKind::kNotYet && !slot.timed_out) return Reschedule(c, task, now);
    // A runner that saw its deadline pass first says so itself: the same timeout.
    bool own_timeout = task.timeout && error.code() == "timeout" &&
                       now + std::chrono::milliseconds(100) >= c.attempt.started_at + *task.timeout;
    if (slot.timed_out || own_timeout) {
      error = Fault("timeout", "timed out after " + FormatDuration(*task.timeout) + " (attempt " +
                                   std::to_string(c.attempt.number) + ")");
    } else if (error.kind() == ErrorKind::kCancelled) {
      WEIR_TRY(store_.FinishAttempt(c.attempt.id, AttemptEnd{AttemptState::kInterrupted, now, error.code(),
                                                                error.message(), "", TaskState::kInterrupted}));
      slot.state = TaskState::kInterrupted;
      Notify(slot.id, slot.state, slot.attempts, error, std::nullopt);
      return OkStatus();
    }
    bool may_retry = error.kind() != ErrorKind::kInternal &&
                     (error.retryable() || task.retry.retry_on == RetryOn::kAny) &&
                     slot.attempts_here <= task.retry.retries;
    TaskState next = may_retry ? TaskState::kUpForRetry : TaskState::kFailed;
    WEIR_TRY(store_.FinishAttempt(c.attempt.id, AttemptEnd{AttemptState::kFailed, now, error.code(),
                                                              error.message(), "", next}));
    slot.state = next;
    if (may_retry) {
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      // A hint from the failure (HTTP Retry-After) lengthens the wait, never shortens it.
      std::chrono::milliseconds delay = RetryDelay(task.retry, slot.attempts_here, unit(random_));
      slot.retry_at = now + std::max(delay, error.retry_after().value_or(std::chrono::milliseconds(0)));
      retries_.emplace(*slot.retry_at, c.task);
    }
    Notify(slot.id, slot.state, slot.attempts, error, slot.retry_at);
    return may_retry ? OkStatus() : Settled(c.task);
  }

  // A mapped task's items are known: an instance each, recorded in this
  // round's transaction with the attempt that read them. No items: the
  // task is skipped, as Airflow's empty expand().
  Status Expand(int task, const AttemptRecord& attempt, std::vector<std::string> items, TimePoint now) {
    TaskState state = items.empty() ? TaskState::kSkipped : TaskState::kRunning;
    WEIR_TRY(store_.FinishAttempt(attempt.id, AttemptEnd{AttemptState::kSuccess, now, "", "", "", state}));
    WEIR_TRY(store_.ExpandTask(run_->id, slots_[task].id, items));
    slots_[task].expanded = true;
    slots_[task].state = state;
    for (size_t k = 0; k < items.size(); ++k) slots_.AddInstance(task, static_cast<int>(k), std::move(items[k]));
    candidates_.push_back(task);  // which looks at its instances, index 0 first
    if (state == TaskState::kRunning) return OkStatus();  // as it was while it read the items
    Notify(slots_[task].id, state, slots_[task].attempts, OkStatus(), std::nullopt);
    return Settled(task);
  }

  // A sensor's condition is not met yet: it keeps its attempt and is poked
  // again after its interval, holding no worker meanwhile (Airflow's
  // reschedule mode). Its timeout counts from the attempt's first poke.
  Status Reschedule(WorkerReport& c, const TaskDef& task, TimePoint now) {
    TaskSlot& slot = slots_[c.task];
    SensorPolicy policy = task.sensor.value_or(SensorPolicy{});
    TimePoint give_up = c.attempt.started_at + policy.timeout;
    if (now >= give_up) return SensorTimedOut(c, policy, now);
    WEIR_TRY(store_.SetTaskState(run_->id, slot.id, TaskState::kUpForReschedule));
    slot.state = TaskState::kUpForReschedule;
    slot.waiting = c.attempt;
    --slot.attempts_here;  // a poke is not a retry
    slot.retry_at = std::min(now + policy.poke_interval, give_up);  // one last poke at the timeout
    retries_.emplace(*slot.retry_at, c.task);
    Notify(slot.id, slot.state, slot.attempts, c.result.status(), slot.retry_at);
    return OkStatus();
  }

  // Not retried, as Airflow's sensor timeout; soft_fail skips instead.
  Status SensorTimedOut(WorkerReport& c, const SensorPolicy& policy, TimePoint now) {
    TaskSlot& slot = slots_[c.task];
    Status error = Fault("sensor-timeout", "not met within the sensor's timeout of " +
                                               FormatDuration(policy.timeout) + ": " + c.result.status().message());
    TaskState end = policy.soft_fail ? TaskState::kSkipped : TaskState::kFailed;
    AttemptState attempt_end = policy.soft_fail ? AttemptState::kSuccess : AttemptState::kFailed;
    WEIR_TRY(store_.FinishAttempt(c.attempt.id, AttemptEnd{attempt_end, now, error.code(), error.message(), "", end}));
    slot.state = end;
    Notify(slot.id, end, slot.attempts, policy.soft_fail ? OkStatus() : error, std::nullopt);
    return Settled(c.task);
  }

  // A sensor stopped between two pokes: its attempt ends interrupted.
  Status EndWait(int i, AttemptId attempt) {
    Status why = Cancelled("stopped while waiting for its next poke");
    WEIR_TRY(store_.FinishAttempt(attempt, AttemptEnd{AttemptState::kInterrupted, clock_.Now(), why.code(),
                                                      why.message(), "", TaskState::kInterrupted}));
    slots_[i].state = TaskState::kInterrupted;
    slots_[i].waiting.reset();
    Notify(slots_[i].id, TaskState::kInterrupted, slots_[i].attempts, why, std::nullopt);
    return OkStatus();
  }

  struct Change {
    std::string task_id;
    TaskState state;
    int attempt;
    Status error;
    std::optional<TimePoint> retry_at;
  };

  void Notify(const std::string& task_id, TaskState state, int attempt, const Status& error,
              std::optional<TimePoint> retry_at) {
    unpublished_changes_.push_back(Change{task_id, state, attempt, error, retry_at});
  }

  // After a round commits: tell the event sink, hand jobs to the workers.
  void Publish() {
    for (const Change& c : unpublished_changes_) events_.TaskChanged(c.task_id, c.state, c.attempt, c.error, c.retry_at);
    unpublished_changes_.clear();
    if (unpublished_jobs_.empty()) return;
    {
      MutexLock lock(mu_);
      for (Job& job : unpublished_jobs_) jobs_.push_back(std::move(job));
    }
    unpublished_jobs_.clear();
    job_cv_.notify_all();
  }

  void CancelAll() {
    for (int i : running_tasks_) slots_[i].control->cancel.Cancel();
  }

  Status MarkInterrupted() {
    for (const auto& [when, i] : retries_) {
      WEIR_TRY(slots_[i].waiting ? EndWait(i, slots_[i].waiting->id) : SetState(i, TaskState::kInterrupted));
    }
    retries_.clear();
    // A mapped task whose instances did not all end is interrupted with them.
    for (int i = 0; i < graph_.size(); ++i) {
      if (slots_[i].expanded && slots_[i].state == TaskState::kRunning) WEIR_TRY(SetState(i, TaskState::kInterrupted));
    }
    interrupted_ = true;
    return OkStatus();
  }

  // Sleeps until a worker finishes, a retry or deadline is due, or Stop().
  void WaitForEvent() {
    // A due retry only matters while a worker is free to take it.
    std::optional<TimePoint> wake;
    if (running_ < 2 * options_.threads && !retries_.empty()) wake = retries_.begin()->first;
    if (!waiting_on_past_.empty() && (!wake || next_past_check_ < *wake)) wake = next_past_check_;
    if (run_deadline_ && (!wake || *run_deadline_ < *wake)) wake = run_deadline_;
    bool beats = options_.heartbeat.count() > 0 && !OwnedAttempts().empty();
    if (beats && (!wake || next_heartbeat_ < *wake)) wake = next_heartbeat_;
    for (int i : running_tasks_) {
      int64_t deadline = slots_[i].control->deadline_ms.load();
      if (deadline == 0 || slots_[i].timed_out) continue;
      TimePoint t{std::chrono::milliseconds(deadline)};
      if (!wake || t < *wake) wake = t;
    }
    MutexLock lock(mu_);
    if (!done_.empty() || stop_requested_ || pool_released_) return;
    if (wake) {
      clock_.WaitUntil(cv_, lock.native(), *wake);
    } else {
      cv_.wait(lock.native());
    }
  }

  RunState FinalState() const {
    bool failed = false, unfinished = false;
    for (const TaskSlot& slot : slots_) {
      if (slot.state == TaskState::kFailed || slot.state == TaskState::kUpstreamFailed) failed = true;
      else if (!Succeeded(slot.state) && slot.state != TaskState::kSkipped) unfinished = true;
    }
    if (failed || timed_out_run_) return RunState::kFailed;
    if (interrupted_ || unfinished) return RunState::kInterrupted;
    return RunState::kSuccess;
  }

  void StartWorkers() {
    // More workers than tasks would idle, unless a mapped task makes more.
    bool mapped = false;
    for (int i = 0; i < graph_.size(); ++i) mapped |= IsMappedTask(i);
    int n = std::max(1, mapped ? options_.threads : std::min(options_.threads, graph_.size()));
    for (int w = 0; w < n; ++w) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void StopWorkers() {
    {
      MutexLock lock(mu_);
      workers_done_ = true;
    }
    job_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    MutexLock lock(mu_);
    workers_done_ = false;
  }

  void WorkerLoop() {
    for (;;) {
      Job job;
      {
        MutexLock lock(mu_);
        while (!workers_done_ && jobs_.empty()) job_cv_.wait(lock.native());
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      RunAttempt(job);
    }
  }

  void Report(WorkerReport report) {
    {
      MutexLock lock(mu_);
      done_.push_back(std::move(report));
    }
    cv_.notify_all();
  }

  // On a worker: records the attempt's start, runs it, reports both.
  void RunAttempt(const Job& job) {
    const TaskDef& task = *graph_.node(job.node).def;
    if (job.control->cancel.cancelled()) {
      Report(WorkerReport{job.task, true, false, job.poke_again.value_or(AttemptRecord{}),
                          Cancelled("stopped before it started")});
      return;
    }
    TimePoint now = clock_.Now();
    Result<AttemptRecord> attempt = job.poke_again ? PokeAgain(*job.poke_again)
                                                   : store_.StartAttempt(run_->id, job.task_id, now, job.log_path, owner_);
    if (!attempt.ok()) {
      Report(WorkerReport{job.task, true, false, {}, attempt.status()});
      return;
    }
    TimePoint deadline = task.timeout ? now + *task.timeout : TimePoint::max();
    if (task.timeout) job.control->deadline_ms.store(ToMillis(deadline));
    Report(WorkerReport::Started(job.task, *attempt));
    TaskContext context{project_, graph_.pipeline(), task, *run_, *interval_, attempt->number,
                        job.log_path, deadline, job.control->cancel, &store_};
    bool cache_hit = false;
    context.cache_hit = &cache_hit;
    if (job.map_index >= 0) context.map_index = job.map_index;
    context.map_item_json = job.item_json;
    if (options_.processes != nullptr) {
      context.process_started = [this, id = attempt->id](int64_t pid) { return RecordProcessGroup(id, pid); };
    }
    WorkerReport done{job.task, true, true, *attempt, std::string()};
    if (job.items) {
      done.expansion = true;
      Result<std::vector<std::string>> items = ReadItemsGuarded(*job.items, context);
      if (items.ok()) done.items = std::move(*items);
      else done.result = items.status();
    } else {
      done.result = RunGuarded(*job.runner, context);
    }
    done.cached = cache_hit;
    Report(std::move(done));
  }

  // On a worker, as soon as a task starts a process group: a process
  // gone already (a quick command) leaves nothing to record.
  Status RecordProcessGroup(AttemptId attempt, int64_t pid) {
    ProcessIdentity group = options_.processes->Identify(pid);
    if (group.empty()) return OkStatus();
    return store_.RecordAttemptProcess(attempt, group);
  }

  // A sensor's next poke goes on with its attempt: only the task is running again.
  Result<AttemptRecord> PokeAgain(const AttemptRecord& attempt) {
    WEIR_TRY(store_.SetTaskState(run_->id, attempt.task_id, TaskState::kRunning));
    return attempt;
  }

  // A runner that throws is a bug in Weir, reported as such, not a crash.
  static Result<std::string> RunGuarded(TaskRunner& runner, const TaskContext& context) {
    try {
      return runner.Run(context);
    } catch (const std::exception& e) {
      return InternalError(std::string("task runner threw: ") + e.what());
    }
  }

  static Result<std::vector<std::string>> ReadItemsGuarded(MapItemsSource& items, const TaskContext& context) {
    try {
      return items.Items(context);
    } catch (const std::exception& e) {
      return InternalError(std::string("reading the items of map_over threw: ") + e.what());
    }
  }

  const ProjectDef& project_;
  const PipelineGraph& graph_;
  StateStore& store_;
  TaskRunnerFactory& runners_;
  Clock& clock_;
  EventSink& events_;
  ExecutorOptions options_;
  const ProcessIdentity owner_;  // this process, recorded with each attempt it starts
  std::mt19937_64 random_;

  const RunRecord* run_ = nullptr;
  const DataInterval* interval_ = nullptr;
  // Coordinator thread only:
  engine_internal::TaskSlots slots_;
  std::vector<int> position_;             // graph node -> its place in graph_.order()
  std::vector<int> candidates_;           // slots whose readiness may have changed
  std::set<ReadyKey> ready_;              // slots ready to dispatch
  std::set<int> running_tasks_;
  std::set<std::pair<TimePoint, int>> retries_;  // (due, task) up for retry
  std::optional<TimePoint> run_deadline_;  // dagrun_timeout, from the run's start
  bool timed_out_run_ = false;
  std::set<int> waiting_on_past_;         // depends_on_past tasks whose previous run is not done
  TimePoint next_past_check_;
  int running_ = 0;
  std::vector<Change> unpublished_changes_;  // recorded, not yet told
  std::vector<Job> unpublished_jobs_;        // recorded, not yet handed out
  bool interrupted_ = false;     // coordinator thread only
  TimePoint next_heartbeat_;     // coordinator thread only

  Mutex mu_;
  std::condition_variable cv_;       // the coordinator waits here
  std::condition_variable job_cv_;   // workers wait here
  bool stop_requested_ WEIR_GUARDED_BY(mu_) = false;
  bool workers_done_ WEIR_GUARDED_BY(mu_) = false;
  bool pool_released_ WEIR_GUARDED_BY(mu_) = false;  // another run freed pool slots
  std::deque<Job> jobs_ WEIR_GUARDED_BY(mu_);
  std::deque<WorkerReport> done_ WEIR_GUARDED_BY(mu_);
  std::vector<std::thread> workers_;
};

Result<std::shared_ptr<MapItemsSource>> TaskRunnerFactory::MapItemsFor(const TaskDef& task) {
  return UserError("map-over-not-available", "task '" + task.id + "' has map_over, which this runner factory cannot read",
                   task.map_over ? task.map_over->where : task.where);
}

RunExecutor::RunExecutor(const ProjectDef& project, const PipelineGraph& graph, StateStore& store,
                         TaskRunnerFactory& runners, Clock& clock, EventSink& events, ExecutorOptions options)
    : impl_(std::make_unique<Impl>(project, graph, store, runners, clock, events, std::move(options))) {}

RunExecutor::~RunExecutor() = default;

Result<RunState> RunExecutor::Execute(const RunRecord& run, const DataInterval& interval) {
  return impl_->Execute(run, interval);
}

void RunExecutor::Stop() { impl_->Stop(); }

}  // namespace weir
