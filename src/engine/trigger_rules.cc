#include "engine/internal/trigger_rules.h"

namespace weir::engine_internal {

// Airflow's semantics: all_success waits for every upstream to succeed and
// is skipped when one was skipped; one_failed fires as soon as one failed.
Readiness Evaluate(TriggerRule rule, const std::vector<TaskState>& upstream) {
  int failed = 0, skipped = 0, unfinished = 0;
  for (TaskState s : upstream) {
    if (s == TaskState::kFailed || s == TaskState::kUpstreamFailed) ++failed;
    else if (s == TaskState::kSkipped) ++skipped;
    else if (s != TaskState::kSuccess) ++unfinished;
  }
  switch (rule) {
    case TriggerRule::kAllSuccess:
      if (failed > 0) return Readiness::kUpstreamFailed;
      if (unfinished > 0) return Readiness::kWait;
      return skipped > 0 ? Readiness::kSkip : Readiness::kRun;
    case TriggerRule::kAllDone:
      return unfinished > 0 ? Readiness::kWait : Readiness::kRun;
    case TriggerRule::kOneFailed:
      if (failed > 0) return Readiness::kRun;
      return unfinished > 0 ? Readiness::kWait : Readiness::kSkip;
    case TriggerRule::kNoneFailed:
      if (failed > 0) return Readiness::kUpstreamFailed;
      return unfinished > 0 ? Readiness::kWait : Readiness::kRun;
  }
  return Readiness::kWait;
}

}  // namespace weir::engine_internal
