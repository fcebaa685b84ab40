#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "engine/engine.h"
#include "engine/internal/trigger_rules.h"

namespace weir {

using engine_internal::Readiness;

namespace {

// One task's place in this execution.
struct TaskSlot {
  TaskState state = TaskState::kPending;
  int attempts = 0;                 // recorded attempts, all executions
  int attempts_here = 0;            // attempts started by this execution
  bool selected = true;             // part of this execution (--task)
  std::optional<TimePoint> retry_at;
  std::optional<TimePoint> deadline;
  std::shared_ptr<CancelToken> cancel;
  bool timed_out = false;
  AttemptId attempt_id;
  std::shared_ptr<TaskRunner> runner;
};

struct Job {
  int task = 0;
  std::unique_ptr<TaskContext> context;
  std::shared_ptr<TaskRunner> runner;
};

struct Completion {
  int task = 0;
  Result<std::string> result;
};

std::string AttemptLogPath(const ExecutorOptions& options, const RunRecord& run, const std::string& task_id,
                           int attempt) {
  std::filesystem::path p = std::filesystem::path(options.log_dir) / run.pipeline / run.ds /
                            ("run-" + std::to_string(run.id.value)) / task_id / ("attempt-" + std::to_string(attempt) + ".log");
  return p.string();
}

}  // namespace

class RunExecutor::Impl {
 public:
  Impl(const ProjectDef& project, const PipelineGraph& graph, StateStore& store, TaskRunnerFactory& runners,
       Clock& clock, EventSink& events, ExecutorOptions options)
      : project_(project), graph_(graph), store_(store), runners_(runners), clock_(clock), events_(events),
        options_(std::move(options)),
        random_(options_.jitter_seed != 0 ? options_.jitter_seed
                                          : static_cast<uint64_t>(clock.Now().time_since_epoch().count())) {}

  ~Impl() { StopWorkers(); }

  Result<RunState> Execute(const RunRecord& run, const DataInterval& interval) {
    run_ = &run;
    interval_ = &interval;
    WEIR_TRY(LoadSlots());
    StartWorkers();
    Status loop = Loop();
    StopWorkers();
    WEIR_TRY(loop);
    RunState final_state = FinalState();
    WEIR_TRY(store_.FinishRun(run.id, final_state, clock_.Now()));
    return final_state;
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      stop_requested_ = true;
    }
    cv_.notify_all();
  }

 private:
  Status LoadSlots() {
    slots_.assign(graph_.size(), TaskSlot{});
    WEIR_ASSIGN_OR_RETURN(auto records, store_.TaskInstances(run_->id));
    for (const TaskInstanceRecord& r : records) {
      int i = graph_.Find(r.task_id);
      if (i < 0) continue;  // a task since removed from the pipeline
      slots_[i].state = r.state;
      slots_[i].attempts = r.attempts;
    }
    for (int i = 0; i < graph_.size(); ++i) {
      TaskSlot& slot = slots_[i];
      slot.selected = !options_.only_tasks || options_.only_tasks->count(graph_.id(i)) > 0;
      // Resuming keeps what succeeded and runs everything else again.
      bool keep = slot.state == TaskState::kSuccess || slot.state == TaskState::kSkipped;
      if (slot.selected && !keep && slot.state != TaskState::kPending) {
        WEIR_TRY(store_.SetTaskState(run_->id, graph_.id(i), TaskState::kPending));
        slot.state = TaskState::kPending;
      }
      if (slot.selected && options_.only_tasks && slot.state != TaskState::kPending) {
        WEIR_TRY(store_.SetTaskState(run_->id, graph_.id(i), TaskState::kPending));  // --task reruns it
        slot.state = TaskState::kPending;
      }
    }
    return OkStatus();
  }

  // The coordinator: only this thread changes slots_ and writes the store.
  Status Loop() {
    for (;;) {
      std::deque<Completion> done;
      bool stopping;
      {
        std::unique_lock<std::mutex> lock(mu_);
        done.swap(done_);
        stopping = stop_requested_;
      }
      for (Completion& c : done) WEIR_TRY(Finish(c));
      if (stopping) CancelAll();
      else WEIR_TRY(Advance());
      if (running_ == 0 && (stopping || !HasWork())) return stopping ? MarkInterrupted() : OkStatus();
      WaitForEvent();
    }
  }

  Status Advance() {
    TimePoint now = clock_.Now();
    for (int i : graph_.order()) {
      TaskSlot& slot = slots_[i];
      if (!slot.selected) continue;
      if (slot.state == TaskState::kRunning && slot.deadline && now >= *slot.deadline && !slot.timed_out) {
        slot.timed_out = true;
        slot.cancel->Cancel();
      }
      if (slot.state == TaskState::kUpForRetry && now >= *slot.retry_at) WEIR_TRY(Dispatch(i));
      if (slot.state != TaskState::kPending) continue;
      switch (ReadinessOf(i)) {
        case Readiness::kWait: break;
        case Readiness::kRun: WEIR_TRY(Dispatch(i)); break;
        case Readiness::kUpstreamFailed: WEIR_TRY(SetState(i, TaskState::kUpstreamFailed)); break;
        case Readiness::kSkip: WEIR_TRY(SetState(i, TaskState::kSkipped)); break;
      }
    }
    return OkStatus();
  }

  Readiness ReadinessOf(int i) const {
    if (options_.only_tasks) return Readiness::kRun;  // --task ignores upstream states
    std::vector<TaskState> upstream;
    for (int u : graph_.node(i).upstream) upstream.push_back(slots_[u].state);
    return engine_internal::Evaluate(graph_.node(i).def->trigger_rule, upstream);
  }

  bool HasWork() const {
    for (const TaskSlot& slot : slots_) {
      if (!slot.selected) continue;
      if (slot.state == TaskState::kUpForRetry || slot.state == TaskState::kRunning) return true;
    }
    return running_ > 0;
  }

  Status SetState(int i, TaskState state) {
    WEIR_TRY(store_.SetTaskState(run_->id, graph_.id(i), state));
    slots_[i].state = state;
    events_.TaskChanged(graph_.id(i), state, slots_[i].attempts, OkStatus(), std::nullopt);
    return OkStatus();
  }

  Status Dispatch(int i) {
    if (running_ >= options_.threads) return OkStatus();  // stays pending; next round
    TaskSlot& slot = slots_[i];
    const TaskDef& task = *graph_.node(i).def;
    if (!slot.runner) {
      Result<std::shared_ptr<TaskRunner>> runner = runners_.RunnerFor(task);
      if (!runner.ok()) return FailWithoutAttempt(i, runner.status());
      slot.runner = *runner;
    }
    TimePoint now = clock_.Now();
    std::string log_path = AttemptLogPath(options_, *run_, task.id, slot.attempts + 1);
    WEIR_ASSIGN_OR_RETURN(AttemptRecord attempt, store_.StartAttempt(run_->id, task.id, now, log_path));
    slot.attempt_id = attempt.id;
    slot.attempts = attempt.number;
    ++slot.attempts_here;
    slot.state = TaskState::kRunning;
    slot.retry_at.reset();
    slot.timed_out = false;
    slot.cancel = std::make_shared<CancelToken>();
    slot.deadline = task.timeout ? std::optional(now + *task.timeout) : std::nullopt;
    events_.TaskChanged(task.id, TaskState::kRunning, attempt.number, OkStatus(), std::nullopt);
    auto context = std::make_unique<TaskContext>(TaskContext{
        project_, graph_.pipeline(), task, *run_, *interval_, attempt.number, log_path,
        slot.deadline.value_or(TimePoint::max()), *slot.cancel});
    ++running_;
    {
      std::lock_guard<std::mutex> guard(mu_);
      jobs_.push_back(Job{i, std::move(context), slot.runner});
    }
    job_cv_.notify_one();
    return OkStatus();
  }

  // A task that cannot even start (its kind is unavailable): one failed
  // attempt recorded with the reason, so `weir logs` and status show it.
  Status FailWithoutAttempt(int i, const Status& why) {
    TimePoint now = clock_.Now();
    std::string log_path = AttemptLogPath(options_, *run_, graph_.id(i), slots_[i].attempts + 1);
    WEIR_ASSIGN_OR_RETURN(AttemptRecord attempt, store_.StartAttempt(run_->id, graph_.id(i), now, log_path));
    slots_[i].attempts = attempt.number;
    WEIR_TRY(store_.FinishAttempt(attempt.id, AttemptEnd{AttemptState::kFailed, now, why.code(), why.message(), "",
                                                         TaskState::kFailed}));
    slots_[i].state = TaskState::kFailed;
    events_.TaskChanged(graph_.id(i), TaskState::kFailed, attempt.number, why, std::nullopt);
    return OkStatus();
  }

  Status Finish(Completion& c) {
    --running_;
    TaskSlot& slot = slots_[c.task];
    const TaskDef& task = *graph_.node(c.task).def;
    TimePoint now = clock_.Now();
    if (c.result.ok()) {
      WEIR_TRY(store_.FinishAttempt(slot.attempt_id, AttemptEnd{AttemptState::kSuccess, now, "", "", *c.result,
                                                                TaskState::kSuccess}));
      slot.state = TaskState::kSuccess;
      events_.TaskChanged(task.id, slot.state, slot.attempts, OkStatus(), std::nullopt);
      return OkStatus();
    }
    Status error = c.result.status();
    if (slot.timed_out) {
      error = Fault("timeout", "timed out after " + FormatDuration(*task.timeout) + " (attempt " +
                                   std::to_string(slot.attempts) + ")");
    } else if (error.kind() == ErrorKind::kCancelled) {
      WEIR_TRY(store_.FinishAttempt(slot.attempt_id, AttemptEnd{AttemptState::kInterrupted, now, error.code(),
                                                                error.message(), "", TaskState::kInterrupted}));
      slot.state = TaskState::kInterrupted;
      events_.TaskChanged(task.id, slot.state, slot.attempts, error, std::nullopt);
      return OkStatus();
    }
    bool may_retry = error.kind() != ErrorKind::kInternal &&
                     (error.retryable() || task.retry.retry_on == RetryOn::kAny) &&
                     slot.attempts_here <= task.retry.retries;
    TaskState next = may_retry ? TaskState::kUpForRetry : TaskState::kFailed;
    WEIR_TRY(store_.FinishAttempt(slot.attempt_id, AttemptEnd{AttemptState::kFailed, now, error.code(),
                                                              error.message(), "", next}));
    slot.state = next;
    if (may_retry) {
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      slot.retry_at = now + RetryDelay(task.retry, slot.attempts_here, unit(random_));
    }
    events_.TaskChanged(task.id, slot.state, slot.attempts, error, slot.retry_at);
    return OkStatus();
  }

  void CancelAll() {
    for (TaskSlot& slot : slots_) {
      if (slot.state == TaskState::kRunning && slot.cancel) slot.cancel->Cancel();
    }
  }

  Status MarkInterrupted() {
    for (int i = 0; i < graph_.size(); ++i) {
      if (slots_[i].state == TaskState::kUpForRetry) WEIR_TRY(SetState(i, TaskState::kInterrupted));
    }
    interrupted_ = true;
    return OkStatus();
  }

  // Sleeps until a worker finishes, a retry or deadline is due, or Stop().
  void WaitForEvent() {
    // A due retry only matters while a worker is free to take it.
    bool can_start = running_ < options_.threads;
    std::optional<TimePoint> wake;
    auto consider = [&wake](std::optional<TimePoint> t) {
      if (t && (!wake || *t < *wake)) wake = t;
    };
    for (const TaskSlot& slot : slots_) {
      if (can_start) consider(slot.retry_at);
      if (slot.state == TaskState::kRunning && !slot.timed_out) consider(slot.deadline);
    }
    std::unique_lock<std::mutex> lock(mu_);
    if (!done_.empty() || stop_requested_) return;
    if (wake) {
      clock_.WaitUntil(cv_, lock, *wake);
    } else {
      cv_.wait(lock);
    }
  }

  RunState FinalState() const {
    bool failed = false, unfinished = false;
    for (const TaskSlot& slot : slots_) {
      if (slot.state == TaskState::kFailed || slot.state == TaskState::kUpstreamFailed) failed = true;
      else if (slot.state != TaskState::kSuccess && slot.state != TaskState::kSkipped) unfinished = true;
    }
    if (failed) return RunState::kFailed;
    if (interrupted_ || unfinished) return RunState::kInterrupted;
    return RunState::kSuccess;
  }

  void StartWorkers() {
    int n = std::max(1, std::min(options_.threads, graph_.size()));
    for (int w = 0; w < n; ++w) workers_.emplace_back([this] { WorkerLoop(); });
  }

  void StopWorkers() {
    {
      std::lock_guard<std::mutex> guard(mu_);
      workers_done_ = true;
    }
    job_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    workers_done_ = false;
  }

  void WorkerLoop() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        job_cv_.wait(lock, [this] { return workers_done_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      Result<std::string> result = RunGuarded(job);
      {
        std::lock_guard<std::mutex> guard(mu_);
        done_.push_back(Completion{job.task, std::move(result)});
      }
      cv_.notify_all();
    }
  }

  // A runner that throws is a bug in Weir, reported as such, not a crash.
  static Result<std::string> RunGuarded(Job& job) {
    try {
      std::filesystem::create_directories(std::filesystem::path(job.context->log_path).parent_path());
      return job.runner->Run(*job.context);
    } catch (const std::exception& e) {
      return InternalError(std::string("task runner threw: ") + e.what());
    }
  }

  const ProjectDef& project_;
  const PipelineGraph& graph_;
  StateStore& store_;
  TaskRunnerFactory& runners_;
  Clock& clock_;
  EventSink& events_;
  ExecutorOptions options_;
  std::mt19937_64 random_;

  const RunRecord* run_ = nullptr;
  const DataInterval* interval_ = nullptr;
  std::vector<TaskSlot> slots_;  // coordinator thread only
  int running_ = 0;              // coordinator thread only
  bool interrupted_ = false;     // coordinator thread only

  std::mutex mu_;
  std::condition_variable cv_;       // the coordinator waits here
  std::condition_variable job_cv_;   // workers wait here
  bool stop_requested_ = false;      // guarded by mu_
  bool workers_done_ = false;        // guarded by mu_
  std::deque<Job> jobs_;             // guarded by mu_
  std::deque<Completion> done_;      // guarded by mu_
  std::vector<std::thread> workers_;
};

RunExecutor::RunExecutor(const ProjectDef& project, const PipelineGraph& graph, StateStore& store,
                         TaskRunnerFactory& runners, Clock& clock, EventSink& events, ExecutorOptions options)
    : impl_(std::make_unique<Impl>(project, graph, store, runners, clock, events, std::move(options))) {}

RunExecutor::~RunExecutor() = default;

Result<RunState> RunExecutor::Execute(const RunRecord& run, const DataInterval& interval) {
  return impl_->Execute(run, interval);
}

void RunExecutor::Stop() { impl_->Stop(); }

}  // namespace weir
