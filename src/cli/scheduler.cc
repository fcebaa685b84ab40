#include "cli/scheduler.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <thread>

#include "cli/progress.h"
#include "config/pipeline_schedule.h"
#include "engine/run_control.h"

namespace weir::cli {
namespace {

// Catchup creates at most this many runs per pipeline per tick, so that a
// pipeline owing years of intervals does not hold up the others.
constexpr size_t kCatchupBatch = 500;

// The interval a run recorded (its schedule may have changed since).
Result<DataInterval> IntervalOfRun(const RunRecord& run) {
  DataInterval interval;
  WEIR_ASSIGN_OR_RETURN(interval.start, ParseIsoInstant(run.interval_start));
  WEIR_ASSIGN_OR_RETURN(interval.end, ParseIsoInstant(run.interval_end));
  interval.ds = run.ds;
  interval.start_iso = run.interval_start;
  interval.end_iso = run.interval_end;
  return interval;
}

// Oldest interval first, then creation order: what Airflow runs first.
void SortOldestFirst(std::vector<RunRecord>& runs) {
  auto start = [](const RunRecord& r) {
    Result<TimePoint> t = ParseIsoInstant(r.interval_start);
    return t.ok() ? *t : TimePoint::min();
  };
  std::stable_sort(runs.begin(), runs.end(), [&](const RunRecord& a, const RunRecord& b) {
    TimePoint sa = start(a), sb = start(b);
    return sa != sb ? sa < sb : a.id.value < b.id.value;
  });
}

RunFilter RunsOf(const std::string& pipeline, RunState state) {
  RunFilter filter;
  filter.pipeline = pipeline;
  filter.limit = 0;
  filter.state = state;
  return filter;
}

}  // namespace

struct Scheduler::ActiveRun {
  RunRecord run;
  DataInterval interval;
  std::unique_ptr<EventSink> lines;
  std::unique_ptr<RunCallbacks> events;  // wraps `lines`
  std::unique_ptr<RunExecutor> executor;
  std::thread thread;
  std::atomic<bool> done{false};
  Result<RunState> outcome = RunState::kInterrupted;  // set by `thread` before `done`
  bool cancelled = false;  // stopped by an overlap policy: stays interrupted
};

struct Scheduler::PipelineSlot {
  const PipelineGraph* graph = nullptr;
  std::optional<Schedule> schedule;  // none: runs only when triggered
  int lock_fd = -1;                  // the pipeline's lock while this process runs it
  bool told_locked = false;          // said once that another process holds the lock
  std::map<int64_t, std::unique_ptr<ActiveRun>> active;  // by run id

  const PipelineDef& pipeline() const { return graph->pipeline(); }
};

Scheduler::Scheduler(const LoadedProject& loaded, StateStore& store, TaskRuntime& runtime, Callbacks& callbacks,
                     Clock& clock, SchedulerOptions options)
    : loaded_(loaded), store_(store), runtime_(runtime), callbacks_(callbacks), clock_(clock), options_(options) {
  for (const auto& graph : loaded_.graphs) {
    auto slot = std::make_unique<PipelineSlot>();
    slot->graph = graph.get();
    if (graph->pipeline().schedule) {
      Result<Schedule> schedule = ScheduleOf(graph->pipeline());
      if (schedule.ok()) slot->schedule = *schedule;  // a valid project's schedules parse
    }
    slots_.emplace(graph->pipeline().name, std::move(slot));
  }
}

Scheduler::~Scheduler() {
  for (auto& [name, slot] : slots_) {
    for (auto& [id, active] : slot->active) {
      active->executor->Stop();
      if (active->thread.joinable()) active->thread.join();
    }
    if (slot->lock_fd >= 0) ::close(slot->lock_fd);
  }
}

void Scheduler::Stop() {
  MutexLock lock(mu_);
  stopping_ = true;
  wake_.notify_all();
}

void Scheduler::Cancel(RunId run) {
  MutexLock lock(mu_);
  cancel_requests_.push_back(run);
  wake_.notify_all();
}

Scheduler::Progress Scheduler::progress() const {
  MutexLock lock(mu_);
  return progress_;
}

void Scheduler::CancelRequested() {
  std::vector<RunId> requests;
  {
    MutexLock lock(mu_);
    requests.swap(cancel_requests_);
  }
  for (RunId id : requests) {
    bool stopped = false;
    for (auto& [name, slot] : slots_) {
      auto active = slot->active.find(id.value);
      if (active == slot->active.end()) continue;
      // Stopped runs end interrupted; `cancelled` keeps them from being queued again.
      active->second->cancelled = true;
      active->second->executor->Stop();
      Print("%s %s: run %lld cancelled (api)", name.c_str(), active->second->run.ds.c_str(),
            static_cast<long long>(id.value));
      stopped = true;
    }
    if (stopped) continue;
    Result<RunRecord> run = store_.GetRun(id);
    if (run.ok() && run->state != RunState::kQueued) continue;
    Status ended = run.ok() ? store_.FinishRun(id, RunState::kInterrupted, clock_.Now()) : run.status();
    if (!ended.ok()) {
      Print("run %lld cannot be cancelled: %s", static_cast<long long>(id.value), ended.ToString().c_str());
      continue;
    }
    Print("%s %s: queued run %lld cancelled (api)", run->pipeline.c_str(), run->ds.c_str(),
          static_cast<long long>(id.value));
  }
}

void Scheduler::Print(const char* format, ...) {
  MutexLock lock(out_mu_);
  std::fprintf(options_.out, "%s  ", FormatUtc(clock_.Now()).c_str());
  va_list args;
  va_start(args, format);
  std::vfprintf(options_.out, format, args);
  va_end(args);
  std::fputc('\n', options_.out);
  std::fflush(options_.out);
}

Status Scheduler::Serve() {
  Print("scheduler started: %zu pipelines, polling every %s", slots_.size(),
        FormatDuration(options_.poll).c_str());
  Status failure;
  for (;;) {
    bool busy = false;
    Status tick = Tick(busy);
    // A state store that is busy or briefly unwritable is tried again next
    // tick; the error is shown, not fatal.
    if (!tick.ok()) Print("error: %s", tick.ToString().c_str());
    if (options_.exit_when_idle && !busy && tick.ok()) break;
    MutexLock lock(mu_);
    progress_.last_tick = clock_.Now();
    ++progress_.ticks;
    if (stopping_) break;
    if (!run_ended_ && cancel_requests_.empty()) clock_.WaitUntil(wake_, lock.native(), clock_.Now() + options_.poll);
    run_ended_ = false;
    if (stopping_) break;
  }
  // Runs still going are stopped and queued again for the next scheduler.
  for (auto& [name, slot] : slots_) {
    for (auto& [id, active] : slot->active) active->executor->Stop();
  }
  for (auto& [name, slot] : slots_) {
    for (auto& [id, active] : slot->active) {
      if (active->thread.joinable()) active->thread.join();
      if (active->cancelled) continue;
      Status requeue = store_.FinishRun(active->run.id, RunState::kQueued, clock_.Now());
      if (!requeue.ok() && failure.ok()) failure = requeue;
      Print("%s %s: run %lld stopped, queued again", name.c_str(), active->run.ds.c_str(),
            static_cast<long long>(id));
    }
    slot->active.clear();
    if (slot->lock_fd >= 0) ::close(slot->lock_fd);
    slot->lock_fd = -1;
  }
  Print("scheduler stopped");
  return failure;
}

Status Scheduler::Tick(bool& busy) {
  CancelRequested();
  for (auto& [name, slot_ptr] : slots_) {
    PipelineSlot& slot = *slot_ptr;
    Reap(slot);
    WEIR_ASSIGN_OR_RETURN(PipelineScheduleState state, store_.GetPipelineState(name));
    if (!state.paused) {
      if (slot.schedule) WEIR_TRY(CreateDueRuns(slot, state));
      if (!slot.pipeline().schedule_on.empty()) WEIR_TRY(CreateDatasetRun(slot, state));
      bool waiting = false;
      WEIR_TRY(StartRuns(slot, waiting));
      if (waiting) busy = true;
    }
    if (!slot.active.empty()) busy = true;
  }
  return CheckDatasetFreshness();
}

// Each dataset with a `freshness:` promise: a new miss is recorded, then
// told and its on_stale queued (a crash in between loses it, never doubles it).
Status Scheduler::CheckDatasetFreshness() {
  for (const auto& [name, dataset] : loaded_.project.datasets) {
    WEIR_ASSIGN_OR_RETURN(FreshnessCheck check, CheckFreshness(store_, name, dataset.freshness, clock_.Now()));
    if (!check.newly_missed) continue;
    std::string age = FormatDuration(std::chrono::floor<std::chrono::seconds>(check.age));
    std::string since = check.last_update ? "last updated " + age + " ago" : "never updated, watched for " + age;
    Print("dataset %s: stale: %s; freshness promised: %s", name.c_str(), since.c_str(),
          FormatDuration(dataset.freshness).c_str());
    callbacks_.DatasetStale(dataset, check);
  }
  return OkStatus();
}

Status Scheduler::CreateDueRuns(PipelineSlot& slot, const PipelineScheduleState& state) {
  const PipelineDef& pipeline = slot.pipeline();
  CatchupRequest request;
  request.next_start = state.next_start;
  request.start_date = pipeline.start_date;
  request.end_date = pipeline.end_date;
  request.catchup = pipeline.catchup;
  request.limit = kCatchupBatch;
  WEIR_ASSIGN_OR_RETURN(CatchupPlan plan, PlanCatchup(*slot.schedule, pipeline.timezone, request, clock_.Now()));
  for (const DataInterval& interval : plan.intervals) {
    WEIR_TRY(QueueRun(slot, interval, "scheduled",
                      [&] { return store_.SetNextScheduledStart(pipeline.name, interval.end); }));
  }
  return OkStatus();
}

// Airflow's dataset schedules: due once every dataset in `on:` has an event
// past the pipeline's cursor. The run's interval spans the producing runs'
// intervals, so `ds` is the data's date, not today's.
Status Scheduler::CreateDatasetRun(PipelineSlot& slot, const PipelineScheduleState& state) {
  const PipelineDef& pipeline = slot.pipeline();
  std::vector<std::string> datasets;
  for (const auto& d : pipeline.schedule_on) datasets.push_back(d.value);
  WEIR_ASSIGN_OR_RETURN(std::vector<DatasetEvent> events, store_.DatasetEventsAfter(datasets, state.dataset_cursor));
  for (const std::string& d : datasets) {
    auto updated = [&d](const DatasetEvent& e) { return e.dataset == d; };
    if (std::none_of(events.begin(), events.end(), updated)) return OkStatus();
  }
  TimePoint start = TimePoint::max(), end = TimePoint::min();
  for (const DatasetEvent& e : events) {
    Result<TimePoint> s = ParseIsoInstant(e.interval_start), t = ParseIsoInstant(e.interval_end);
    if (s.ok()) start = std::min(start, *s);
    if (t.ok()) end = std::max(end, *t);
  }
  if (start == TimePoint::max() || end == TimePoint::min()) start = end = clock_.Now();
  WEIR_ASSIGN_OR_RETURN(DataInterval interval, IntervalStartingAt(DailySchedule(), pipeline.timezone, start));
  WEIR_ASSIGN_OR_RETURN(DataInterval ending, IntervalStartingAt(DailySchedule(), pipeline.timezone, end));
  interval.end = end;
  interval.end_iso = ending.start_iso;
  int64_t cursor = events.back().id;
  return QueueRun(slot, interval, "dataset", [&] { return store_.SetDatasetCursor(pipeline.name, cursor); });
}

// Queues a run of `interval` unless one exists or the overlap policy says
// no, committing `also` (what the scheduler owes next) in the same
// transaction: a crash in between can neither lose the run nor make it twice.
Status Scheduler::QueueRun(PipelineSlot& slot, const DataInterval& interval, const std::string& run_type,
                           const std::function<Status()>& also) {
  const PipelineDef& pipeline = slot.pipeline();
  bool create = true;
  WEIR_TRY(ApplyOverlap(slot, interval, create));
  WEIR_ASSIGN_OR_RETURN(std::optional<RunRecord> existing, LatestRunOf(store_, pipeline.name, interval));
  // A dataset run of the same interval as an earlier one is new data.
  if (existing && run_type == "dataset") existing.reset();
  std::optional<RunRecord> created;
  WEIR_TRY(store_.Batch([&]() -> Status {
    if (create && !existing) {
      NewRun run{pipeline.name, interval.ds, interval.start_iso, interval.end_iso, clock_.Now(), {}};
      for (int i : slot.graph->order()) run.task_ids.push_back(slot.graph->id(i));
      WEIR_ASSIGN_OR_RETURN(run.params_json, RunParams(pipeline, {}));
      run.run_type = run_type;
      run.queued = true;
      WEIR_ASSIGN_OR_RETURN(created, store_.CreateRun(run));
    }
    return also();
  }));
  if (created) {
    Print("%s %s: run %lld queued for [%s, %s) (%s)", pipeline.name.c_str(), interval.ds.c_str(),
          static_cast<long long>(created->id.value), interval.start_iso.c_str(), interval.end_iso.c_str(),
          run_type.c_str());
  } else if (existing) {
    Print("%s %s: interval closed; run %lld already covers it", pipeline.name.c_str(), interval.ds.c_str(),
          static_cast<long long>(existing->id.value));
  }
  return OkStatus();
}

Status Scheduler::ApplyOverlap(PipelineSlot& slot, const DataInterval& interval, bool& create) {
  const PipelineDef& pipeline = slot.pipeline();
  if (pipeline.overlap == OverlapPolicy::kAllow) return OkStatus();
  WEIR_ASSIGN_OR_RETURN(std::vector<RunRecord> queued, store_.ListRuns(RunsOf(pipeline.name, RunState::kQueued)));
  WEIR_ASSIGN_OR_RETURN(std::vector<RunRecord> running, store_.ListRuns(RunsOf(pipeline.name, RunState::kRunning)));
  std::string policy(OverlapPolicyName(pipeline.overlap));
  switch (pipeline.overlap) {
    case OverlapPolicy::kAllow:
      return OkStatus();
    case OverlapPolicy::kSkip:
      create = queued.empty() && running.empty();
      break;
    case OverlapPolicy::kBufferOne:
      create = queued.empty();
      break;
    case OverlapPolicy::kCancelOther:
      for (const RunRecord& run : queued) {
        WEIR_TRY(store_.FinishRun(run.id, RunState::kInterrupted, clock_.Now()));
        Print("%s %s: queued run %lld cancelled (overlap: %s)", pipeline.name.c_str(), run.ds.c_str(),
              static_cast<long long>(run.id.value), policy.c_str());
      }
      for (auto& [id, active] : slot.active) {
        active->cancelled = true;
        active->executor->Stop();
        Print("%s %s: run %lld cancelled (overlap: %s)", pipeline.name.c_str(), active->run.ds.c_str(),
              static_cast<long long>(id), policy.c_str());
      }
      // Wait for them, so that the new run never overlaps.
      for (auto& [id, active] : slot.active) {
        if (active->thread.joinable()) active->thread.join();
      }
      Reap(slot);
      return OkStatus();
  }
  if (!create) {
    Print("%s %s: interval skipped, a run is still %s (overlap: %s)", pipeline.name.c_str(), interval.ds.c_str(),
          queued.empty() ? "running" : "queued", policy.c_str());
  }
  return OkStatus();
}

bool Scheduler::HoldLock(PipelineSlot& slot) {
  if (slot.lock_fd >= 0) return true;
  Result<int> lock = LockPipeline(loaded_.project, slot.pipeline().name);
  if (!lock.ok()) return false;
  slot.lock_fd = *lock;
  slot.told_locked = false;
  return true;
}

Status Scheduler::StartRuns(PipelineSlot& slot, bool& waiting) {
  const std::string& name = slot.pipeline().name;
  WEIR_ASSIGN_OR_RETURN(std::vector<RunRecord> running, store_.ListRuns(RunsOf(name, RunState::kRunning)));
  WEIR_ASSIGN_OR_RETURN(std::vector<RunRecord> queued, store_.ListRuns(RunsOf(name, RunState::kQueued)));
  // Runs marked running that this process is not running: a killed process
  // left them, if nobody holds the pipeline's lock.
  std::vector<RunRecord> orphans;
  for (const RunRecord& run : running) {
    if (slot.active.count(run.id.value) == 0) orphans.push_back(run);
  }
  if (orphans.empty() && queued.empty()) return OkStatus();
  if (!HoldLock(slot)) {
    waiting = true;
    if (!slot.told_locked) {
      Print("%s: another weir process holds the pipeline (weir run?); %zu queued runs wait for it", name.c_str(),
            queued.size());
      slot.told_locked = true;
    }
    return OkStatus();
  }
  SortOldestFirst(orphans);
  SortOldestFirst(queued);
  // Resumed runs were running already: they do not wait for a free place.
  for (const RunRecord& run : orphans) WEIR_TRY(TakeOver(slot, run).status());
  for (const RunRecord& run : queued) {
    if (static_cast<int>(slot.active.size()) >= slot.pipeline().max_active_runs) break;
    Launch(slot, run, false);
  }
  if (slot.active.empty()) {
    ::close(slot.lock_fd);
    slot.lock_fd = -1;
  }
  return OkStatus();
}

Result<bool> Scheduler::TakeOver(PipelineSlot& slot, const RunRecord& run) {
  RecoveryOptions recovery;
  recovery.processes = &runtime_.process_table;
  recovery.zombie_after = loaded_.project.heartbeat.ZombieAfter();
  std::string who = slot.pipeline().name + " " + run.ds + ": ";
  recovery.say = [this, who](const std::string& line) { Print("%s%s", who.c_str(), line.c_str()); };
  WEIR_ASSIGN_OR_RETURN(ZombieSweep sweep, ReapZombies(store_, run, slot.pipeline(), clock_, recovery));
  if (sweep.owned) return false;
  Launch(slot, run, true);
  return true;
}

void Scheduler::Launch(PipelineSlot& slot, const RunRecord& record, bool take_over) {
  const PipelineDef& pipeline = slot.pipeline();
  std::string who = pipeline.name + " " + record.ds + ": ";
  auto say = [this, who](const std::string& line) { Print("%s%s", who.c_str(), line.c_str()); };
  Result<DataInterval> interval = IntervalOfRun(record);
  Result<RunRecord> run = interval.ok() ? ResumeRun(store_, record, clock_, say) : Result<RunRecord>(interval.status());
  if (!run.ok()) {
    Print("%s %s: run %lld cannot start: %s", pipeline.name.c_str(), record.ds.c_str(),
          static_cast<long long>(record.id.value), run.status().ToString().c_str());
    return;
  }
  auto active = std::make_unique<ActiveRun>();
  active->run = *run;
  active->interval = *interval;
  active->lines = std::make_unique<TaskLines>(pipeline.name + "  " + record.ds, clock_, out_mu_, options_.out);
  active->events = callbacks_.ForRun(pipeline, active->run, active->interval, *active->lines);
  ExecutorOptions executor_options = RunOptions(loaded_.project, options_.threads, runtime_);
  executor_options.keep_failed = take_over;
  active->executor = std::make_unique<RunExecutor>(loaded_.project, *slot.graph, store_, *runtime_.runners, clock_,
                                                   *active->events, std::move(executor_options));
  Print("%s %s: run %lld %s (%s)", pipeline.name.c_str(), record.ds.c_str(), static_cast<long long>(record.id.value),
        record.state == RunState::kQueued ? "started" : "resumed", record.run_type.c_str());
  ActiveRun* a = active.get();
  a->thread = std::thread([this, a] {
    a->outcome = a->executor->Execute(a->run, a->interval);
    if (a->outcome.ok()) a->events->RunFinished(*a->outcome);
    a->done = true;
    MutexLock lock(mu_);
    run_ended_ = true;
    wake_.notify_all();
  });
  slot.active.emplace(record.id.value, std::move(active));
}

void Scheduler::Reap(PipelineSlot& slot) {
  for (auto it = slot.active.begin(); it != slot.active.end();) {
    ActiveRun& a = *it->second;
    if (!a.done) {
      ++it;
      continue;
    }
    if (a.thread.joinable()) a.thread.join();
    std::string outcome = a.outcome.ok() ? std::string(RunStateName(*a.outcome)) : a.outcome.status().ToString();
    Print("%s %s: run %lld %s", slot.pipeline().name.c_str(), a.run.ds.c_str(),
          static_cast<long long>(a.run.id.value), outcome.c_str());
    it = slot.active.erase(it);
  }
  if (slot.active.empty() && slot.lock_fd >= 0) {
    ::close(slot.lock_fd);
    slot.lock_fd = -1;
  }
}

}  // namespace weir::cli
