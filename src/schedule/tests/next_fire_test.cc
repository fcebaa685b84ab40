#include <gtest/gtest.h>

#include "schedule/schedule.h"
#include "schedule/tests/test_time.h"

namespace weir {
namespace {

using schedule_test::Utc;
using schedule_test::UtcText;

// The next `count` fire times after `after`, as UTC text.
std::vector<std::string> Fires(std::string_view text, const std::string& tz, const std::string& after,
                               int count = 3) {
  Result<Schedule> schedule = ParseSchedule(text);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  std::vector<std::string> out;
  TimePoint t = Utc(after);
  for (int i = 0; i < count && schedule.ok(); ++i) {
    t = NextFireAfter(*schedule, t, tz);
    out.push_back(UtcText(t));
  }
  return out;
}

using Times = std::vector<std::string>;

TEST(ScheduleNextFireTest, StrictlyAfter) {
  EXPECT_EQ(Fires("0 6 * * *", "UTC", "2024-01-01 06:00"),
            (Times{"2024-01-02 06:00:00", "2024-01-03 06:00:00", "2024-01-04 06:00:00"}));
  EXPECT_EQ(Fires("0 6 * * *", "", "2024-01-01 05:59:59", 1), (Times{"2024-01-01 06:00:00"}));
  TimePoint just_after = Utc("2024-01-01 06:00") + std::chrono::nanoseconds(1);
  EXPECT_EQ(UtcText(NextFireAfter(*ParseSchedule("0 6 * * *"), just_after, "UTC")), "2024-01-02 06:00:00");
}

TEST(ScheduleNextFireTest, EvaluatesInLocalTime) {
  // DESIGN.md's example pipeline: 06:00 Berlin is 05:00 UTC in winter.
  EXPECT_EQ(Fires("0 6 * * *", "Europe/Berlin", "2024-01-01 00:00", 2),
            (Times{"2024-01-01 05:00:00", "2024-01-02 05:00:00"}));
  EXPECT_EQ(Fires("0 6 * * *", "Europe/Berlin", "2024-07-01 00:00", 1), (Times{"2024-07-01 04:00:00"}));
  EXPECT_EQ(Fires("30 9 * * *", "Asia/Kolkata", "2024-01-01 00:00", 1), (Times{"2024-01-01 04:00:00"}));
}

TEST(ScheduleNextFireTest, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // 2024-01-01 is a Monday: the 1st, the 15th, and every Monday.
  EXPECT_EQ(Fires("0 0 1,15 * 1", "UTC", "2023-12-31 12:00", 5),
            (Times{"2024-01-01 00:00:00", "2024-01-08 00:00:00", "2024-01-15 00:00:00",
                   "2024-01-22 00:00:00", "2024-01-29 00:00:00"}));
  EXPECT_EQ(Fires("0 0 13 * 5", "UTC", "2024-01-01 00:00", 3),
            (Times{"2024-01-05 00:00:00", "2024-01-12 00:00:00", "2024-01-13 00:00:00"}));
}

TEST(ScheduleNextFireTest, StarStepDayFieldIsAndedAsVixieCron) {
  // "*/2" starts with '*', so it is unrestricted: odd days that are Mondays.
  EXPECT_EQ(Fires("0 0 */2 * 1", "UTC", "2024-01-01 00:00", 3),
            (Times{"2024-01-15 00:00:00", "2024-01-29 00:00:00", "2024-02-05 00:00:00"}));
  EXPECT_EQ(Fires("0 0 * * 7", "UTC", "2024-01-01 00:00", 1), (Times{"2024-01-07 00:00:00"}));
}

TEST(ScheduleNextFireTest, RareSchedulesAreFound) {
  EXPECT_EQ(Fires("0 0 29 2 *", "UTC", "2024-03-01 00:00", 2),
            (Times{"2028-02-29 00:00:00", "2032-02-29 00:00:00"}));
  EXPECT_EQ(Fires("59 23 31 12 *", "Pacific/Kiritimati", "2024-01-01 00:00", 1),
            (Times{"2024-12-31 09:59:00"}));
  // February days 1, 14 or 27 that are Fridays (ANDed: dom "*/13" starts with
  // a star so it is unrestricted).
  EXPECT_EQ(Fires("0 0 */13 2 5", "UTC", "2024-01-01 00:00", 1), (Times{"2025-02-14 00:00:00"}));
}

TEST(ScheduleNextFireTest, ManyYearsOfAYearlyScheduleAreFast) {
  Schedule yearly = *ParseSchedule("@yearly");
  TimePoint t = Utc("1990-01-01 00:00");
  for (int i = 0; i < 150; ++i) t = NextFireAfter(yearly, t, "America/New_York");
  EXPECT_EQ(UtcText(t), "2139-01-01 05:00:00");
}

TEST(ScheduleNextFireTest, NeverPastTheLastSupportedYear) {
  Schedule daily = DailySchedule();
  EXPECT_EQ(NextFireAfter(daily, Utc("2199-12-31 12:00"), "UTC"), TimePoint::max());
  EXPECT_EQ(NextFireAfter(daily, TimePoint::max(), "UTC"), TimePoint::max());
  EXPECT_EQ(UtcText(NextFireAfter(daily, TimePoint::min(), "UTC")), "1900-01-03 00:00:00");
}

TEST(ScheduleNextFireTest, UnknownZoneFallsBackToUtc) {
  EXPECT_EQ(Fires("0 6 * * *", "Mars/Olympus", "2024-01-01 00:00", 1), (Times{"2024-01-01 06:00:00"}));
}

TEST(ScheduleNextFireTest, EveryIsAnchoredAtStartDateMidnight) {
  Schedule every = *ParseSchedule("every 45m");
  ASSERT_TRUE(every.SetStartDate("2024-01-01").ok());
  TimePoint t = Utc("2023-06-01 00:00");
  t = NextFireAfter(every, t, "Europe/Berlin");
  EXPECT_EQ(UtcText(t), "2023-12-31 23:00:00");  // midnight Berlin
  EXPECT_EQ(UtcText(NextFireAfter(every, t, "Europe/Berlin")), "2023-12-31 23:45:00");
  EXPECT_EQ(UtcText(NextFireAfter(every, Utc("2024-01-01 10:00"), "Europe/Berlin")),
            "2024-01-01 10:15:00");  // 23:00 + 15 * 45m
  EXPECT_EQ(every.SetStartDate("2024-02-30").code(), "bad-date");
}

TEST(ScheduleNextFireTest, EveryWholeDaysKeepsLocalMidnightAcrossDst) {
  Schedule every = *ParseSchedule("every 2d");
  ASSERT_TRUE(every.SetStartDate("2024-03-29").ok());
  TimePoint t = Utc("2024-03-01 00:00");
  std::vector<std::string> fires;
  for (int i = 0; i < 3; ++i) fires.push_back(UtcText(t = NextFireAfter(every, t, "Europe/Berlin")));
  EXPECT_EQ(fires, (Times{"2024-03-28 23:00:00", "2024-03-30 23:00:00", "2024-04-01 22:00:00"}));
}

TEST(ScheduleNextFireTest, EverySubDayIsElapsedTime) {
  // Like Airflow's timedelta: 6 hours of real time, so across the spring
  // change the wall clock moves by an hour.
  Schedule every = *ParseSchedule("every 6h");
  ASSERT_TRUE(every.SetStartDate("2024-03-30").ok());
  EXPECT_EQ(Fires("every 6h", "UTC", "2024-01-01 00:00", 1), (Times{"2024-01-01 06:00:00"}));
  TimePoint t = NextFireAfter(every, Utc("2024-03-31 00:00"), "Europe/Berlin");
  EXPECT_EQ(UtcText(t), "2024-03-31 05:00:00");  // 07:00 CEST
}

// Sub-day `every` counted in nanoseconds overflowed past 292 years: an
// interval that long, or a start date that long ago.
TEST(ScheduleNextFireTest, EveryOverCenturiesDoesNotOverflow) {
  Schedule huge = *ParseSchedule("every 999999998d23h");
  ASSERT_TRUE(huge.SetStartDate("2024-01-01").ok());
  EXPECT_EQ(UtcText(NextFireAfter(huge, Utc("2023-06-01 00:00"), "UTC")), "2024-01-01 00:00:00");
  EXPECT_EQ(NextFireAfter(huge, Utc("2024-06-01 00:00"), "UTC"), TimePoint::max());
  Schedule hourly = *ParseSchedule("every 1h");
  ASSERT_TRUE(hourly.SetStartDate("1900-01-01").ok());
  EXPECT_EQ(UtcText(NextFireAfter(hourly, Utc("2199-06-01 00:30"), "UTC")), "2199-06-01 01:00:00");
  EXPECT_EQ(NextFireAfter(hourly, Utc("2199-12-31 23:30"), "UTC"), TimePoint::max());
  Schedule days = *ParseSchedule("every 999999999d");
  ASSERT_TRUE(days.SetStartDate("2024-01-01").ok());
  EXPECT_EQ(NextFireAfter(days, Utc("2024-06-01 00:00"), "UTC"), TimePoint::max());
}

}  // namespace
}  // namespace weir
