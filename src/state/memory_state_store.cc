// The in-memory state store: the SQLite store's behaviour without a file, for
// tests of the engine, CLI and server. state_store_test runs the same cases
// against both, which is what keeps them alike.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <mutex>

#include "state/internal/records.h"
#include "state/state.h"

namespace weir {
namespace {

using state_internal::TruncateToMillis;

constexpr std::string_view kStoreName = "memory";

struct RunEntry {
  RunRecord run;
  std::vector<TaskInstanceRecord> tasks;  // in the order the run listed them
};

class MemoryStateStore final : public StateStore {
 public:
  Result<RunRecord> CreateRun(const NewRun& run) override;
  Result<RunRecord> GetRun(RunId id) override;
  Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) override;
  Status FinishRun(RunId id, RunState state, TimePoint ended_at) override;
  Status ReopenRun(RunId id) override;
  Result<bool> StartQueuedRun(RunId id, TimePoint now) override {
    std::lock_guard lock(mu_);
    WEIR_ASSIGN_OR_RETURN(RunEntry * entry, FindRun(id));
    if (entry->run.state != RunState::kQueued) return false;
    entry->run.state = RunState::kRunning;
    entry->run.started_at = TruncateToMillis(now);
    entry->run.ended_at.reset();
    return true;
  }
  Result<PipelineScheduleState> GetPipelineState(const std::string& pipeline) override {
    std::lock_guard lock(mu_);
    auto it = pipelines_.find(pipeline);
    return it == pipelines_.end() ? PipelineScheduleState{} : it->second;
  }
  Status SetPipelinePaused(const std::string& pipeline, bool paused) override {
    std::lock_guard lock(mu_);
    pipelines_[pipeline].paused = paused;
    return OkStatus();
  }
  Status SetNextScheduledStart(const std::string& pipeline, TimePoint next_start) override {
    std::lock_guard lock(mu_);
    pipelines_[pipeline].next_start = TruncateToMillis(next_start);
    return OkStatus();
  }
  Status SetDatasetCursor(const std::string& pipeline, int64_t event_id) override {
    std::lock_guard lock(mu_);
    pipelines_[pipeline].dataset_cursor = event_id;
    return OkStatus();
  }
  Status RecordDatasetEvent(const DatasetEvent& event) override {
    std::lock_guard lock(mu_);
    DatasetEvent stored = event;
    stored.id = static_cast<int64_t>(dataset_events_.size()) + 1;
    stored.created_at = TruncateToMillis(event.created_at);
    dataset_events_.push_back(stored);
    return OkStatus();
  }
  Result<std::vector<DatasetEvent>> DatasetEventsAfter(const std::vector<std::string>& datasets,
                                                       int64_t after_id) override {
    std::lock_guard lock(mu_);
    std::vector<DatasetEvent> events;
    for (const DatasetEvent& e : dataset_events_) {
      bool wanted = std::find(datasets.begin(), datasets.end(), e.dataset) != datasets.end();
      if (wanted && e.id > after_id) events.push_back(e);
    }
    return events;
  }
  Result<std::optional<DatasetEvent>> LatestDatasetEvent(const std::string& dataset) override {
    std::lock_guard lock(mu_);
    for (auto it = dataset_events_.rbegin(); it != dataset_events_.rend(); ++it) {
      if (it->dataset == dataset) return std::optional<DatasetEvent>(*it);
    }
    return std::optional<DatasetEvent>();
  }
  Result<DatasetFreshnessRecord> GetDatasetFreshness(const std::string& dataset) override {
    std::lock_guard lock(mu_);
    auto it = freshness_.find(dataset);
    return it == freshness_.end() ? DatasetFreshnessRecord{} : it->second;
  }
  Status SetDatasetFreshness(const std::string& dataset, const DatasetFreshnessRecord& record) override {
    std::lock_guard lock(mu_);
    DatasetFreshnessRecord& stored = freshness_[dataset];
    stored = record;
    if (stored.watched_since) stored.watched_since = TruncateToMillis(*stored.watched_since);
    if (stored.missed_at) stored.missed_at = TruncateToMillis(*stored.missed_at);
    return OkStatus();
  }
  Result<std::vector<TaskInstanceRecord>> TaskInstances(RunId run) override;
  Status SetTaskState(RunId run, const std::string& task_id, TaskState state) override;
  Status ExpandTask(RunId run, const std::string& task_id, const std::vector<std::string>& items_json) override;
  Status ResetExpansion(RunId run, const std::string& task_id) override;
  using StateStore::StartAttempt;
  Result<AttemptRecord> StartAttempt(RunId run, const std::string& task_id, TimePoint started_at,
                                     const std::string& log_path, const ProcessIdentity& owner) override;
  Status RecordAttemptProcess(AttemptId attempt, const ProcessIdentity& group) override {
    std::lock_guard lock(mu_);
    auto it = attempts_.find(attempt.value);
    if (it == attempts_.end()) return state_internal::UnknownAttemptError(attempt, kStoreName);
    it->second.process_group = group;
    return OkStatus();
  }
  Status Heartbeat(const std::vector<AttemptId>& attempts, TimePoint now) override {
    std::lock_guard lock(mu_);
    for (AttemptId a : attempts) {
      auto it = attempts_.find(a.value);
      if (it != attempts_.end() && it->second.state == AttemptState::kRunning) {
        it->second.heartbeat_at = TruncateToMillis(now);
      }
    }
    return OkStatus();
  }
  Result<std::vector<AttemptRecord>> RunningAttempts(RunId run) override {
    std::lock_guard lock(mu_);
    WEIR_TRY(FindRun(run));
    std::vector<AttemptRecord> running;
    for (const auto& [id, record] : attempts_) {
      if (record.run_id == run && record.state == AttemptState::kRunning) running.push_back(record);
    }
    return running;
  }
  Status FinishAttempt(AttemptId attempt, const AttemptEnd& end) override;
  Result<std::vector<AttemptRecord>> Attempts(RunId run, const std::string& task_id) override;
  Result<int> InterruptRunningAttempts(RunId run, TimePoint now) override;
  // No isolation in memory: the calls inside apply as they are made.
  Status Batch(const std::function<Status()>& body) override { return body(); }
  Result<std::optional<CacheEntry>> LookupCache(const std::string& pipeline, const std::string& task_id,
                                                const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = cache_.find({pipeline, task_id, key});
    if (it == cache_.end()) return std::optional<CacheEntry>();
    return std::optional<CacheEntry>(it->second);
  }
  Status StoreCache(const CacheEntry& entry) override {
    std::lock_guard lock(mu_);
    CacheEntry stored = entry;
    stored.created_at = TruncateToMillis(entry.created_at);
    cache_[{entry.pipeline, entry.task_id, entry.key}] = stored;
    return OkStatus();
  }
  Result<int> ClearCache(const std::string& pipeline, const std::string& task_id) override {
    std::lock_guard lock(mu_);
    int removed = 0;
    for (auto it = cache_.begin(); it != cache_.end();) {
      bool match = (pipeline.empty() || it->second.pipeline == pipeline) &&
                   (task_id.empty() || it->second.task_id == task_id);
      it = match ? (++removed, cache_.erase(it)) : std::next(it);
    }
    return removed;
  }
  Status RecordCheckResults(const std::vector<CheckResultRecord>& results) override;
  Result<std::vector<CheckResultRecord>> CheckHistory(const std::string& suite, const std::string& check,
                                                      const std::string& before_interval, int limit) override;
  Status RecordCursorRange(const CursorRange& range) override;
  Result<std::optional<CursorRange>> CursorRangeFor(const std::string& pipeline, const std::string& task_id,
                                                    const std::string& interval_start) override;
  Result<std::optional<CursorRange>> PreviousCursorRange(const std::string& pipeline, const std::string& task_id,
                                                         const std::string& interval_start) override;
  Status RecordSourceFiles(const SourceFileSet& set) override;
  Result<std::optional<SourceFileSet>> SourceFilesFor(const std::string& pipeline, const std::string& task_id,
                                                      const std::string& interval_start) override;
  Result<std::vector<SourceFileSet>> SourceFileSets(const std::string& pipeline, const std::string& task_id) override;
  Result<StateCounts> CountStates() override;
  Result<AuditEntry> RecordAudit(const AuditEntry& entry) override {
    std::lock_guard lock(mu_);
    AuditEntry stored = entry;
    stored.id = static_cast<int64_t>(audit_.size()) + 1;
    stored.at = TruncateToMillis(entry.at);
    audit_.push_back(stored);
    return stored;
  }
  Result<std::vector<AuditEntry>> AuditLog(int limit, int offset) override {
    std::lock_guard lock(mu_);
    std::vector<AuditEntry> entries(audit_.rbegin(), audit_.rend());  // newest first
    size_t skip = std::min(entries.size(), static_cast<size_t>(std::max(offset, 0)));
    entries.erase(entries.begin(), entries.begin() + static_cast<std::ptrdiff_t>(skip));
    if (limit > 0 && entries.size() > static_cast<size_t>(limit)) entries.resize(limit);
    return entries;
  }

 private:
  // Lookups with mu_ held; the pointers live until the store does.
  Result<RunEntry*> FindRun(RunId id);
  Result<TaskInstanceRecord*> FindTask(RunId run, std::string_view task_id);

  std::mutex mu_;  // guards everything below
  int64_t next_run_id_ = 1;
  int64_t next_attempt_id_ = 1;
  std::map<int64_t, RunEntry> runs_;
  std::map<int64_t, AttemptRecord> attempts_;  // by id, so in creation order
  std::map<std::tuple<std::string, std::string, std::string>, CacheEntry> cache_;
  std::map<std::string, PipelineScheduleState> pipelines_;
  std::vector<DatasetEvent> dataset_events_;  // in id order
  std::map<std::string, DatasetFreshnessRecord> freshness_;
  std::vector<CheckResultRecord> check_results_;  // in id order
  // By (pipeline, task_id), then interval start.
  std::map<std::pair<std::string, std::string>, std::map<std::string, CursorRange>> cursor_ranges_;
  // By (pipeline, task_id), then interval start.
  std::map<std::pair<std::string, std::string>, std::map<std::string, SourceFileSet>> source_files_;
  std::vector<AuditEntry> audit_;  // in id order
};

Result<RunEntry*> MemoryStateStore::FindRun(RunId id) {
  auto it = runs_.find(id.value);
  if (it == runs_.end()) return state_internal::UnknownRunError(id, kStoreName);
  return &it->second;
}

Result<TaskInstanceRecord*> MemoryStateStore::FindTask(RunId run, std::string_view task_id) {
  WEIR_ASSIGN_OR_RETURN(RunEntry * entry, FindRun(run));
  auto it = std::find_if(entry->tasks.begin(), entry->tasks.end(),
                         [&](const TaskInstanceRecord& t) { return t.task_id == task_id; });
  if (it == entry->tasks.end()) return state_internal::UnknownTaskError(run, task_id, kStoreName);
  return &*it;
}

Result<RunRecord> MemoryStateStore::CreateRun(const NewRun& run) {
  WEIR_TRY(state_internal::CheckDistinctTaskIds(run.task_ids));
  std::lock_guard lock(mu_);
  RunEntry entry;
  entry.run = state_internal::NewRunRecord(run);
  entry.run.id = RunId{next_run_id_++};
  for (const std::string& task_id : run.task_ids) {
    entry.tasks.push_back(TaskInstanceRecord{entry.run.id, task_id, TaskState::kPending, 0, ""});
  }
  RunRecord record = entry.run;
  runs_.emplace(record.id.value, std::move(entry));
  return record;
}

Result<RunRecord> MemoryStateStore::GetRun(RunId id) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(RunEntry * entry, FindRun(id));
  return entry->run;
}

Result<std::vector<RunRecord>> MemoryStateStore::ListRuns(const RunFilter& filter) {
  std::lock_guard lock(mu_);
  std::vector<RunRecord> runs;
  for (const auto& [id, entry] : runs_) {
    if (filter.pipeline && entry.run.pipeline != *filter.pipeline) continue;
    if (filter.ds && entry.run.ds != *filter.ds) continue;
    if (filter.state && entry.run.state != *filter.state) continue;
    if (filter.since && entry.run.ds < *filter.since) continue;
    runs.push_back(entry.run);
  }
  // Newest first, ties by id: the same order as the SQLite store's query.
  std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) {
    if (a.started_at != b.started_at) return a.started_at > b.started_at;
    return a.id.value > b.id.value;
  });
  size_t offset = std::min(runs.size(), static_cast<size_t>(std::max(filter.offset, 0)));
  runs.erase(runs.begin(), runs.begin() + static_cast<std::ptrdiff_t>(offset));
  if (filter.limit > 0 && runs.size() > static_cast<size_t>(filter.limit)) runs.resize(filter.limit);
  return runs;
}

Status MemoryStateStore::FinishRun(RunId id, RunState state, TimePoint ended_at) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(RunEntry * entry, FindRun(id));
  entry->run.state = state;
  entry->run.ended_at = TruncateToMillis(ended_at);
  return OkStatus();
}

Status MemoryStateStore::ReopenRun(RunId id) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(RunEntry * entry, FindRun(id));
  entry->run.state = RunState::kRunning;
  entry->run.ended_at.reset();
  return OkStatus();
}

Result<std::vector<TaskInstanceRecord>> MemoryStateStore::TaskInstances(RunId run) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(RunEntry * entry, FindRun(run));
  return entry->tasks;
}

Status MemoryStateStore::SetTaskState(RunId run, const std::string& task_id, TaskState state) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord * task, FindTask(run, task_id));
  task->state = state;
  return OkStatus();
}

bool IsInstanceOf(const TaskInstanceRecord& t, const std::string& task_id) {
  return t.map_index >= 0 && t.task_id.size() > task_id.size() && t.task_id.compare(0, task_id.size(), task_id) == 0 &&
         t.task_id[task_id.size()] == '[';
}

Status MemoryStateStore::ExpandTask(RunId run, const std::string& task_id, const std::vector<std::string>& items_json) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord * task, FindTask(run, task_id));
  int count = static_cast<int>(items_json.size());
  task->map_count = count;
  RunEntry& entry = runs_.at(run.value);
  std::set<std::string> removed;
  std::erase_if(entry.tasks, [&](const TaskInstanceRecord& t) {
    bool past = IsInstanceOf(t, task_id) && t.map_index >= count;
    if (past) removed.insert(t.task_id);
    return past;
  });
  std::erase_if(attempts_, [&](const auto& a) { return a.second.run_id == run && removed.count(a.second.task_id) > 0; });
  for (int i = 0; i < count; ++i) {
    std::string id = MapInstanceId(task_id, i);
    auto it = std::find_if(entry.tasks.begin(), entry.tasks.end(),
                           [&](const TaskInstanceRecord& t) { return t.task_id == id; });
    if (it == entry.tasks.end()) it = entry.tasks.insert(entry.tasks.end(), TaskInstanceRecord{run, id});
    it->state = TaskState::kPending;
    it->output_json.clear();
    it->map_index = i;
    it->map_item_json = items_json[i];
  }
  return OkStatus();
}

Status MemoryStateStore::ResetExpansion(RunId run, const std::string& task_id) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord * task, FindTask(run, task_id));
  task->map_count.reset();
  for (TaskInstanceRecord& t : runs_.at(run.value).tasks) {
    if (IsInstanceOf(t, task_id)) t.state = TaskState::kPending;
  }
  return OkStatus();
}

Result<AttemptRecord> MemoryStateStore::StartAttempt(RunId run, const std::string& task_id, TimePoint started_at,
                                                     const std::string& log_path, const ProcessIdentity& owner) {
  std::lock_guard lock(mu_);
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord * task, FindTask(run, task_id));
  task->attempts += 1;
  task->state = TaskState::kRunning;
  AttemptRecord record;
  record.id = AttemptId{next_attempt_id_++};
  record.run_id = run;
  record.task_id = task_id;
  record.number = task->attempts;
  record.started_at = TruncateToMillis(started_at);
  record.log_path = log_path;
  record.owner = owner;
  record.heartbeat_at = record.started_at;
  attempts_.emplace(record.id.value, record);
  return record;
}

Status MemoryStateStore::FinishAttempt(AttemptId attempt, const AttemptEnd& end) {
  std::lock_guard lock(mu_);
  auto it = attempts_.find(attempt.value);
  if (it == attempts_.end()) return state_internal::UnknownAttemptError(attempt, kStoreName);
  AttemptRecord& record = it->second;
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord * task, FindTask(record.run_id, record.task_id));
  record.state = end.state;
  record.ended_at = TruncateToMillis(end.ended_at);
  record.error_code = end.error_code;
  record.error_message = end.error_message;
  record.output_json = end.output_json;
  task->state = end.task_state;
  // Keeps the last successful output, as the SQLite store does.
  if (end.state == AttemptState::kSuccess) task->output_json = end.output_json;
  return OkStatus();
}

Result<std::vector<AttemptRecord>> MemoryStateStore::Attempts(RunId run, const std::string& task_id) {
  std::lock_guard lock(mu_);
  WEIR_TRY(FindTask(run, task_id));
  std::vector<AttemptRecord> attempts;
  for (const auto& [id, record] : attempts_) {
    if (record.run_id == run && record.task_id == task_id) attempts.push_back(record);
  }
  std::sort(attempts.begin(), attempts.end(),
            [](const AttemptRecord& a, const AttemptRecord& b) { return a.number < b.number; });
  return attempts;
}

Result<int> MemoryStateStore::InterruptRunningAttempts(RunId run, TimePoint now) {
  std::lock_guard lock(mu_);
  WEIR_TRY(FindRun(run));
  int interrupted = 0;
  for (auto& [id, record] : attempts_) {
    if (!(record.run_id == run) || record.state != AttemptState::kRunning) continue;
    WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord * task, FindTask(run, record.task_id));
    record.state = AttemptState::kInterrupted;
    record.ended_at = TruncateToMillis(now);
    task->state = TaskState::kInterrupted;
    ++interrupted;
  }
  return interrupted;
}

Status MemoryStateStore::RecordCheckResults(const std::vector<CheckResultRecord>& results) {
  WEIR_TRY(state_internal::CheckResultsAreNamed(results));
  std::lock_guard lock(mu_);
  for (const CheckResultRecord& result : results) {
    CheckResultRecord stored = state_internal::StoredCheckResult(result);
    stored.id = static_cast<int64_t>(check_results_.size()) + 1;
    check_results_.push_back(std::move(stored));
  }
  return OkStatus();
}

Result<std::vector<CheckResultRecord>> MemoryStateStore::CheckHistory(const std::string& suite,
                                                                      const std::string& check,
                                                                      const std::string& before_interval, int limit) {
  std::lock_guard lock(mu_);
  std::vector<const CheckResultRecord*> matching;
  for (const CheckResultRecord& r : check_results_) {
    if (r.check != check || (!suite.empty() && r.suite != suite)) continue;
    if (!before_interval.empty() && (r.interval_start.empty() || r.interval_start >= before_interval)) continue;
    matching.push_back(&r);
  }
  // Newest first as the SQLite store orders them: interval start as text
  // ("" last), then when recorded, then id.
  std::sort(matching.begin(), matching.end(), [](const CheckResultRecord* a, const CheckResultRecord* b) {
    return std::tie(b->interval_start, b->recorded_at, b->id) < std::tie(a->interval_start, a->recorded_at, a->id);
  });
  // The first of each suite's interval is its latest: a rerun replaces it.
  std::set<std::pair<std::string, std::string>> seen_intervals;
  std::vector<CheckResultRecord> history;
  for (const CheckResultRecord* r : matching) {
    if (limit > 0 && history.size() == static_cast<size_t>(limit)) break;
    if (!r->interval_start.empty() && !seen_intervals.insert({r->suite, r->interval_start}).second) continue;
    history.push_back(*r);
  }
  return history;
}

}  // namespace

std::unique_ptr<StateStore> NewMemoryStateStore() { return std::make_unique<MemoryStateStore>(); }

Status MemoryStateStore::RecordCursorRange(const CursorRange& range) {
  std::lock_guard lock(mu_);
  CursorRange stored = range;
  stored.recorded_at = TruncateToMillis(range.recorded_at);
  cursor_ranges_[{range.pipeline, range.task_id}][range.interval_start] = std::move(stored);
  return OkStatus();
}

Result<std::optional<CursorRange>> MemoryStateStore::CursorRangeFor(const std::string& pipeline,
                                                                    const std::string& task_id,
                                                                    const std::string& interval_start) {
  std::lock_guard lock(mu_);
  auto task = cursor_ranges_.find({pipeline, task_id});
  if (task == cursor_ranges_.end()) return std::optional<CursorRange>();
  auto range = task->second.find(interval_start);
  if (range == task->second.end()) return std::optional<CursorRange>();
  return std::optional<CursorRange>(range->second);
}

Result<std::optional<CursorRange>> MemoryStateStore::PreviousCursorRange(const std::string& pipeline,
                                                                         const std::string& task_id,
                                                                         const std::string& interval_start) {
  std::lock_guard lock(mu_);
  auto task = cursor_ranges_.find({pipeline, task_id});
  if (task == cursor_ranges_.end()) return std::optional<CursorRange>();
  auto after = task->second.lower_bound(interval_start);
  if (after == task->second.begin()) return std::optional<CursorRange>();
  return std::optional<CursorRange>(std::prev(after)->second);
}

Status MemoryStateStore::RecordSourceFiles(const SourceFileSet& set) {
  WEIR_ASSIGN_OR_RETURN(SourceFileSet stored, state_internal::StoredSourceFiles(set));
  std::lock_guard lock(mu_);
  source_files_[{set.pipeline, set.task_id}][set.interval_start] = std::move(stored);
  return OkStatus();
}

Result<std::optional<SourceFileSet>> MemoryStateStore::SourceFilesFor(const std::string& pipeline,
                                                                      const std::string& task_id,
                                                                      const std::string& interval_start) {
  std::lock_guard lock(mu_);
  auto task = source_files_.find({pipeline, task_id});
  if (task == source_files_.end()) return std::optional<SourceFileSet>();
  auto set = task->second.find(interval_start);
  if (set == task->second.end()) return std::optional<SourceFileSet>();
  return std::optional<SourceFileSet>(set->second);
}

Result<std::vector<SourceFileSet>> MemoryStateStore::SourceFileSets(const std::string& pipeline,
                                                                    const std::string& task_id) {
  std::lock_guard lock(mu_);
  std::vector<SourceFileSet> sets;
  auto task = source_files_.find({pipeline, task_id});
  if (task == source_files_.end()) return sets;
  for (const auto& [interval_start, set] : task->second) sets.push_back(set);
  return sets;
}

// The same order as the SQLite store's GROUP BY: by pipeline, then state name.
Result<StateCounts> MemoryStateStore::CountStates() {
  std::lock_guard lock(mu_);
  std::map<std::pair<std::string, std::string>, int64_t> runs, tasks;
  for (const auto& [id, entry] : runs_) {
    ++runs[{entry.run.pipeline, std::string(RunStateName(entry.run.state))}];
    for (const TaskInstanceRecord& t : entry.tasks) ++tasks[{entry.run.pipeline, std::string(TaskStateName(t.state))}];
  }
  StateCounts counts;
  for (const auto& [key, n] : runs) counts.runs.push_back(StateCount{key.first, key.second, n});
  for (const auto& [key, n] : tasks) counts.task_instances.push_back(StateCount{key.first, key.second, n});
  return counts;
}

}  // namespace weir
