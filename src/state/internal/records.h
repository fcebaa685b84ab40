// What both state stores share so that they behave the same: the precision
// of stored times, the errors for unknown ids, and checks on input.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "state/state.h"

namespace weir::state_internal {

// Times are stored as integer epoch milliseconds; the memory store truncates
// the same way so that a test cannot pass on one store and fail on the other.
inline int64_t ToEpochMillis(TimePoint t) {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint FromEpochMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }
inline TimePoint TruncateToMillis(TimePoint t) { return FromEpochMillis(ToEpochMillis(t)); }

// `store` names where the record was looked for (a file path, or "memory").
Status UnknownRunError(RunId run, std::string_view store);
Status UnknownTaskError(RunId run, std::string_view task_id, std::string_view store);
Status UnknownAttemptError(AttemptId attempt, std::string_view store);

// The record CreateRun returns for `run` (its id still to be set).
inline RunRecord NewRunRecord(const NewRun& run) {
  RunRecord record;
  record.pipeline = run.pipeline;
  record.ds = run.ds;
  record.interval_start = run.interval_start;
  record.interval_end = run.interval_end;
  record.state = run.queued ? RunState::kQueued : RunState::kRunning;
  record.started_at = TruncateToMillis(run.started_at);
  record.params_json = run.params_json;
  record.run_type = run.run_type;
  return record;
}

// A run's task ids must be distinct: they are the task instances' keys.
Status CheckDistinctTaskIds(const std::vector<std::string>& task_ids);

// Every check result names its suite and its check: history is looked up by them.
Status CheckResultsAreNamed(const std::vector<CheckResultRecord>& results);

// A result as the stores keep it: recorded_at to the millisecond, and a NaN
// observed value as none (SQLite has no NaN; REAL NaN reads back as NULL).
CheckResultRecord StoredCheckResult(const CheckResultRecord& result);

// A file source's set as both stores keep it: files by path, times to the
// millisecond. InternalError when a path appears twice.
Result<SourceFileSet> StoredSourceFiles(const SourceFileSet& set);

}  // namespace weir::state_internal
