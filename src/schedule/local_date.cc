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

Result<std::string> ParseLocalDate(std::string_view text) {
  WEIR_ASSIGN_OR_RETURN(auto day, schedule_internal::ParseDate(text));
  return schedule_internal::FormatDate(day);
}

}  // namespace weir
