#include "state/internal/records.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace weir::state_internal {

Status UnknownRunError(RunId run, std::string_view store) {
  return UserError("unknown-run", "unknown run id: " + std::to_string(run.value) + " (" + std::string(store) + ")");
}

Status UnknownTaskError(RunId run, std::string_view task_id, std::string_view store) {
  return UserError("unknown-task", "unknown task in run " + std::to_string(run.value) + ": '" +
                                       std::string(task_id) + "' (" + std::string(store) + ")");
}

Status UnknownAttemptError(AttemptId attempt, std::string_view store) {
  return UserError("unknown-attempt",
                   "unknown attempt id: " + std::to_string(attempt.value) + " (" + std::string(store) + ")");
}

Status CheckDistinctTaskIds(const std::vector<std::string>& task_ids) {
  std::set<std::string_view> seen;
  for (const std::string& id : task_ids) {
    if (!seen.insert(id).second) return UserError("duplicate-task", "a run lists the same task twice: '" + id + "'");
  }
  return OkStatus();
}

Status CheckResultsAreNamed(const std::vector<CheckResultRecord>& results) {
  for (const CheckResultRecord& r : results) {
    if (r.suite.empty() || r.check.empty()) {
      return InternalError("a check result without a suite or check name (suite '" + r.suite + "', check '" +
                           r.check + "')");
    }
  }
  return OkStatus();
}

CheckResultRecord StoredCheckResult(const CheckResultRecord& result) {
  CheckResultRecord stored = result;
  stored.recorded_at = TruncateToMillis(result.recorded_at);
  if (stored.observed && std::isnan(*stored.observed)) stored.observed.reset();
  return stored;
}

Result<SourceFileSet> StoredSourceFiles(const SourceFileSet& set) {
  SourceFileSet stored = set;
  stored.recorded_at = TruncateToMillis(set.recorded_at);
  for (SourceFile& file : stored.files) file.modified_at = TruncateToMillis(file.modified_at);
  std::sort(stored.files.begin(), stored.files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.path < b.path; });
  for (size_t i = 1; i < stored.files.size(); ++i) {
    if (stored.files[i].path == stored.files[i - 1].path) {
      return InternalError("a source file set lists the same file twice: '" + stored.files[i].path + "'");
    }
  }
  return stored;
}

}  // namespace weir::state_internal
