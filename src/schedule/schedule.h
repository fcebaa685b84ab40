// Schedule: when a pipeline runs and which data interval each run covers.
//
// A Schedule is parsed once from the pipeline's `schedule:` text (5-field
// cron, an @macro, or "every 15m") and evaluated in the pipeline's IANA time
// zone. Fire times follow DESIGN.md "Dates": a local time that does not exist
// (spring forward) fires at the first instant after the gap; one that occurs
// twice (fall back) fires once, the first time.
//
// Errors from the parsers are UserErrors whose where().column is the 1-based
// column of the bad token within the text passed in (where().file is empty):
// the config loader adds it to the YAML scalar's own position, e.g.
//   loc.column += status.where().column - 1; status = status.At(loc).
//
// Time zone names: "" means UTC; any other name must pass ValidateTimeZone
// (functions that cannot report an error treat an unknown zone as UTC).
// All functions are thread-safe; Schedule is an immutable-after-setup value.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace weir {

// "30s", "5m", "1h", "2d", "500ms" and sums such as "1h30m".
// UserError "bad-duration" otherwise.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// The inverse: 5400000 ms -> "1h30m", 0 -> "0s".
std::string FormatDuration(std::chrono::milliseconds duration);

// "2024-03-05T10:00:00Z": a time in UTC to the second, for logs, messages
// and payloads.
std::string FormatUtc(TimePoint t);

class Schedule {
 public:
  enum class Kind {
    kCron,   // cron fields matched against local wall-clock time
    kEvery,  // a fixed interval from the start date's local midnight
  };

  // Cron fields as bit sets: bit v is set when value v matches.
  struct CronFields {
    uint64_t minutes = 0;         // bits 0-59
    uint32_t hours = 0;           // bits 0-23
    uint32_t days_of_month = 0;   // bits 1-31
    uint16_t months = 0;          // bits 1-12
    uint8_t days_of_week = 0;     // bits 0-6, 0 = Sunday
    // A field is restricted unless it starts with '*' (Vixie cron). When both
    // day fields are restricted a day matches if either matches, else both.
    bool day_of_month_restricted = false;
    bool day_of_week_restricted = false;
  };

  static Schedule Cron(CronFields fields, std::string text);
  // `every` is a whole number of seconds, at least 1s. Whole days step in
  // local calendar days (midnight stays midnight across DST); anything else
  // steps in elapsed time from the anchor instant, as Airflow's timedelta.
  static Schedule Every(std::chrono::seconds every, std::string text);

  Kind kind() const { return kind_; }
  const std::string& text() const { return text_; }  // as written
  const CronFields& cron() const { return cron_; }    // kCron only
  std::chrono::seconds every() const { return every_; }  // kEvery only

  // Anchors kEvery schedules at local midnight of `local_date` (the
  // pipeline's start_date; default 1970-01-01). No effect on kCron.
  // UserError "bad-date" for anything but a valid YYYY-MM-DD.
  Status SetStartDate(std::string_view local_date);
  int64_t start_day() const { return start_day_; }  // days since 1970-01-01

 private:
  Kind kind_ = Kind::kCron;
  std::string text_;
  CronFields cron_;
  std::chrono::seconds every_{0};
  int64_t start_day_ = 0;
};

// Parses "M H DoM Mon DoW" (lists, ranges, steps, JAN-DEC, SUN-SAT, 0-7 with
// 7 = Sunday), @hourly @daily @midnight @weekly @monthly @yearly @annually,
// and "every <duration>". UserError "bad-cron" naming the field and token.
Result<Schedule> ParseSchedule(std::string_view text);
// What a pipeline without a schedule uses for its intervals: @daily.
Schedule DailySchedule();

// UserError "bad-timezone" unless `name` is an IANA zone such as Europe/Berlin.
Status ValidateTimeZone(std::string_view name);

// The first fire time strictly after `after`, evaluated in `tz`.
// TimePoint::max() if the schedule never fires before the year 2200.
TimePoint NextFireAfter(const Schedule& schedule, TimePoint after, const std::string& tz);

// One run's data interval: [start, end), end being the next fire time
// (TimePoint::max() with an empty end_iso if none comes before 2200).
struct DataInterval {
  TimePoint start;
  TimePoint end;
  std::string ds;         // local date of start, "2024-01-01"
  std::string start_iso;  // "2024-01-01T06:00:00+01:00"
  std::string end_iso;
};

// Validates "YYYY-MM-DD" (a real calendar date, years 1900-2199) and returns
// it. UserError "bad-date".
Result<std::string> ParseLocalDate(std::string_view text);

// The interval whose start is the first fire time at or after local midnight
// of `local_date` (what `--date D` runs). UserError "no-run-on-date" when that
// fire time falls on a later date; the message names the nearest dates with
// runs. Also "bad-date" and "bad-timezone".
Result<DataInterval> IntervalForDate(const Schedule& schedule, const std::string& tz,
                                     std::string_view local_date);

// "2024-01-01T06:00:00+01:00" (a DataInterval's start_iso or end_iso) as
// an instant. UserError "bad-instant" or "bad-date".
Result<TimePoint> ParseIsoInstant(std::string_view text);

// The interval starting at `start` (normally a fire time; if not, it still
// ends at the next fire time after `start`). UserError "bad-timezone".
Result<DataInterval> IntervalStartingAt(const Schedule& schedule, const std::string& tz,
                                        TimePoint start);

// Every interval whose start falls on a local date in [first, last], both
// included, in order (backfill). UserError "bad-date", "bad-timezone",
// "bad-date-range" (first after last) or "too-many-intervals" (over
// kMaxIntervals: an "every 1s" schedule over a year is a mistake).
inline constexpr size_t kMaxIntervals = 100'000;
Result<std::vector<DataInterval>> IntervalsBetween(const Schedule& schedule, const std::string& tz,
                                                   std::string_view first_local_date,
                                                   std::string_view last_local_date);

// The latest interval that has ended by `now` (end <= now), or nullopt if
// none has in the last ten years. UserError "bad-timezone".
Result<std::optional<DataInterval>> LatestEndedInterval(const Schedule& schedule, const std::string& tz,
                                                        TimePoint now);

// What a scheduler owes a pipeline at `now` (Airflow's catchup), given what
// it did before.
struct CatchupRequest {
  std::optional<TimePoint> next_start;  // the first interval not yet created; none at first
  std::optional<std::string> start_date;  // YYYY-MM-DD: no interval starts before its midnight
  std::optional<std::string> end_date;    // YYYY-MM-DD: no interval starts on a later date
  bool catchup = false;
  size_t limit = 1000;  // at most this many intervals per call (the rest come next call)
};
struct CatchupPlan {
  std::vector<DataInterval> intervals;  // ended intervals to create runs for, oldest first
  std::optional<TimePoint> next_start;  // what to remember for the next call
};

// With catchup: every interval that has ended and starts at or after
// next_start (or, the first time, start_date's midnight), oldest first.
// Without catchup, or the first time with no start_date: only the latest
// ended interval, if it starts at or after next_start; the ones between are
// never created. UserErrors "bad-timezone", "bad-date".
Result<CatchupPlan> PlanCatchup(const Schedule& schedule, const std::string& tz, const CatchupRequest& request,
                                TimePoint now);

}  // namespace weir
