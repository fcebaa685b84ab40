// What a pending task should do, given its upstream tasks' states.
#pragma once

#include <vector>

#include "config/config.h"
#include "state/state.h"

namespace weir::engine_internal {

enum class Readiness { kWait, kRun, kUpstreamFailed, kSkip };

Readiness Evaluate(TriggerRule rule, const std::vector<TaskState>& upstream);

}  // namespace weir::engine_internal
