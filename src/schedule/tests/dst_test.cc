// DESIGN.md "Dates": a local time in a spring-forward gap fires at the first
// instant after the gap; a repeated local time fires once, the first time.
// Expectations are computed by hand from the 2024 transitions:
//   Europe/Berlin     Mar 31 02:00 CET -> 03:00 CEST at 01:00 UTC
//                     Oct 27 03:00 CEST -> 02:00 CET at 01:00 UTC
//   America/New_York  Mar 10 02:00 EST -> 03:00 EDT at 07:00 UTC
//                     Nov  3 02:00 EDT -> 01:00 EST at 06:00 UTC
//   Australia/Lord_Howe Oct 6 02:00 -> 02:30 (+10:30 -> +11) at 15:30 UTC Oct 5
#include <gtest/gtest.h>

#include "schedule/schedule.h"
#include "schedule/tests/test_time.h"

namespace weir {
namespace {

using schedule_test::Utc;
using schedule_test::UtcText;
using Times = std::vector<std::string>;

Times Fires(std::string_view text, const std::string& tz, const std::string& after, int count) {
  Result<Schedule> schedule = ParseSchedule(text);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  Times out;
  TimePoint t = Utc(after);
  for (int i = 0; i < count && schedule.ok(); ++i) out.push_back(UtcText(t = NextFireAfter(*schedule, t, tz)));
  return out;
}

TEST(ScheduleDstTest, BerlinGapFiresWhenTheGapEnds) {
  // The DESIGN.md example: 02:30 does not exist, so 03:00 CEST = 01:00 UTC.
  EXPECT_EQ(Fires("30 2 * * *", "Europe/Berlin", "2024-03-30 12:00", 3),
            (Times{"2024-03-31 01:00:00", "2024-04-01 00:30:00", "2024-04-02 00:30:00"}));
  EXPECT_EQ(Fires("0 2 * * *", "Europe/Berlin", "2024-03-30 12:00", 1), (Times{"2024-03-31 01:00:00"}));
}

TEST(ScheduleDstTest, BerlinGapTimesCollapseIntoOneFire) {
  // 02:00, 02:15, 02:30, 02:45 and 03:00 local are all 01:00 UTC: fired once.
  EXPECT_EQ(Fires("*/15 * * * *", "Europe/Berlin", "2024-03-31 00:40", 3),
            (Times{"2024-03-31 00:45:00", "2024-03-31 01:00:00", "2024-03-31 01:15:00"}));
  EXPECT_EQ(Fires("0 * * * *", "Europe/Berlin", "2024-03-31 00:30", 3),
            (Times{"2024-03-31 01:00:00", "2024-03-31 02:00:00", "2024-03-31 03:00:00"}));
}

TEST(ScheduleDstTest, BerlinRepeatedHourFiresOnceTheFirstTime) {
  EXPECT_EQ(Fires("30 2 * * *", "Europe/Berlin", "2024-10-26 12:00", 2),
            (Times{"2024-10-27 00:30:00", "2024-10-28 01:30:00"}));
  EXPECT_EQ(Fires("0 * * * *", "Europe/Berlin", "2024-10-26 23:30", 3),
            (Times{"2024-10-27 00:00:00", "2024-10-27 02:00:00", "2024-10-27 03:00:00"}));
}

TEST(ScheduleDstTest, StartInsideTheRepeatedHourDoesNotRepeatFires) {
  // 02:10 CET (second pass): 02:20 and 02:40 already fired in the first pass.
  EXPECT_EQ(Fires("*/20 * * * *", "Europe/Berlin", "2024-10-27 01:10", 2),
            (Times{"2024-10-27 02:00:00", "2024-10-27 02:20:00"}));
  // 02:50 CEST (first pass): the next local match is 03:00 CET.
  EXPECT_EQ(Fires("*/20 * * * *", "Europe/Berlin", "2024-10-27 00:50", 1), (Times{"2024-10-27 02:00:00"}));
}

TEST(ScheduleDstTest, NewYorkGapAndRepeat) {
  EXPECT_EQ(Fires("30 2 * * *", "America/New_York", "2024-03-09 12:00", 2),
            (Times{"2024-03-10 07:00:00", "2024-03-11 06:30:00"}));
  EXPECT_EQ(Fires("30 1 * * *", "America/New_York", "2024-11-02 12:00", 2),
            (Times{"2024-11-03 05:30:00", "2024-11-04 06:30:00"}));
  EXPECT_EQ(Fires("0 * * * *", "America/New_York", "2024-11-03 04:30", 3),
            (Times{"2024-11-03 05:00:00", "2024-11-03 07:00:00", "2024-11-03 08:00:00"}));
}

TEST(ScheduleDstTest, HalfHourGapInLordHowe) {
  EXPECT_EQ(Fires("15 2 * * *", "Australia/Lord_Howe", "2024-10-05 12:00", 2),
            (Times{"2024-10-05 15:30:00", "2024-10-06 15:15:00"}));
}

TEST(ScheduleDstTest, MissingMidnightInSantiago) {
  // Chile springs forward at midnight: 2024-09-08 00:00 -04 -> 01:00 -03.
  EXPECT_EQ(Fires("@daily", "America/Santiago", "2024-09-07 12:00", 2),
            (Times{"2024-09-08 04:00:00", "2024-09-09 03:00:00"}));
}

}  // namespace
}  // namespace weir
