// Data intervals: which span of time a run covers, and what `ds` it gets.
#include "schedule/internal/zone.h"
#include "schedule/schedule.h"

namespace weir {
namespace schedule_internal {
namespace {

// How far back to look for an earlier run date when suggesting one.
constexpr int kSuggestionDays = 400;

LocalDays LocalDateOf(TimePoint instant, const Zone& zone) {
  return date::floor<date::days>(zone.ToLocal(date::floor<std::chrono::seconds>(instant)));
}

// The first fire time at or after local midnight of `day`.
TimePoint FirstFireOnOrAfter(const Schedule& schedule, const Zone& zone, LocalDays day) {
  TimePoint midnight(zone.FireInstant(LocalSeconds(day)));
  return NextFire(schedule, midnight - TimePoint::duration(1), zone);
}

bool RunsOn(const Schedule& schedule, const Zone& zone, LocalDays day) {
  TimePoint start = FirstFireOnOrAfter(schedule, zone, day);
  return start != TimePoint::max() && LocalDateOf(start, zone) == day;
}

DataInterval MakeInterval(const Schedule& schedule, const Zone& zone, TimePoint start) {
  DataInterval interval;
  interval.start = start;
  interval.end = NextFire(schedule, start, zone);
  interval.ds = FormatDate(LocalDateOf(start, zone));
  interval.start_iso = FormatIso(date::floor<std::chrono::seconds>(start), zone);
  if (interval.end != TimePoint::max())
    interval.end_iso = FormatIso(date::floor<std::chrono::seconds>(interval.end), zone);
  return interval;
}

Status NoRunOnDate(const Schedule& schedule, const std::string& tz, const Zone& zone,
                   LocalDays day, TimePoint next_start) {
  std::string message = "no run of schedule '" + schedule.text() + "' starts on " + FormatDate(day) +
                        " in " + (tz.empty() ? std::string("UTC") : tz);
  std::string previous;
  for (int back = 1; back <= kSuggestionDays; ++back) {
    LocalDays candidate = day - date::days(back);
    if (static_cast<int>(date::year_month_day(candidate).year()) < kFirstYear) break;
    if (RunsOn(schedule, zone, candidate)) {
      previous = FormatDate(candidate);
      break;
    }
  }
  std::string next = next_start == TimePoint::max() ? "" : FormatDate(LocalDateOf(next_start, zone));
  if (!previous.empty() && !next.empty()) {
    message += "; the nearest dates with runs are " + previous + " and " + next;
  } else if (!next.empty()) {
    message += "; the next date with a run is " + next;
  } else if (!previous.empty()) {
    message += "; the last date with a run is " + previous;
  }
  return UserError("no-run-on-date", message);
}

}  // namespace
}  // namespace schedule_internal

using schedule_internal::LocalDays;
using schedule_internal::Zone;

Result<DataInterval> IntervalForDate(const Schedule& schedule, const std::string& tz,
                                     std::string_view local_date) {
  WEIR_ASSIGN_OR_RETURN(Zone zone, Zone::Find(tz));
  WEIR_ASSIGN_OR_RETURN(LocalDays day, schedule_internal::ParseDate(local_date));
  TimePoint start = schedule_internal::FirstFireOnOrAfter(schedule, zone, day);
  if (start == TimePoint::max() || schedule_internal::LocalDateOf(start, zone) != day)
    return schedule_internal::NoRunOnDate(schedule, tz, zone, day, start);
  return schedule_internal::MakeInterval(schedule, zone, start);
}

Result<DataInterval> IntervalStartingAt(const Schedule& schedule, const std::string& tz,
                                        TimePoint start) {
  WEIR_ASSIGN_OR_RETURN(Zone zone, Zone::Find(tz));
  return schedule_internal::MakeInterval(schedule, zone, start);
}

Result<std::vector<DataInterval>> IntervalsBetween(const Schedule& schedule, const std::string& tz,
                                                   std::string_view first_local_date,
                                                   std::string_view last_local_date) {
  WEIR_ASSIGN_OR_RETURN(Zone zone, Zone::Find(tz));
  WEIR_ASSIGN_OR_RETURN(LocalDays first, schedule_internal::ParseDate(first_local_date));
  WEIR_ASSIGN_OR_RETURN(LocalDays last, schedule_internal::ParseDate(last_local_date));
  if (last < first) {
    return UserError("bad-date-range", "bad date range " + std::string(first_local_date) + " to " +
                                           std::string(last_local_date) +
                                           ": the first date is after the last; swap them");
  }
  std::vector<DataInterval> intervals;
  TimePoint start = schedule_internal::FirstFireOnOrAfter(schedule, zone, first);
  while (start != TimePoint::max() && schedule_internal::LocalDateOf(start, zone) <= last) {
    if (intervals.size() == kMaxIntervals) {
      return UserError("too-many-intervals",
                       "too many intervals from " + std::string(first_local_date) + " to " +
                           std::string(last_local_date) + " for schedule '" + schedule.text() +
                           "': more than " + std::to_string(kMaxIntervals) +
                           "; split the range into smaller ones");
    }
    intervals.push_back(schedule_internal::MakeInterval(schedule, zone, start));
    start = intervals.back().end;
  }
  return intervals;
}

}  // namespace weir
