#include <gtest/gtest.h>

#include "schedule/schedule.h"
#include "schedule/tests/test_time.h"

namespace weir {
namespace {

using schedule_test::Utc;
using schedule_test::UtcText;

std::vector<std::string> Dates(const CatchupPlan& plan) {
  std::vector<std::string> dates;
  for (const DataInterval& i : plan.intervals) dates.push_back(i.ds);
  return dates;
}

CatchupRequest Request(bool catchup, std::optional<std::string> start_date) {
  CatchupRequest request;
  request.catchup = catchup;
  request.start_date = std::move(start_date);
  return request;
}

TEST(LatestEndedIntervalTest, TheIntervalWhoseEndIsTheLastFireAtOrBeforeNow) {
  Schedule six = *ParseSchedule("0 6 * * *");
  auto latest = LatestEndedInterval(six, "UTC", Utc("2024-01-03 07:00"));
  ASSERT_TRUE(latest.ok() && latest->has_value());
  EXPECT_EQ(UtcText((*latest)->start), "2024-01-02 06:00:00");
  EXPECT_EQ(UtcText((*latest)->end), "2024-01-03 06:00:00");
  // An interval ending exactly now has ended.
  EXPECT_EQ((*LatestEndedInterval(six, "UTC", Utc("2024-01-03 06:00")))->ds, "2024-01-02");
  EXPECT_EQ((*LatestEndedInterval(six, "UTC", Utc("2024-01-03 05:59")))->ds, "2024-01-01");

  auto minute = LatestEndedInterval(*ParseSchedule("* * * * *"), "UTC", Utc("2024-01-03 12:00:30"));
  EXPECT_EQ(UtcText((*minute)->start), "2024-01-03 11:59:00");
  auto yearly = LatestEndedInterval(*ParseSchedule("@yearly"), "UTC", Utc("2024-06-01 00:00"));
  EXPECT_EQ(UtcText((*yearly)->start), "2023-01-01 00:00:00");
  // In the pipeline's zone: 06:00 in Berlin is 05:00 UTC in winter.
  auto berlin = LatestEndedInterval(six, "Europe/Berlin", Utc("2024-01-03 05:30"));
  EXPECT_EQ((*berlin)->start_iso, "2024-01-02T06:00:00+01:00");
  EXPECT_FALSE(LatestEndedInterval(six, "Mars/Olympus", Utc("2024-01-03 05:30")).ok());
}

TEST(PlanCatchupTest, CatchupCreatesEveryEndedIntervalSinceStartDateThenOnlyNewOnes) {
  Schedule six = *ParseSchedule("0 6 * * *");
  CatchupRequest request = Request(true, "2024-01-01");
  auto plan = PlanCatchup(six, "UTC", request, Utc("2024-01-04 07:00"));
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(Dates(*plan), (std::vector<std::string>{"2024-01-01", "2024-01-02", "2024-01-03"}));
  ASSERT_TRUE(plan->next_start.has_value());
  EXPECT_EQ(UtcText(*plan->next_start), "2024-01-04 06:00:00");

  request.next_start = plan->next_start;
  EXPECT_TRUE(PlanCatchup(six, "UTC", request, Utc("2024-01-05 05:59"))->intervals.empty());
  auto next = PlanCatchup(six, "UTC", request, Utc("2024-01-05 06:00"));
  EXPECT_EQ(Dates(*next), (std::vector<std::string>{"2024-01-04"}));
  EXPECT_EQ(UtcText(*next->next_start), "2024-01-05 06:00:00");
}

TEST(PlanCatchupTest, WithoutCatchupOnlyTheLatestAndTheGapIsNeverCreated) {
  Schedule six = *ParseSchedule("0 6 * * *");
  CatchupRequest request = Request(false, "2024-01-01");
  auto plan = PlanCatchup(six, "UTC", request, Utc("2024-01-04 07:00"));
  EXPECT_EQ(Dates(*plan), (std::vector<std::string>{"2024-01-03"}));
  request.next_start = plan->next_start;
  // Down for a week: only the latest.
  auto later = PlanCatchup(six, "UTC", request, Utc("2024-01-11 07:00"));
  EXPECT_EQ(Dates(*later), (std::vector<std::string>{"2024-01-10"}));
  request.next_start = later->next_start;
  EXPECT_TRUE(PlanCatchup(six, "UTC", request, Utc("2024-01-11 08:00"))->intervals.empty());
  // No start_date, catchup or not: the latest only.
  auto fresh = PlanCatchup(six, "UTC", Request(true, std::nullopt), Utc("2024-01-11 07:00"));
  EXPECT_EQ(Dates(*fresh), (std::vector<std::string>{"2024-01-10"}));
}

TEST(PlanCatchupTest, StartDateInTheFutureAndEndDateBoundTheIntervals) {
  Schedule six = *ParseSchedule("0 6 * * *");
  EXPECT_TRUE(PlanCatchup(six, "UTC", Request(false, "2024-02-01"), Utc("2024-01-11 07:00"))->intervals.empty());
  EXPECT_TRUE(PlanCatchup(six, "UTC", Request(true, "2024-02-01"), Utc("2024-01-11 07:00"))->intervals.empty());

  CatchupRequest ending = Request(true, "2024-01-01");
  ending.end_date = "2024-01-02";
  auto plan = PlanCatchup(six, "UTC", ending, Utc("2024-01-11 07:00"));
  EXPECT_EQ(Dates(*plan), (std::vector<std::string>{"2024-01-01", "2024-01-02"}));
  ending.next_start = plan->next_start;
  EXPECT_TRUE(PlanCatchup(six, "UTC", ending, Utc("2024-02-11 07:00"))->intervals.empty());
  ending.catchup = false;
  EXPECT_TRUE(PlanCatchup(six, "UTC", ending, Utc("2024-02-11 07:00"))->intervals.empty());
}

TEST(PlanCatchupTest, LimitLeavesTheRestForTheNextCall) {
  Schedule hourly = *ParseSchedule("@hourly");
  CatchupRequest request = Request(true, "2024-01-01");
  request.limit = 10;
  std::vector<std::string> starts;
  for (int call = 0; call < 5; ++call) {
    auto plan = PlanCatchup(hourly, "UTC", request, Utc("2024-01-02 00:30"));
    ASSERT_TRUE(plan.ok());
    EXPECT_LE(plan->intervals.size(), 10u);
    for (const DataInterval& i : plan->intervals) starts.push_back(UtcText(i.start));
    request.next_start = plan->next_start;
  }
  ASSERT_EQ(starts.size(), 24u);
  EXPECT_EQ(starts.front(), "2024-01-01 00:00:00");
  EXPECT_EQ(starts.back(), "2024-01-01 23:00:00");
}

// Catchup walks fire times forward; backfill finds them by local date. The
// two must agree, across a DST change in the pipeline's zone.
TEST(PlanCatchupTest, AgreesWithBackfillIntervalsAcrossDst) {
  for (const char* text : {"@hourly", "30 1 * * *", "*/45 * * * *", "every 90m"}) {
    Schedule schedule = *ParseSchedule(text);
    ASSERT_TRUE(schedule.SetStartDate("2024-03-30").ok());
    CatchupRequest request = Request(true, "2024-03-30");
    request.limit = 100000;
    auto plan = PlanCatchup(schedule, "Europe/London", request, Utc("2024-04-02 00:00"));
    ASSERT_TRUE(plan.ok()) << text;
    auto expected = IntervalsBetween(schedule, "Europe/London", "2024-03-30", "2024-03-31");
    ASSERT_TRUE(expected.ok());
    ASSERT_GE(plan->intervals.size(), expected->size()) << text;
    for (size_t i = 0; i < expected->size(); ++i) {
      EXPECT_EQ(plan->intervals[i].start_iso, (*expected)[i].start_iso) << text << " #" << i;
      EXPECT_EQ(plan->intervals[i].end_iso, (*expected)[i].end_iso) << text << " #" << i;
    }
  }
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

TEST(ParseIsoInstantTest, ReadsBackWhatIntervalsWrite) {
  for (const char* tz : {"UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata", "Australia/Lord_Howe"}) {
    auto intervals = IntervalsBetween(*ParseSchedule("17 */5 * * *"), tz, "2024-03-29", "2024-04-08");
    ASSERT_TRUE(intervals.ok());
    for (const DataInterval& i : *intervals) {
      auto start = ParseIsoInstant(i.start_iso);
      ASSERT_TRUE(start.ok()) << i.start_iso;
      EXPECT_EQ(*start, i.start) << i.start_iso;
      EXPECT_EQ(*ParseIsoInstant(i.end_iso), i.end) << i.end_iso;
    }
  }
  EXPECT_EQ(schedule_test::UtcText(*ParseIsoInstant("1900-01-01T00:00:00+00:53:28")), "1899-12-31 23:06:32");
  for (const char* bad : {"", "2024-01-01", "2024-01-01 06:00:00+01:00", "2024-01-01T25:00:00+01:00",
                          "2024-02-30T06:00:00+01:00", "2024-01-01T06:00:00Z", "2024-01-01T06:00:00+0100"}) {
    auto parsed = ParseIsoInstant(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

}  // namespace
}  // namespace weir
