// NextFireAfter: walks local civil time field by field (month, day, hour,
// minute), so a yearly schedule costs a dozen steps, not half a million
// minutes; then maps the local time to an instant with the DST convention.
#include <bit>
#include <optional>

#include "schedule/internal/zone.h"
#include "schedule/schedule.h"

namespace weir {
namespace schedule_internal {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using LocalMinutes = date::local_time<minutes>;

constexpr seconds kSecondsPerDay{86400};

TimePoint Earliest() { return TimePoint(date::sys_days(date::year(kFirstYear) / 1 / 2)); }
TimePoint Latest() { return TimePoint(date::sys_days(date::year(kLastYear + 1) / 1 / 1)); }

// The smallest set bit at or above `from`, or -1.
int NextBit(uint64_t bits, int from) {
  if (from >= 64) return -1;
  uint64_t rest = bits >> from;
  return rest == 0 ? -1 : from + std::countr_zero(rest);
}

bool DayMatches(const Schedule::CronFields& fields, LocalDays day) {
  date::year_month_day ymd(day);
  unsigned weekday = date::weekday(day).c_encoding();  // 0 = Sunday
  bool dom = fields.days_of_month >> static_cast<unsigned>(ymd.day()) & 1;
  bool dow = fields.days_of_week >> weekday & 1;
  if (fields.day_of_month_restricted && fields.day_of_week_restricted) return dom || dow;
  return dom && dow;
}

// The first local minute at or after `from` that the cron fields match, or
// nothing before kLastYear ends.
std::optional<LocalMinutes> NextMatch(const Schedule::CronFields& fields, LocalMinutes from) {
  LocalMinutes t = from;
  while (true) {
    LocalDays day = date::floor<date::days>(t);
    date::year_month_day ymd(day);
    if (static_cast<int>(ymd.year()) > kLastYear) return std::nullopt;
    if (!(fields.months >> static_cast<unsigned>(ymd.month()) & 1)) {
      date::year_month next_month = ymd.year() / ymd.month() + date::months(1);
      t = LocalDays(next_month / 1);
      continue;
    }
    if (!DayMatches(fields, day)) {
      t = day + date::days(1);
      continue;
    }
    int minute_of_day = static_cast<int>((t - day).count());
    int hour = NextBit(fields.hours, minute_of_day / 60);
    if (hour < 0) {
      t = day + date::days(1);
      continue;
    }
    int minute = hour == minute_of_day / 60 ? minute_of_day % 60 : 0;
    minute = NextBit(fields.minutes, minute);
    if (minute < 0) {
      t = day + hours(hour + 1);  // may roll into the next day; the loop handles it
      continue;
    }
    return day + hours(hour) + minutes(minute);
  }
}

TimePoint NextCron(const Schedule::CronFields& fields, TimePoint after, const Zone& zone) {
  LocalMinutes from = date::floor<minutes>(zone.ToLocal(date::floor<seconds>(after)));
  // Local time maps to instants monotonically (gaps collapse, repeats take
  // the first occurrence), so the first match whose instant is past `after`
  // is the answer. Only during a repeated hour do earlier matches get skipped.
  while (true) {
    std::optional<LocalMinutes> local = NextMatch(fields, from);
    if (!local) return TimePoint::max();
    TimePoint fire(zone.FireInstant(*local));
    if (fire > after) return fire;
    from = *local + minutes(1);
  }
}

TimePoint NextEvery(const Schedule& schedule, TimePoint after, const Zone& zone) {
  LocalDays anchor_day{date::days(schedule.start_day())};
  seconds every = schedule.every();
  if (every % kSecondsPerDay == seconds(0)) {
    // Whole days: local midnights, so the wall clock does not drift with DST.
    int64_t step = every / kSecondsPerDay;
    LocalDays after_day = date::floor<date::days>(zone.ToLocal(date::floor<seconds>(after)));
    int64_t behind = (after_day - anchor_day).count();
    int64_t k = behind <= 0 ? 0 : behind / step;
    const int64_t last_day = LocalDays(date::year(kLastYear) / 12 / 31).time_since_epoch().count();
    while (true) {
      // Compared as a day number: a step of millions of years fits no date.
      int64_t day_number = anchor_day.time_since_epoch().count() + k * step;
      if (day_number > last_day) return TimePoint::max();
      LocalDays day{date::days(day_number)};
      TimePoint fire(zone.FireInstant(LocalSeconds(day)));
      if (fire > after) return fire;
      ++k;
    }
  }
  SysSeconds anchor = zone.FireInstant(LocalSeconds(anchor_day));
  if (after < anchor) return TimePoint(anchor);
  // In seconds: nanoseconds overflow past 292 years, which both `every` and
  // `after - anchor` may span.
  int64_t k = (date::floor<seconds>(after) - anchor) / every + 1;
  SysSeconds fire = anchor + every * k;
  return fire >= date::floor<seconds>(Latest()) ? TimePoint::max() : TimePoint(fire);
}

}  // namespace

TimePoint NextFire(const Schedule& schedule, TimePoint after, const Zone& zone) {
  // Outside 1900-2199 the tz database and TimePoint's range are not to be
  // trusted; no pipeline runs there.
  if (after >= Latest()) return TimePoint::max();
  if (after < Earliest()) after = Earliest();
  TimePoint fire = schedule.kind() == Schedule::Kind::kCron ? NextCron(schedule.cron(), after, zone)
                                                            : NextEvery(schedule, after, zone);
  return fire >= Latest() ? TimePoint::max() : fire;
}

}  // namespace schedule_internal

TimePoint NextFireAfter(const Schedule& schedule, TimePoint after, const std::string& tz) {
  return schedule_internal::NextFire(schedule, after, schedule_internal::Zone::FindOrUtc(tz));
}

}  // namespace weir
