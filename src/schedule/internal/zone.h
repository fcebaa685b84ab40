// Internal to src/schedule: a time zone handle and civil-date helpers.
// Built on Howard Hinnant's date library, which stays out of schedule.h.
#pragma once

#include <date/tz.h>

#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"

namespace weir::schedule_internal {

using LocalSeconds = date::local_seconds;
using SysSeconds = date::sys_seconds;
using LocalDays = date::local_days;

// The last local date we evaluate: TimePoint (nanoseconds) ends in 2262.
inline constexpr int kLastYear = 2199;
inline constexpr int kFirstYear = 1900;

// A resolved IANA zone, or UTC. Cheap to copy; the database outlives it.
class Zone {
 public:
  Zone() = default;  // UTC
  // "" is UTC. UserError "bad-timezone" for unknown names.
  static Result<Zone> Find(std::string_view name);
  // For callers that cannot report errors: unknown names become UTC.
  static Zone FindOrUtc(const std::string& name);

  LocalSeconds ToLocal(SysSeconds instant) const;
  std::chrono::seconds OffsetAt(SysSeconds instant) const;
  // The instant a scheduled local time fires at (DESIGN.md "Dates"): a time
  // in a spring-forward gap fires when the gap ends; a repeated time fires at
  // its first occurrence.
  SysSeconds FireInstant(LocalSeconds local) const;

 private:
  explicit Zone(const date::time_zone* zone) : zone_(zone) {}
  const date::time_zone* zone_ = nullptr;  // nullptr means UTC
};

// "YYYY-MM-DD" of a local date.
std::string FormatDate(LocalDays day);
// Strict YYYY-MM-DD within [kFirstYear, kLastYear]; UserError "bad-date".
Result<LocalDays> ParseDate(std::string_view text);
// "2024-01-01T06:00:00+01:00": the instant's local time in `zone` and offset.
std::string FormatIso(SysSeconds instant, const Zone& zone);

}  // namespace weir::schedule_internal

namespace weir {
class Schedule;
}

namespace weir::schedule_internal {

// NextFireAfter with the zone already resolved (no lookup per call).
TimePoint NextFire(const Schedule& schedule, TimePoint after, const Zone& zone);

}  // namespace weir::schedule_internal
