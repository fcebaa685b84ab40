#include "config/pipeline_schedule.h"

namespace weir {

Result<Schedule> ScheduleOf(const PipelineDef& pipeline) {
  Schedule schedule = DailySchedule();
  if (pipeline.schedule) {
    WEIR_ASSIGN_OR_RETURN(schedule, ParseSchedule(pipeline.schedule->value));
  }
  if (pipeline.start_date) WEIR_TRY(schedule.SetStartDate(*pipeline.start_date));
  return schedule;
}

}  // namespace weir
