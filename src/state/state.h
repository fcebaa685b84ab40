// State: the durable record of runs, task instances and attempts.
//
// StateStore is the one interface the engine, the CLI and (later) the server
// read and write. Implementations: SQLite (the default, a file under .weir/)
// and an in-memory fake for tests; PostgreSQL comes with scale-out. Every
// method commits before it returns, so what a caller shows has been recorded.
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/process.h"
#include "common/status.h"

namespace weir {

// Ids that mean different things are different types.
struct RunId {
  int64_t value = 0;
  friend bool operator==(RunId a, RunId b) { return a.value == b.value; }
};
struct AttemptId {
  int64_t value = 0;
  friend bool operator==(AttemptId a, AttemptId b) { return a.value == b.value; }
};

// A queued run waits for a scheduler (`weir trigger`, a closed interval);
// the others are as their names say.
enum class RunState { kRunning, kSuccess, kFailed, kInterrupted, kQueued };

enum class TaskState {
  kPending,         // not started yet in this run
  kQueued,          // handed to a worker, which has not started it yet
  kRunning,
  kUpForRetry,      // failed with a fault; will run again after its delay
  kUpForReschedule, // a sensor whose condition is not met yet; pokes again after its interval
  kSuccess,
  kCached,          // succeeded by reusing a cached result (the task's `cache:`)
  kFailed,
  kUpstreamFailed,  // not run: an upstream failed and its trigger rule says so
  kSkipped,         // not run: its trigger rule was not met for another reason
  kInterrupted,     // the run stopped (signal, kill) while it ran or waited
};

enum class AttemptState { kRunning, kSuccess, kFailed, kInterrupted };

std::string_view RunStateName(RunState s);          // "running", "success", ...
std::string_view TaskStateName(TaskState s);        // "pending", "up_for_retry", ...
std::string_view AttemptStateName(AttemptState s);
std::optional<RunState> ParseRunState(std::string_view name);
std::optional<TaskState> ParseTaskState(std::string_view name);
std::optional<AttemptState> ParseAttemptState(std::string_view name);
bool IsFinished(TaskState s);  // success, cached, failed, upstream_failed, skipped
bool Succeeded(TaskState s);   // success or cached

struct RunRecord {
  RunId id;
  std::string pipeline;
  std::string ds;              // the interval's local start date, YYYY-MM-DD
  std::string interval_start;  // ISO-8601 with offset
  std::string interval_end;
  RunState state = RunState::kRunning;
  TimePoint started_at;
  std::optional<TimePoint> ended_at;
  std::string params_json = "{}";  // the run's parameters, {"name": "value"}
  std::string run_type = "manual";  // "scheduled", "manual" (run, trigger) or "backfill"
};

struct TaskInstanceRecord {
  RunId run_id;
  std::string task_id;
  TaskState state = TaskState::kPending;
  int attempts = 0;          // attempts started so far
  std::string output_json;   // the last successful attempt's output ("" if none)
  // Dynamic task mapping (a task's `map_over:`): an instance of a mapped
  // task has the id "task[3]" (MapInstanceId), its index and its item as
  // JSON; -1 and "" for every other task instance.
  int map_index = -1;
  std::string map_item_json;
  // A mapped task once expanded: how many instances it has (0 for an empty
  // list); none before its expansion, and for tasks that are not mapped.
  std::optional<int> map_count;
};

// "load[3]": the id of instance `map_index` of the mapped task `task_id`.
std::string MapInstanceId(std::string_view task_id, int map_index);
// {"load", 3} for "load[3]"; nullopt for an id that names no instance.
std::optional<std::pair<std::string, int>> ParseMapInstanceId(std::string_view id);

struct AttemptRecord {
  AttemptId id;
  RunId run_id;
  std::string task_id;
  int number = 0;            // 1 for the first attempt of the task in this run
  AttemptState state = AttemptState::kRunning;
  TimePoint started_at;
  std::optional<TimePoint> ended_at;
  std::string error_code;    // empty on success
  std::string error_message;
  std::string output_json;
  std::string log_path;
  // Who ran it and what it started (schema 7), so that a later weir can
  // tell a live owner from a dead one and end what a dead one left
  // running: the weir process running it (empty for attempts recorded
  // before), when that owner last said it was alive (StartAttempt, then
  // Heartbeat), and the process group its task started (empty: none).
  ProcessIdentity owner;
  std::optional<TimePoint> heartbeat_at;
  ProcessIdentity process_group;
};

struct NewRun {
  std::string pipeline;
  std::string ds;
  std::string interval_start;
  std::string interval_end;
  TimePoint started_at;
  std::vector<std::string> task_ids;  // task instances created pending
  std::string params_json = "{}";
  std::string run_type = "manual";
  bool queued = false;  // created queued, for a scheduler to start
};

struct RunFilter {
  std::optional<std::string> pipeline;
  std::optional<std::string> ds;
  int limit = 100;  // newest first; <= 0: no limit
  std::optional<RunState> state;
  std::optional<std::string> since;  // only runs whose ds is on or after this local date
  int offset = 0;                    // skip this many of the newest (paging)
};

// How many runs and task instances are in each state, per pipeline
// (/metrics). Task instances count under their run's pipeline.
struct StateCount {
  std::string pipeline;
  std::string state;  // RunStateName or TaskStateName
  int64_t count = 0;
};
struct StateCounts {
  std::vector<StateCount> runs;            // by pipeline, then state
  std::vector<StateCount> task_instances;  // by pipeline, then state
};

// One change made by hand (trigger, clear, mark, pause, cancel), recorded
// with who and when (schema 12) for the audit trail the API and UI show.
struct AuditEntry {
  int64_t id = 0;            // increasing; set by the store
  TimePoint at;
  std::string who;           // "api" until users exist
  std::string action;        // "trigger", "clear", "mark", "pause", "unpause", "cancel"
  std::string pipeline;
  RunId run_id;              // 0 when the action is not about one run
  std::string details_json = "{}";  // what was asked, as a JSON object
};

// What the scheduler keeps per pipeline (`weir pause`, catchup).
struct PipelineScheduleState {
  bool paused = false;
  // The start of the first interval the scheduler has not created a run
  // for yet; none before the scheduler first saw the pipeline.
  std::optional<TimePoint> next_start;
  // The last dataset event a `schedule: {on: ...}` run was made from.
  int64_t dataset_cursor = 0;
};

// A task with `produces:` succeeded: one event per dataset it updated.
struct DatasetEvent {
  int64_t id = 0;              // increasing; set by the store
  std::string dataset;         // "analytics.sales"
  std::string pipeline;        // the producing run's
  RunId run_id;
  std::string task_id;
  std::string interval_start;  // the producing run's data interval (ISO-8601)
  std::string interval_end;
  TimePoint created_at;
};

// What the scheduler keeps per dataset with a `freshness:` promise
// (weir.yml `datasets:`), so that a miss is reported once per episode.
struct DatasetFreshnessRecord {
  // When a scheduler first checked the promise: the age of a dataset
  // never updated counts from here.
  std::optional<TimePoint> watched_since;
  // The latest miss reported: when, and the dataset's newest event id at
  // that time (0: it had none). A newer event ends that episode.
  std::optional<TimePoint> missed_at;
  int64_t missed_event_id = 0;
};

struct CacheEntry {
  std::string pipeline;
  std::string task_id;
  std::string key;          // the rendered cache key
  std::string output_json;  // what the task returned
  TimePoint created_at;
};

// One data check's result, kept for `weir checks history` and for the
// anomaly and change checks that compare with earlier intervals.
struct CheckResultRecord {
  int64_t id = 0;              // set by the store
  std::string suite;           // "PIPELINE.TASK" for check tasks, "checks/FILE" for weir test
  std::string check;           // the check's name: "not_null(order_id)"
  std::string status;          // pass, warn, fail, error
  std::optional<double> observed;
  std::string interval_start;  // the run's data interval (ISO-8601), "" outside runs
  RunId run_id;                // 0 outside runs
  std::string message;
  TimePoint recorded_at;
};

// What an incremental extract read for one data interval: the values of
// its cursor column (or API cursor) after `from` up to and including `to`.
// Kept apart from task instances, so that a rerun, clear or backfill of an
// interval reads the same range again, and a new interval starts where
// the one before it ended.
struct CursorRange {
  std::string pipeline;
  std::string task_id;         // "task" or a mapped instance "task[3]"
  std::string interval_start;  // the run's data interval (ISO-8601)
  std::string from;            // "" : from the beginning (the initial value is the task's)
  std::string to;              // the last cursor value read; == from when nothing new was read
  TimePoint recorded_at;
};

// What a file source (an extract's `files:` glob) took for one data
// interval, so that an incremental one (`incremental: new_files`) takes
// only files no other interval took, and a rerun takes the same files
// again. A file is its path as the task shows it (relative to the project
// when the glob is), its size and its modification time: a file whose size
// or time changed is a new file.
struct SourceFile {
  std::string path;
  int64_t size_bytes = 0;
  TimePoint modified_at;  // kept to the millisecond
  friend bool operator==(const SourceFile& a, const SourceFile& b) {
    return a.path == b.path && a.size_bytes == b.size_bytes && a.modified_at == b.modified_at;
  }
};

struct SourceFileSet {
  std::string pipeline;
  std::string task_id;         // "task" or a mapped instance "task[3]"
  std::string interval_start;  // the run's data interval (ISO-8601)
  std::vector<SourceFile> files;  // by path; empty: the interval took no file
  TimePoint recorded_at;
};

struct AttemptEnd {
  AttemptState state = AttemptState::kSuccess;
  TimePoint ended_at;
  std::string error_code;
  std::string error_message;
  std::string output_json;
  TaskState task_state = TaskState::kSuccess;  // the task instance's new state
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // A new run with every task instance pending, in one transaction.
  virtual Result<RunRecord> CreateRun(const NewRun& run) = 0;
  virtual Result<RunRecord> GetRun(RunId id) = 0;
  virtual Result<std::vector<RunRecord>> ListRuns(const RunFilter& filter) = 0;
  virtual Status FinishRun(RunId id, RunState state, TimePoint ended_at) = 0;
  // Puts a finished run back to running (resuming it) and clears ended_at.
  virtual Status ReopenRun(RunId id) = 0;
  // Claims a queued run: it becomes running, started at `now`. False when
  // it was no longer queued (another process claimed it first).
  virtual Result<bool> StartQueuedRun(RunId id, TimePoint now) = 0;

  // The scheduler's record of a pipeline (defaults if it has none yet).
  virtual Result<PipelineScheduleState> GetPipelineState(const std::string& pipeline) = 0;
  virtual Status SetPipelinePaused(const std::string& pipeline, bool paused) = 0;
  virtual Status SetNextScheduledStart(const std::string& pipeline, TimePoint next_start) = 0;
  virtual Status SetDatasetCursor(const std::string& pipeline, int64_t event_id) = 0;

  // Dataset updates (Airflow's dataset events), recorded by the engine in
  // the batch that records the producing task's success.
  virtual Status RecordDatasetEvent(const DatasetEvent& event) = 0;
  // Events of any of `datasets` with id > after_id, oldest first.
  virtual Result<std::vector<DatasetEvent>> DatasetEventsAfter(const std::vector<std::string>& datasets,
                                                               int64_t after_id) = 0;
  // The newest event of `dataset`, if it has one.
  virtual Result<std::optional<DatasetEvent>> LatestDatasetEvent(const std::string& dataset) = 0;
  // The freshness record of `dataset` (defaults if it has none yet).
  virtual Result<DatasetFreshnessRecord> GetDatasetFreshness(const std::string& dataset) = 0;
  virtual Status SetDatasetFreshness(const std::string& dataset, const DatasetFreshnessRecord& record) = 0;

  virtual Result<std::vector<TaskInstanceRecord>> TaskInstances(RunId run) = 0;
  // Sets a task instance's state without an attempt (upstream_failed,
  // skipped, pending again when resumed, interrupted).
  virtual Status SetTaskState(RunId run, const std::string& task_id, TaskState state) = 0;

  // Records a mapped task's expansion, in one transaction: item i of
  // `items_json` (JSON text) becomes the task instance "task[i]", pending,
  // and the task's map_count is set. An instance an earlier expansion left
  // (the task was cleared) is reused: its output is forgotten, its attempts
  // are kept and numbering goes on; instances past the new count are
  // deleted with their attempts.
  virtual Status ExpandTask(RunId run, const std::string& task_id, const std::vector<std::string>& items_json) = 0;
  // Forgets a mapped task's expansion (`weir clear`): its map_count is
  // unset and its instances are pending until the next expansion.
  virtual Status ResetExpansion(RunId run, const std::string& task_id) = 0;

  // Records a new attempt (number = previous attempts + 1), run by
  // `owner`, its heartbeat at `started_at`, and marks the task instance
  // running, in one transaction.
  virtual Result<AttemptRecord> StartAttempt(RunId run, const std::string& task_id, TimePoint started_at,
                                             const std::string& log_path, const ProcessIdentity& owner) = 0;
  // The same, with no owner recorded (tests, tools).
  Result<AttemptRecord> StartAttempt(RunId run, const std::string& task_id, TimePoint started_at,
                                     const std::string& log_path) {
    return StartAttempt(run, task_id, started_at, log_path, ProcessIdentity{});
  }
  // The process group an attempt's task started (its leader's identity),
  // recorded as soon as it starts.
  virtual Status RecordAttemptProcess(AttemptId attempt, const ProcessIdentity& group) = 0;
  // The owner of `attempts` is alive at `now`: their heartbeats move on
  // (attempts no longer running are left alone), in one transaction.
  virtual Status Heartbeat(const std::vector<AttemptId>& attempts, TimePoint now) = 0;
  // The attempts of `run` still marked running, oldest first.
  virtual Result<std::vector<AttemptRecord>> RunningAttempts(RunId run) = 0;
  // Ends an attempt and sets its task instance's state, in one transaction.
  virtual Status FinishAttempt(AttemptId attempt, const AttemptEnd& end) = 0;
  virtual Result<std::vector<AttemptRecord>> Attempts(RunId run, const std::string& task_id) = 0;

  // Runs `body`, whose calls on this store then commit together when it
  // returns OK (and roll back together when it fails): the engine records a
  // round of changes in one transaction. Calls from other threads wait.
  virtual Status Batch(const std::function<Status()>& body) = 0;

  // Cached task results (a task's `cache:`), by pipeline, task and the
  // rendered key. Storing a key again replaces its entry.
  virtual Result<std::optional<CacheEntry>> LookupCache(const std::string& pipeline, const std::string& task_id,
                                                        const std::string& key) = 0;
  virtual Status StoreCache(const CacheEntry& entry) = 0;
  // Removes entries of `pipeline` (all when empty) and of `task_id` (all
  // of the pipeline's when empty). Returns how many.
  virtual Result<int> ClearCache(const std::string& pipeline, const std::string& task_id) = 0;

  // Check results (quality checks). History is newest first: by interval
  // start, then by when recorded; of the results for one interval only the
  // latest counts (a rerun replaces it), results outside intervals each
  // count. `before_interval` (when not empty) keeps intervals before it.
  // Precisely: interval starts compare as text (ISO-8601), so results
  // outside intervals ("") come after every interval's, newest recorded
  // first, and a non-empty `before_interval` leaves them out: an anomaly
  // check in a run compares with earlier intervals only. The latest of an
  // interval is the one recorded last (ties: recorded later in the store).
  // An empty `suite` means every suite's results of `check` (each suite's
  // intervals counted apart); `limit` <= 0 means no limit.
  // RecordCheckResults records all of `results` in one transaction; every
  // result needs a suite and a check name.
  virtual Status RecordCheckResults(const std::vector<CheckResultRecord>& results) = 0;
  virtual Result<std::vector<CheckResultRecord>> CheckHistory(const std::string& suite, const std::string& check,
                                                              const std::string& before_interval, int limit) = 0;

  // Incremental extracts' cursor ranges. Recording an interval's range
  // again replaces it. PreviousCursorRange is the range of the latest
  // interval before `interval_start` (ISO-8601 text order), if any.
  virtual Status RecordCursorRange(const CursorRange& range) = 0;
  virtual Result<std::optional<CursorRange>> CursorRangeFor(const std::string& pipeline, const std::string& task_id,
                                                            const std::string& interval_start) = 0;
  virtual Result<std::optional<CursorRange>> PreviousCursorRange(const std::string& pipeline,
                                                                 const std::string& task_id,
                                                                 const std::string& interval_start) = 0;

  // File sources' files. Recording an interval's set again replaces it
  // (in one transaction); a set may be empty. SourceFilesFor is the set of
  // one interval (none if it recorded none), SourceFileSets every
  // interval's set of the task, oldest interval first, files by path.
  virtual Status RecordSourceFiles(const SourceFileSet& set) = 0;
  virtual Result<std::optional<SourceFileSet>> SourceFilesFor(const std::string& pipeline, const std::string& task_id,
                                                              const std::string& interval_start) = 0;
  virtual Result<std::vector<SourceFileSet>> SourceFileSets(const std::string& pipeline,
                                                            const std::string& task_id) = 0;

  // Runs and task instances counted by pipeline and state, in one read.
  virtual Result<StateCounts> CountStates() = 0;

  // The audit trail: RecordAudit appends an entry (its id and `at` to the
  // millisecond set by the store; inside Batch it commits with the change
  // it records); AuditLog reads entries newest first, skipping `offset`,
  // at most `limit` (<= 0: all).
  virtual Result<AuditEntry> RecordAudit(const AuditEntry& entry) = 0;
  virtual Result<std::vector<AuditEntry>> AuditLog(int limit, int offset) = 0;

  // After a crash: attempts still marked running in `run` become interrupted
  // (ended at `now`), and their task instances too. Returns how many.
  virtual Result<int> InterruptRunningAttempts(RunId run, TimePoint now) = 0;
};

// Opens (creating if needed) the SQLite state database at `path`, applying
// numbered migrations. Refuses a file whose schema is newer than this binary.
Result<std::unique_ptr<StateStore>> OpenSqliteStateStore(const std::string& path);

// An in-memory store with the same behaviour, for tests.
std::unique_ptr<StateStore> NewMemoryStateStore();

}  // namespace weir
