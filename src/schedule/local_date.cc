// Local dates ("YYYY-MM-DD"): what --date, --from/--to and ds are written in.
#include <cstdio>

#include "schedule/internal/zone.h"
#include "schedule/schedule.h"

namespace weir {
namespace schedule_internal {
namespace {

Status BadDate(std::string_view text, std::string_view why) {
  return UserError("bad-date", "bad date '" + std::string(text) + "': " + std::string(why));
}

// Reads `count` digits at `pos`; -1 if any is not a digit.
int Digits(std::string_view text, size_t pos, size_t count) {
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string FormatDate(LocalDays day) {
  date::year_month_day ymd(day);
  char buffer[16];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

Result<LocalDays> ParseDate(std::string_view text) {
  constexpr std::string_view kExpected = "expected YYYY-MM-DD, e.g. 2024-01-31";
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return BadDate(text, kExpected);
  int year = Digits(text, 0, 4);
  int month = Digits(text, 5, 2);
  int day = Digits(text, 8, 2);
  if (year < 0 || month < 0 || day < 0) return BadDate(text, kExpected);
  if (month < 1 || month > 12) return BadDate(text, "month " + std::to_string(month) + " is not 1-12");
  if (year < kFirstYear || year > kLastYear) {
    return BadDate(text, "year " + std::to_string(year) + " is outside " +
                             std::to_string(kFirstYear) + "-" + std::to_string(kLastYear));
  }
  date::year_month_day ymd{date::year(year), date::month(static_cast<unsigned>(month)),
                           date::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) {
    return BadDate(text, std::string(text.substr(0, 7)) + " has no day " + std::to_string(day));
  }
  return LocalDays(ymd);
}

}  // namespace schedule_internal

Result<TimePoint> ParseIsoInstant(std::string_view text) {
  using schedule_internal::Digits;
  auto bad = [&] {
    return UserError("bad-instant", "bad instant '" + std::string(text) +
                                        "': expected YYYY-MM-DDTHH:MM:SS+HH:MM, e.g. 2024-01-01T06:00:00+01:00");
  };
  if (text.size() != 25 && text.size() != 28) return bad();
  WEIR_ASSIGN_OR_RETURN(auto day, schedule_internal::ParseDate(text.substr(0, 10)));
  if (text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[22] != ':') return bad();
  if (text[19] != '+' && text[19] != '-') return bad();
  int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  int offset_hours = Digits(text, 20, 2), offset_minutes = Digits(text, 23, 2);
  int offset_seconds = text.size() == 28 && text[25] == ':' ? Digits(text, 26, 2) : 0;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return bad();
  if (offset_hours < 0 || offset_minutes < 0 || offset_seconds < 0) return bad();
  std::chrono::seconds offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes) +
                                std::chrono::seconds(offset_seconds);
  if (text[19] == '-') offset = -offset;
  std::chrono::seconds local = day.time_since_epoch() + std::chrono::hours(hour) + std::chrono::minutes(minute) +
                               std::chrono::seconds(second);
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(local - offset));
}

Result<std::string> ParseLocalDate(std::string_view text) {
  WEIR_ASSIGN_OR_RETURN(auto day, schedule_internal::ParseDate(text));
  return schedule_internal::FormatDate(day);
}

}  // namespace weir
