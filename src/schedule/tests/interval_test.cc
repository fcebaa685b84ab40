#include <gtest/gtest.h>

#include "schedule/schedule.h"
#include "schedule/tests/test_time.h"

namespace weir {
namespace {

using schedule_test::Utc;
using schedule_test::UtcText;

TEST(IntervalTest, DailySalesExampleFromDesign) {
  Schedule schedule = *ParseSchedule("0 6 * * *");
  Result<DataInterval> interval = IntervalForDate(schedule, "Europe/Berlin", "2024-01-01");
  ASSERT_TRUE(interval.ok()) << interval.status().ToString();
  EXPECT_EQ(interval->ds, "2024-01-01");
  EXPECT_EQ(interval->start_iso, "2024-01-01T06:00:00+01:00");
  EXPECT_EQ(interval->end_iso, "2024-01-02T06:00:00+01:00");
  EXPECT_EQ(UtcText(interval->start), "2024-01-01 05:00:00");
  EXPECT_EQ(UtcText(interval->end), "2024-01-02 05:00:00");
}

TEST(IntervalTest, OffsetsFollowDstAndZone) {
  Schedule daily = DailySchedule();
  Result<DataInterval> spring = IntervalForDate(daily, "Europe/Berlin", "2024-03-30");
  ASSERT_TRUE(spring.ok());
  EXPECT_EQ(spring->start_iso, "2024-03-30T00:00:00+01:00");
  EXPECT_EQ(spring->end_iso, "2024-03-31T00:00:00+01:00");
  EXPECT_EQ(spring->end - spring->start, std::chrono::hours(24));
  Result<DataInterval> short_day = IntervalForDate(daily, "Europe/Berlin", "2024-03-31");
  EXPECT_EQ(short_day->end - short_day->start, std::chrono::hours(23));
  EXPECT_EQ(short_day->end_iso, "2024-04-01T00:00:00+02:00");
  EXPECT_EQ(IntervalForDate(daily, "", "2024-01-01")->start_iso, "2024-01-01T00:00:00+00:00");
  EXPECT_EQ(IntervalForDate(daily, "America/St_Johns", "2024-01-01")->start_iso,
            "2024-01-01T00:00:00-03:30");
}

TEST(IntervalTest, DsIsTheLocalDateNotTheUtcDate) {
  // 00:30 in Kolkata is still the previous day in UTC.
  Result<DataInterval> interval = IntervalForDate(*ParseSchedule("30 0 * * *"), "Asia/Kolkata", "2024-05-10");
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(interval->ds, "2024-05-10");
  EXPECT_EQ(UtcText(interval->start), "2024-05-09 19:00:00");
  EXPECT_EQ(interval->start_iso, "2024-05-10T00:30:00+05:30");
}

TEST(IntervalTest, MissingMidnightStartsWhenTheGapEnds) {
  Result<DataInterval> interval = IntervalForDate(DailySchedule(), "America/Santiago", "2024-09-08");
  ASSERT_TRUE(interval.ok()) << interval.status().ToString();
  EXPECT_EQ(interval->ds, "2024-09-08");
  EXPECT_EQ(interval->start_iso, "2024-09-08T01:00:00-03:00");
}

TEST(IntervalTest, DateWithoutARunSuggestsNearestDates) {
  Schedule weekly = *ParseSchedule("0 6 * * 1");  // Mondays
  Result<DataInterval> tuesday = IntervalForDate(weekly, "Europe/Berlin", "2024-01-02");
  ASSERT_FALSE(tuesday.ok());
  EXPECT_EQ(tuesday.status().code(), "no-run-on-date");
  EXPECT_EQ(tuesday.status().message(),
            "no run of schedule '0 6 * * 1' starts on 2024-01-02 in Europe/Berlin; the nearest dates "
            "with runs are 2024-01-01 and 2024-01-08");
  Result<DataInterval> monday = IntervalForDate(weekly, "Europe/Berlin", "2024-01-08");
  ASSERT_TRUE(monday.ok());
  EXPECT_EQ(monday->end_iso, "2024-01-15T06:00:00+01:00");
}

TEST(IntervalTest, SeveralRunsADayTakeTheFirst) {
  Result<DataInterval> interval = IntervalForDate(*ParseSchedule("0 */6 * * *"), "UTC", "2024-01-01");
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(interval->start_iso, "2024-01-01T00:00:00+00:00");
  EXPECT_EQ(interval->end_iso, "2024-01-01T06:00:00+00:00");
}

TEST(IntervalTest, BadInputGetsCodes) {
  Schedule daily = DailySchedule();
  EXPECT_EQ(IntervalForDate(daily, "Europe/Berlin", "2024-1-01").status().code(), "bad-date");
  EXPECT_EQ(IntervalForDate(daily, "Europe/Berln", "2024-01-01").status().code(), "bad-timezone");
  EXPECT_EQ(IntervalStartingAt(daily, "Nowhere/Place", TimePoint()).status().code(), "bad-timezone");
}

TEST(IntervalTest, ParseLocalDateIsStrict) {
  EXPECT_EQ(*ParseLocalDate("2024-02-29"), "2024-02-29");
  for (const char* bad : {"2023-02-29", "2024-13-01", "2024-00-10", "2024-01-32", "24-01-01", "2024/01/01",
                          "2024-01-01T00:00", "", "1899-12-31", "2200-01-01", "abcd-ef-gh"}) {
    Result<std::string> date = ParseLocalDate(bad);
    EXPECT_FALSE(date.ok()) << bad;
    EXPECT_EQ(date.status().code(), "bad-date") << bad;
  }
  EXPECT_EQ(ParseLocalDate("2023-02-29").status().message(), "bad date '2023-02-29': 2023-02 has no day 29");
  EXPECT_EQ(ParseLocalDate("2024/01/01").status().message(),
            "bad date '2024/01/01': expected YYYY-MM-DD, e.g. 2024-01-31");
}

TEST(IntervalTest, IntervalStartingAtUsesTheNextFireAsEnd) {
  Schedule hourly = *ParseSchedule("@hourly");
  Result<DataInterval> interval = IntervalStartingAt(hourly, "America/New_York", Utc("2024-11-03 05:00"));
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(interval->start_iso, "2024-11-03T01:00:00-04:00");
  EXPECT_EQ(interval->end_iso, "2024-11-03T02:00:00-05:00");  // the repeated 01:00 does not fire
  EXPECT_EQ(interval->ds, "2024-11-03");
}

TEST(IntervalTest, IntervalsBetweenIncludesBothEnds) {
  Result<std::vector<DataInterval>> intervals =
      IntervalsBetween(*ParseSchedule("0 6 * * *"), "Europe/Berlin", "2024-03-30", "2024-04-01");
  ASSERT_TRUE(intervals.ok());
  ASSERT_EQ(intervals->size(), 3u);
  EXPECT_EQ((*intervals)[0].ds, "2024-03-30");
  EXPECT_EQ((*intervals)[1].start_iso, "2024-03-31T06:00:00+02:00");
  EXPECT_EQ((*intervals)[2].ds, "2024-04-01");
  for (size_t i = 0; i + 1 < intervals->size(); ++i)
    EXPECT_EQ((*intervals)[i].end, (*intervals)[i + 1].start);
}

TEST(IntervalTest, IntervalsBetweenSkipsDatesWithoutRunsAndCountsHourly) {
  auto weekly = IntervalsBetween(*ParseSchedule("@weekly"), "UTC", "2024-01-01", "2024-01-31");
  ASSERT_TRUE(weekly.ok());
  std::vector<std::string> days;
  for (const DataInterval& interval : *weekly) days.push_back(interval.ds);
  EXPECT_EQ(days, (std::vector<std::string>{"2024-01-07", "2024-01-14", "2024-01-21", "2024-01-28"}));
  // Berlin's spring day has 23 hourly runs (02:00 collapses into 03:00); the
  // autumn day 24 (the repeated 02:00 fires once, not twice).
  EXPECT_EQ(IntervalsBetween(*ParseSchedule("@hourly"), "Europe/Berlin", "2024-03-31", "2024-03-31")->size(), 23u);
  EXPECT_EQ(IntervalsBetween(*ParseSchedule("@hourly"), "Europe/Berlin", "2024-10-27", "2024-10-27")->size(), 24u);
}

TEST(IntervalTest, IntervalsBetweenRejectsBadRanges) {
  Schedule daily = DailySchedule();
  EXPECT_EQ(IntervalsBetween(daily, "UTC", "2024-02-01", "2024-01-01").status().code(), "bad-date-range");
  EXPECT_EQ(IntervalsBetween(daily, "UTC", "2024-02-30", "2024-03-01").status().code(), "bad-date");
  EXPECT_EQ(IntervalsBetween(*ParseSchedule("every 1s"), "UTC", "2024-01-01", "2024-12-31").status().code(),
            "too-many-intervals");
}

}  // namespace
}  // namespace weir
