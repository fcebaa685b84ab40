// Test helpers: UTC instants from and to readable text, without tz.h.
#pragma once

#include <ctime>
#include <string>

#include "common/clock.h"

namespace weir::schedule_test {

// "2024-03-31 01:00" or "2024-03-31 01:00:30", read as UTC.
inline TimePoint Utc(const std::string& text) {
  std::tm tm{};
  int seconds = 0;
  std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
              &tm.tm_min, &seconds);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = seconds;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// "2024-03-31 01:00:00" in UTC.
inline std::string UtcText(TimePoint instant) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(instant);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S", &tm);
  return buffer;
}

}  // namespace weir::schedule_test
