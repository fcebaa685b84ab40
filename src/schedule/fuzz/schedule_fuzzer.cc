// libFuzzer target: bytes as a schedule, a duration and a date. Schedules
// that parse are evaluated a few fire times ahead in UTC and Europe/Berlin,
// from both of 2024's DST changes and the last supported day, anchored in
// 2024 and in 1900. Errors are expected; crashes, sanitizer
// reports, fire times that do not move forward and durations or dates that
// do not print back as they parse are not.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "schedule/schedule.h"

namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

void Require(bool ok, const char* what, std::string_view text) {
  if (ok) return;
  std::fprintf(stderr, "schedule_fuzzer: %s for '%.*s'\n", what, static_cast<int>(text.size()), text.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  weir::Result<std::chrono::milliseconds> duration = weir::ParseDuration(text);
  if (duration.ok()) {  // FormatDuration is ParseDuration's inverse
    weir::Result<std::chrono::milliseconds> again = weir::ParseDuration(weir::FormatDuration(*duration));
    Require(again.ok() && *again == *duration, "FormatDuration does not parse back", text);
  }
  weir::Result<std::string> date = weir::ParseLocalDate(text);
  if (date.ok()) Require(*date == text, "ParseLocalDate changed the date", text);

  weir::Result<weir::Schedule> schedule = weir::ParseSchedule(text);
  if (!schedule.ok()) return 0;
  const weir::TimePoint starts[] = {
      sys_days{std::chrono::year{2024} / 3 / 31} + 30min,    // Berlin springs forward at 01:00 UTC
      sys_days{std::chrono::year{2024} / 10 / 27} + 30min,   // and falls back at 01:00 UTC
      sys_days{std::chrono::year{2199} / 12 / 31} + 12h,     // the last supported day
  };
  for (const char* start_date : {"2024-01-01", "1900-01-01"}) {  // anchors `every`
    schedule->SetStartDate(start_date).IgnoreError();
    for (const char* tz : {"UTC", "Europe/Berlin"}) {
      for (weir::TimePoint after : starts) {
        for (int i = 0; i < 4; ++i) {
          weir::TimePoint next = weir::NextFireAfter(*schedule, after, tz);
          if (next == weir::TimePoint::max()) break;
          Require(next > after, "NextFireAfter did not move forward", text);
          after = next;
        }
      }
    }
  }
  return 0;
}
