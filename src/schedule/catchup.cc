// What a scheduler owes: the latest ended interval, and the intervals since
// the last one it created (catchup). Pure functions of the schedule and the
// time, so the scheduler's tests drive them with a FakeClock.
#include <algorithm>

#include "schedule/schedule.h"

namespace weir {
namespace {

constexpr auto kLookBackLimit = std::chrono::hours(24 * 366 * 10);

// The local midnight that starts `date` in `tz` (the first instant after it
// where a DST gap swallows midnight).
Result<TimePoint> StartOfDate(const std::string& tz, const std::string& date) {
  WEIR_ASSIGN_OR_RETURN(DataInterval day, IntervalForDate(DailySchedule(), tz, date));
  return day.start;
}

bool AfterEndDate(const DataInterval& interval, const CatchupRequest& request) {
  return request.end_date && interval.ds > *request.end_date;
}

}  // namespace

Result<std::optional<DataInterval>> LatestEndedInterval(const Schedule& schedule, const std::string& tz,
                                                        TimePoint now) {
  WEIR_TRY(ValidateTimeZone(tz));
  // Look back twice as far each time until two fire times fall in the
  // window: the last one at or before now ends the interval that the one
  // before it starts. Walking forward from the window's start costs as many
  // steps as fire times in it, which doubling keeps near what is needed.
  for (auto span = std::chrono::duration_cast<TimePoint::duration>(std::chrono::minutes(1)); span <= kLookBackLimit;
       span *= 2) {
    TimePoint start = NextFireAfter(schedule, now - span, tz);
    if (start > now) continue;
    TimePoint end = NextFireAfter(schedule, start, tz);
    if (end > now) continue;
    for (TimePoint next = NextFireAfter(schedule, end, tz); next <= now; next = NextFireAfter(schedule, end, tz)) {
      start = end;
      end = next;
    }
    WEIR_ASSIGN_OR_RETURN(DataInterval interval, IntervalStartingAt(schedule, tz, start));
    return std::optional<DataInterval>(interval);
  }
  return std::optional<DataInterval>();
}

Result<CatchupPlan> PlanCatchup(const Schedule& schedule, const std::string& tz, const CatchupRequest& request,
                                TimePoint now) {
  std::optional<TimePoint> floor = request.next_start;
  std::optional<TimePoint> first_allowed;
  if (request.start_date) {
    WEIR_ASSIGN_OR_RETURN(first_allowed, StartOfDate(tz, *request.start_date));
    if (!floor) floor = first_allowed;
  }
  CatchupPlan plan{{}, request.next_start};
  if (request.catchup && floor) {
    // The first fire at or after the floor, then every interval that ended.
    TimePoint start = NextFireAfter(schedule, *floor - std::chrono::milliseconds(1), tz);
    while (start != TimePoint::max() && plan.intervals.size() < request.limit) {
      WEIR_ASSIGN_OR_RETURN(DataInterval interval, IntervalStartingAt(schedule, tz, start));
      if (interval.end > now || AfterEndDate(interval, request)) break;
      start = interval.end;
      plan.next_start = interval.end;
      plan.intervals.push_back(std::move(interval));
    }
    return plan;
  }
  WEIR_ASSIGN_OR_RETURN(std::optional<DataInterval> latest, LatestEndedInterval(schedule, tz, now));
  if (!latest) return plan;
  bool owed = (!floor || latest->start >= *floor) && (!first_allowed || latest->start >= *first_allowed);
  if (!owed || AfterEndDate(*latest, request)) return plan;
  plan.next_start = latest->end;
  plan.intervals.push_back(std::move(*latest));
  return plan;
}

}  // namespace weir
