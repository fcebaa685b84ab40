// Callbacks and SLAs. RunCallbacks hears of every task change on the
// engine's coordinator thread and only decides which callbacks it calls
// for; they run on the CallbackQueue's thread. A task's SLA is watched by a
// timed job on that queue while the task has not finished, and checked
// again when it succeeds (it may succeed late before the timer runs).
//
// An SLA is missed once per task instance: the miss is recorded as a file
// next to the run's logs (<task>.sla_miss, holding the payload), so a
// resumed run does not report it again.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/mutex.h"
#include "schedule/schedule.h"
#include "tasks/internal/callback_actions.h"
#include "tasks/internal/callback_queue.h"

namespace weir {

using tasks_internal::CallbackEnv;
using tasks_internal::CallbackFiring;
using tasks_internal::CallbackQueue;

namespace {

// What every run's callbacks share: the services, and the queue.
class CallbackHub {
 public:
  CallbackHub(const ProjectDef& project, const TaskServices& services, StateStore& store, Clock& clock,
              CallbackOptions options)
      : project_(project), services_(services), store_(store), clock_(clock), options_(std::move(options)),
        env_{services, clock, queue_, Warner(options_.warn)}, queue_(clock, options_.background) {}

  const ProjectDef& project_;
  const TaskServices& services_;
  StateStore& store_;
  Clock& clock_;
  CallbackOptions options_;
  CallbackEnv env_;
  CallbackQueue queue_;  // last: destroyed (its thread joined) before what its jobs use

 private:
  static std::function<void(const std::string&)> Warner(std::function<void(const std::string&)> warn) {
    if (warn) return warn;
    return [](const std::string& line) { std::fprintf(stderr, "weir: warning: %s\n", line.c_str()); };
  }
};

// One run's watched tasks, shared with the timed jobs that check SLAs (so
// that they may outlive the sink).
class RunScope : public std::enable_shared_from_this<RunScope> {
 public:
  RunScope(CallbackHub& owner, const PipelineDef& pipeline, RunRecord run, DataInterval interval)
      : owner_(owner), pipeline_(pipeline), run_(std::move(run)), interval_(std::move(interval)) {
    run_dir_ = (std::filesystem::path(owner_.options_.log_dir) / run_.pipeline / run_.ds /
                ("run-" + std::to_string(run_.id.value))).string();
    for (const TaskDef& t : pipeline_.tasks) {
      if (!t.sla && t.callbacks.empty()) continue;
      watched_.insert(t.id);
      watches_.emplace(t.id, Watch{&t});
    }
  }

  // Arms an SLA timer for each task that has an SLA, is part of this
  // execution, has not finished and has not missed it before.
  void ArmSlaTimers(const std::optional<std::set<std::string>>& only_tasks) {
    std::map<std::string, TaskState> states;
    if (auto instances = owner_.store_.TaskInstances(run_.id); instances.ok()) {
      for (const TaskInstanceRecord& t : *instances) states[t.task_id] = t.state;
    }
    MutexLock lock(mu_);
    for (auto& [id, w] : watches_) {
      if (!w.task->sla || (only_tasks && only_tasks->count(id) == 0)) continue;
      auto state = states.find(id);
      if (state != states.end() && (Succeeded(state->second) || state->second == TaskState::kSkipped)) continue;
      std::error_code ec;
      if (std::filesystem::exists(SlaMarker(id), ec)) {
        w.sla_missed = true;
        continue;
      }
      TimePoint deadline = SlaDeadline(*w.task);
      w.timer = owner_.queue_.PostAt(deadline, [self = shared_from_this(), id = id](const CancelToken&) {
        self->SlaTimerDue(id);
      });
    }
  }

  bool Watches(const std::string& task_id) const { return watched_.count(task_id) > 0; }

  void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error) {
    const TaskDef* task = nullptr;
    bool late = false;
    {
      MutexLock lock(mu_);
      Watch& w = watches_.at(task_id);
      task = w.task;
      w.state = state;
      w.attempt = attempt;
      if (IsFinished(state) && w.timer >= 0) {
        owner_.queue_.Cancel(w.timer);
        w.timer = -1;
      }
      late = Succeeded(state) && task->sla && !w.sla_missed && owner_.clock_.Now() > SlaDeadline(*task);
      if (late) w.sla_missed = true;
    }
    if (state == TaskState::kUpForRetry) Fire(CallbackEvent::kRetry, task, state, attempt, error);
    if (state == TaskState::kFailed) Fire(CallbackEvent::kFailure, task, state, attempt, error);
    if (Succeeded(state)) Fire(CallbackEvent::kSuccess, task, state, attempt, error);
    if (late) Fire(CallbackEvent::kSlaMiss, task, state, attempt, OkStatus());
  }

  // No SLA is checked after this.
  void Close() {
    MutexLock lock(mu_);
    closed_ = true;
    for (auto& [id, w] : watches_) {
      if (w.timer >= 0) owner_.queue_.Cancel(w.timer);
      w.timer = -1;
    }
  }

  void RunFinished(RunState state) {
    Close();
    if (state == RunState::kSuccess || state == RunState::kFailed) {
      CallbackEvent event = state == RunState::kSuccess ? CallbackEvent::kSuccess : CallbackEvent::kFailure;
      Queue(event, nullptr, std::string(RunStateName(state)), 0, OkStatus());
    }
  }

 private:
  struct Watch {
    const TaskDef* task = nullptr;
    TaskState state = TaskState::kPending;
    int attempt = 0;
    bool sla_missed = false;
    int timer = -1;  // the queued SLA check, -1 for none
  };

  // Airflow measures an SLA from the end of the data interval, which is
  // when a scheduled run starts. A run of an older interval (backfill,
  // catch-up, a manual --date) starts later, and counting from the interval
  // would make every such task late at once: the clock starts with the run
  // then. A run started before its interval ended counts from the end.
  TimePoint SlaDeadline(const TaskDef& task) const {
    return std::max(interval_.end, run_.started_at) + *task.sla;
  }

  std::string SlaMarker(const std::string& task_id) const {
    return (std::filesystem::path(run_dir_) / (task_id + ".sla_miss")).string();
  }

  void SlaTimerDue(const std::string& task_id) {
    const TaskDef* task = nullptr;
    TaskState state = TaskState::kPending;
    int attempt = 0;
    {
      MutexLock lock(mu_);
      Watch& w = watches_.at(task_id);
      w.timer = -1;
      // A task that failed or was skipped in time has on_failure, not a miss.
      if (closed_ || w.sla_missed || IsFinished(w.state)) return;
      w.sla_missed = true;
      task = w.task;
      state = w.state;
      attempt = w.attempt;
    }
    Fire(CallbackEvent::kSlaMiss, task, state, attempt, OkStatus());
  }

  void Fire(CallbackEvent event, const TaskDef* task, TaskState state, int attempt, const Status& error) {
    Queue(event, task, std::string(TaskStateName(state)), attempt, error);
  }

  void Queue(CallbackEvent event, const TaskDef* task, std::string state, int attempt, const Status& error) {
    const CallbackMap& callbacks = task != nullptr ? task->callbacks : pipeline_.callbacks;
    auto actions = callbacks.find(event);
    if (event != CallbackEvent::kSlaMiss && (actions == callbacks.end() || actions->second.empty())) return;
    auto firing = std::make_shared<CallbackFiring>();
    firing->event = event;
    firing->project = &owner_.project_;
    firing->pipeline = &pipeline_;
    firing->task = task;
    firing->run = run_;
    firing->interval = interval_;
    firing->state = std::move(state);
    firing->attempt = attempt;
    if (!error.ok()) {
      firing->error_code = error.code();
      firing->error = error.message();
    }
    if (event == CallbackEvent::kSlaMiss) {
      firing->sla = task->sla;
      firing->sla_deadline = SlaDeadline(*task);
    }
    const std::vector<CallbackAction>* to_run = actions != callbacks.end() ? &actions->second : nullptr;
    owner_.queue_.Post([self = shared_from_this(), firing, to_run](const CancelToken& cancel) {
      self->Run(firing, to_run, cancel);
    });
  }

  // On the queue's thread: the log path (a state read), the SLA record, then the actions.
  void Run(const std::shared_ptr<CallbackFiring>& firing, const std::vector<CallbackAction>* actions,
           const CancelToken& cancel) {
    firing->log_path = AttemptLogPath(firing->task, firing->attempt);
    if (firing->task == nullptr && firing->event == CallbackEvent::kFailure) DescribeFailedTasks(*firing);
    bool own_log = !firing->log_path.empty() && firing->event != CallbackEvent::kSlaMiss;
    firing->log_target = own_log ? firing->log_path : (std::filesystem::path(run_dir_) / "callbacks.log").string();
    std::error_code ec;
    if (!own_log) std::filesystem::create_directories(run_dir_, ec);  // the executor makes it, unless it never ran
    if (firing->event == CallbackEvent::kSlaMiss) RecordSlaMiss(*firing);
    if (actions != nullptr) tasks_internal::RunCallbackActions(firing, *actions, owner_.env_, cancel);
  }

  std::string AttemptLogPath(const TaskDef* task, int attempt) {
    if (task == nullptr || attempt <= 0) return "";
    Result<std::vector<AttemptRecord>> attempts = owner_.store_.Attempts(run_.id, task->id);
    if (!attempts.ok()) return "";
    for (const AttemptRecord& a : *attempts) {
      if (a.number == attempt) return a.log_path;
    }
    return "";
  }

  // The run's error: which of its tasks failed.
  void DescribeFailedTasks(CallbackFiring& f) {
    Result<std::vector<TaskInstanceRecord>> tasks = owner_.store_.TaskInstances(run_.id);
    if (!tasks.ok()) return;
    std::string failed;
    for (const TaskInstanceRecord& t : *tasks) {
      if (t.state == TaskState::kFailed) failed += (failed.empty() ? "" : ", ") + t.task_id;
    }
    f.error_code = "run-failed";
    f.error = failed.empty() ? "the run failed" : "failed tasks: " + failed;
  }

  void RecordSlaMiss(const CallbackFiring& f) {
    // Next to the attempt logs, which are written directly too.
    std::ofstream marker(SlaMarker(f.task->id));
    marker << tasks_internal::CallbackPayload(f) << "\n";
    std::string unrecorded = marker.flush() ? "" : " (not recorded: cannot write " + SlaMarker(f.task->id) + ")";
    owner_.env_.warn("task '" + f.task->id + "' of " + pipeline_.name + " (" + run_.ds + ") missed its SLA of " +
                     FormatDuration(*f.sla) + ": not done by " + FormatUtc(f.sla_deadline) +
                     " (state: " + f.state + ")" + unrecorded);
  }

  CallbackHub& owner_;
  const PipelineDef& pipeline_;
  const RunRecord run_;
  const DataInterval interval_;
  std::string run_dir_;
  std::set<std::string> watched_;  // tasks with callbacks or an SLA; fixed at construction
  Mutex mu_;
  // Keys are fixed at construction; the values change under mu_.
  std::map<std::string, Watch> watches_ WEIR_GUARDED_BY(mu_);
  bool closed_ WEIR_GUARDED_BY(mu_) = false;
};

class RunSink final : public RunCallbacks {
 public:
  RunSink(std::shared_ptr<RunScope> scope, EventSink& inner) : scope_(std::move(scope)), inner_(inner) {}
  ~RunSink() override { scope_->Close(); }

  void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error,
                   std::optional<TimePoint> retry_at) override {
    inner_.TaskChanged(task_id, state, attempt, error, retry_at);
    if (scope_->Watches(task_id)) scope_->TaskChanged(task_id, state, attempt, error);
  }

  void RunFinished(RunState state) override { scope_->RunFinished(state); }

 private:
  std::shared_ptr<RunScope> scope_;
  EventSink& inner_;
};

}  // namespace

// A dataset's on_stale: described as of the run that last updated it, or
// as of the first task producing it when none has.
class Callbacks::Impl : public CallbackHub {
 public:
  using CallbackHub::CallbackHub;

  void DatasetStale(const DatasetDef& dataset, const FreshnessCheck& check) {
    auto firing = std::make_shared<CallbackFiring>();
    CallbackFiring& f = *firing;
    f.event = CallbackEvent::kStale;
    f.project = &project_;
    f.dataset = dataset.name;
    f.freshness = check.freshness;
    f.age = std::chrono::floor<std::chrono::seconds>(check.age);
    if (check.last_update) f.last_updated = check.last_update->created_at;
    f.state = "stale";
    f.error_code = "stale";
    f.error = "dataset '" + dataset.name + "' " +
              (f.last_updated ? "was last updated " + FormatUtc(*f.last_updated) + ", " +
                                    FormatDuration(f.age) + " ago"
                              : "has never been updated (watched for " + FormatDuration(f.age) + ")") +
              "; its freshness promise is " + FormatDuration(f.freshness);
    f.log_target = (std::filesystem::path(options_.log_dir) / "datasets" / (dataset.name + ".log")).string();
    env_.warn(f.error);
    if (dataset.on_stale.empty() || !DescribeProducer(check, f)) return;
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(f.log_target).parent_path(), ec);
    queue_.Post([this, firing, &dataset](const CancelToken& cancel) {
      tasks_internal::RunCallbackActions(firing, dataset.on_stale, env_, cancel);
    });
  }

 private:
  // The pipeline, task, run and interval the firing is described with.
  bool DescribeProducer(const FreshnessCheck& check, CallbackFiring& f) {
    if (check.last_update) {
      f.pipeline = project_.FindPipeline(check.last_update->pipeline);
      if (f.pipeline != nullptr) f.task = f.pipeline->FindTask(check.last_update->task_id);
      Result<RunRecord> run = store_.GetRun(check.last_update->run_id);
      if (run.ok()) f.run = *run;
      f.interval.ds = f.run.ds;
      f.interval.start_iso = check.last_update->interval_start;
      f.interval.end_iso = check.last_update->interval_end;
    }
    for (const PipelineDef& p : project_.pipelines) {
      for (const TaskDef& t : p.tasks) {
        bool produces = std::any_of(t.produces.begin(), t.produces.end(),
                                    [&f](const Sourced<std::string>& d) { return d.value == f.dataset; });
        if (f.task == nullptr && produces) {
          f.pipeline = &p;
          f.task = &t;
        }
      }
    }
    if (f.pipeline == nullptr) {
      env_.warn("dataset '" + f.dataset + "': on_stale not run: no pipeline produces it any more");
      return false;
    }
    f.run.pipeline = f.pipeline->name;
    return true;
  }
};

Callbacks::Callbacks(const ProjectDef& project, const TaskServices& services, StateStore& store, Clock& clock,
                     CallbackOptions options)
    : impl_(std::make_unique<Impl>(project, services, store, clock, std::move(options))) {}

Callbacks::~Callbacks() = default;

std::unique_ptr<RunCallbacks> Callbacks::ForRun(const PipelineDef& pipeline, const RunRecord& run,
                                                const DataInterval& interval, EventSink& inner,
                                                const std::optional<std::set<std::string>>& only_tasks) {
  auto scope = std::make_shared<RunScope>(*impl_, pipeline, run, interval);
  scope->ArmSlaTimers(only_tasks);
  return std::make_unique<RunSink>(std::move(scope), inner);
}

int Callbacks::Drain(std::chrono::milliseconds limit) {
  int left = impl_->queue_.Drain(limit);
  if (left > 0) {
    impl_->env_.warn(std::to_string(left) + " callback" + (left == 1 ? " was" : "s were") +
                     " still pending when weir stopped waiting for them, and did not run");
  }
  return left;
}

void Callbacks::Abandon() { impl_->queue_.Abandon(); }

void Callbacks::DatasetStale(const DatasetDef& dataset, const FreshnessCheck& check) {
  impl_->DatasetStale(dataset, check);
}

void Callbacks::RunDue() { impl_->queue_.RunDue(); }

}  // namespace weir
