// Schedule values and the built-in daily schedule.
#include "schedule/internal/zone.h"
#include "schedule/schedule.h"

namespace weir {

Schedule Schedule::Cron(CronFields fields, std::string text) {
  Schedule schedule;
  schedule.kind_ = Kind::kCron;
  schedule.cron_ = fields;
  schedule.text_ = std::move(text);
  return schedule;
}

Schedule Schedule::Every(std::chrono::seconds every, std::string text) {
  Schedule schedule;
  schedule.kind_ = Kind::kEvery;
  // A zero interval would never advance; callers go through ParseSchedule,
  // which rejects it, so this only guards hand-built values.
  schedule.every_ = every.count() > 0 ? every : std::chrono::seconds(1);
  schedule.text_ = std::move(text);
  return schedule;
}

Status Schedule::SetStartDate(std::string_view local_date) {
  WEIR_ASSIGN_OR_RETURN(auto day, schedule_internal::ParseDate(local_date));
  start_day_ = day.time_since_epoch().count();
  return OkStatus();
}

Schedule DailySchedule() {
  Result<Schedule> daily = ParseSchedule("@daily");
  WEIR_CHECK(daily.ok());
  return *daily;
}

}  // namespace weir
