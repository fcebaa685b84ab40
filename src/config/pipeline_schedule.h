// A pipeline's schedule as the scheduler, `--date` and sensors read it:
// kept apart from config.h so that its users need not include schedule.h.
#pragma once

#include "config/config.h"
#include "schedule/schedule.h"

namespace weir {

// The pipeline's `schedule:` (@daily without one), anchored at its
// start_date. A valid project's schedules always parse.
Result<Schedule> ScheduleOf(const PipelineDef& pipeline);

}  // namespace weir
