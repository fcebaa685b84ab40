#include "engine/internal/trigger_rules.h"

namespace weir::engine_internal {

// Airflow's semantics. Rules that need every upstream finished wait for
// that; one_success, one_failed and one_done fire as soon as they can.
Readiness Evaluate(TriggerRule rule, const std::vector<TaskState>& upstream) {
  int success = 0, failed = 0, skipped = 0, unfinished = 0;
  for (TaskState s : upstream) {
    if (Succeeded(s)) ++success;
    else if (s == TaskState::kFailed || s == TaskState::kUpstreamFailed) ++failed;
    else if (s == TaskState::kSkipped) ++skipped;
    else ++unfinished;
  }
  bool done = unfinished == 0;
  switch (rule) {
    case TriggerRule::kAllSuccess:
      if (failed > 0) return Readiness::kUpstreamFailed;
      if (!done) return Readiness::kWait;
      return skipped > 0 ? Readiness::kSkip : Readiness::kRun;
    case TriggerRule::kAllFailed:
      if (success > 0 || skipped > 0) return Readiness::kSkip;
      return done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllDone:
      return done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAllSkipped:
      if (success > 0 || failed > 0) return Readiness::kSkip;
      return done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kOneSuccess:
      if (success > 0) return Readiness::kRun;
      if (!done) return Readiness::kWait;
      return failed > 0 ? Readiness::kUpstreamFailed : Readiness::kSkip;
    case TriggerRule::kOneFailed:
      if (failed > 0) return Readiness::kRun;
      return done ? Readiness::kSkip : Readiness::kWait;
    case TriggerRule::kOneDone:
      if (success > 0 || failed > 0) return Readiness::kRun;
      return done ? Readiness::kSkip : Readiness::kWait;
    case TriggerRule::kNoneFailed:
      if (failed > 0) return Readiness::kUpstreamFailed;
      return done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kNoneFailedMinOneSuccess:
      if (failed > 0) return Readiness::kUpstreamFailed;
      if (!done) return Readiness::kWait;
      return success > 0 || upstream.empty() ? Readiness::kRun : Readiness::kSkip;
    case TriggerRule::kNoneSkipped:
      if (skipped > 0) return Readiness::kSkip;
      return done ? Readiness::kRun : Readiness::kWait;
    case TriggerRule::kAlways:
      return Readiness::kRun;
  }
  return Readiness::kWait;
}

}  // namespace weir::engine_internal
