#include <gtest/gtest.h>

#include "schedule/schedule.h"

namespace weir {
namespace {

// The error's message and 1-based column, for compact expectations.
struct ParseError {
  std::string message;
  int column;
};

ParseError ErrorOf(std::string_view text) {
  Result<Schedule> schedule = ParseSchedule(text);
  EXPECT_FALSE(schedule.ok()) << text;
  if (schedule.ok()) return {"", 0};
  EXPECT_EQ(schedule.status().code(), "bad-cron") << text;
  EXPECT_EQ(schedule.status().kind(), ErrorKind::kUser) << text;
  EXPECT_TRUE(schedule.status().where().file.empty()) << text;
  return {schedule.status().message(), schedule.status().where().column};
}

Schedule::CronFields FieldsOf(std::string_view text) {
  Result<Schedule> schedule = ParseSchedule(text);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  return schedule.ok() ? schedule->cron() : Schedule::CronFields{};
}

TEST(CronParseTest, OutOfRangeNamesFieldTokenAndColumn) {
  ParseError error = ErrorOf("0 25 * * *");
  EXPECT_EQ(error.message, "bad cron expression '0 25 * * *': hour 25 is out of range 0-23");
  EXPECT_EQ(error.column, 3);
  EXPECT_EQ(ErrorOf("60 * * * *").column, 1);
  EXPECT_EQ(ErrorOf("0 0 32 * *").message,
            "bad cron expression '0 0 32 * *': day-of-month 32 is out of range 1-31");
  EXPECT_EQ(ErrorOf("0 0 * 13 *").column, 7);
  EXPECT_EQ(ErrorOf("0 0 * * 8").message,
            "bad cron expression '0 0 * * 8': day-of-week 8 is out of range 0-7");
}

TEST(CronParseTest, ColumnPointsInsideListsRangesAndSteps) {
  EXPECT_EQ(ErrorOf("0 1,2,99 * * *").column, 7);
  EXPECT_EQ(ErrorOf("0 1-99 * * *").column, 5);
  EXPECT_EQ(ErrorOf("*/0 * * * *").column, 3);
  EXPECT_EQ(ErrorOf("*/0 * * * *").message,
            "bad cron expression '*/0 * * * *': minute step '0' is not a positive number");
  EXPECT_EQ(ErrorOf("  0  6 * *  xyz").column, 13);
  EXPECT_EQ(ErrorOf("0 1,,2 * * *").message,
            "bad cron expression '0 1,,2 * * *': hour list has an empty item");
  EXPECT_EQ(ErrorOf("0 1,,2 * * *").column, 5);
}

TEST(CronParseTest, BadTokensSayWhatWasAllowed) {
  EXPECT_EQ(ErrorOf("0 0 * jam *").message,
            "bad cron expression '0 0 * jam *': month 'jam' is not a number or a name (JAN-DEC)");
  EXPECT_EQ(ErrorOf("0 0 * * monday").message,
            "bad cron expression '0 0 * * monday': day-of-week 'monday' is not a number or a name "
            "(SUN-SAT)");
  EXPECT_EQ(ErrorOf("x * * * *").message, "bad cron expression 'x * * * *': minute 'x' is not a number");
  EXPECT_EQ(ErrorOf("0 5-2 * * *").message,
            "bad cron expression '0 5-2 * * *': hour range 5-2 is reversed: write the smaller value first");
  EXPECT_EQ(ErrorOf("0 0 ? * 1").column, 5);
  EXPECT_EQ(ErrorOf("0 0 L * *").column, 5);
  EXPECT_EQ(ErrorOf("-5 * * * *").column, 1);
}

TEST(CronParseTest, WrongFieldCount) {
  EXPECT_EQ(ErrorOf("0 6 * *").message,
            "bad cron expression '0 6 * *': expected 5 fields (minute hour day-of-month month "
            "day-of-week), got 4");
  EXPECT_NE(ErrorOf("0 0 6 * * *").message.find("seconds and year fields are not supported"),
            std::string::npos);
  EXPECT_EQ(ErrorOf("").column, 1);
  EXPECT_EQ(ErrorOf("   ").column, 1);
}

TEST(CronParseTest, NumbersOfTenOrMoreDigitsAreErrorsNotOverflows) {
  EXPECT_EQ(ErrorOf("99999999999999999999 * * * *").message,
            "bad cron expression '99999999999999999999 * * * *': minute '99999999999999999999' is not "
            "a number");
  EXPECT_EQ(ErrorOf("*/99999999999999999999 * * * *").column, 3);
  EXPECT_EQ(ErrorOf("0 1-99999999999 * * *").column, 5);
}

TEST(CronParseTest, RejectsDaysThatNeverOccur) {
  ParseError error = ErrorOf("0 0 30 2 *");
  EXPECT_EQ(error.message,
            "bad cron expression '0 0 30 2 *': day-of-month '30' never occurs in month '2'");
  EXPECT_EQ(error.column, 5);
  EXPECT_TRUE(ParseSchedule("0 0 29 2 *").ok());    // leap years
  EXPECT_TRUE(ParseSchedule("0 0 31 2 1").ok());    // ORed with Mondays
  EXPECT_TRUE(ParseSchedule("0 0 30,31 * *").ok());
}

TEST(CronParseTest, ParsesListsRangesStepsAndNames) {
  Schedule::CronFields fields = FieldsOf("5-55/10 */6 1,15 JAN-mar mon-Fri");
  EXPECT_EQ(fields.minutes, (1ull << 5) | (1ull << 15) | (1ull << 25) | (1ull << 35) | (1ull << 45) |
                                (1ull << 55));
  EXPECT_EQ(fields.hours, (1u << 0) | (1u << 6) | (1u << 12) | (1u << 18));
  EXPECT_EQ(fields.days_of_month, (1u << 1) | (1u << 15));
  EXPECT_EQ(fields.months, (1u << 1) | (1u << 2) | (1u << 3));
  EXPECT_EQ(fields.days_of_week, 0b0111110);
  EXPECT_TRUE(fields.day_of_month_restricted);
  EXPECT_TRUE(fields.day_of_week_restricted);
  EXPECT_EQ(FieldsOf("10/20 * * * *").minutes, (1ull << 10) | (1ull << 30) | (1ull << 50));
}

TEST(CronParseTest, SevenIsSundayAndStarFieldsAreUnrestricted) {
  EXPECT_EQ(FieldsOf("0 0 * * 7").days_of_week, 0b0000001);
  EXPECT_EQ(FieldsOf("0 0 * * 5-7").days_of_week, 0b1100001);
  EXPECT_EQ(FieldsOf("0 0 * * 0-7").days_of_week, 0b1111111);
  Schedule::CronFields fields = FieldsOf("0 0 */2 * 1");
  EXPECT_FALSE(fields.day_of_month_restricted);  // starts with '*': Vixie cron
  EXPECT_TRUE(fields.day_of_week_restricted);
}

TEST(CronParseTest, MacrosExpandAndKeepTheirText) {
  struct Case {
    const char* macro;
    const char* cron;
  };
  for (Case c : {Case{"@hourly", "0 * * * *"}, Case{"@daily", "0 0 * * *"}, Case{"@midnight", "0 0 * * *"},
                 Case{"@weekly", "0 0 * * 0"}, Case{"@monthly", "0 0 1 * *"}, Case{"@yearly", "0 0 1 1 *"},
                 Case{"@annually", "0 0 1 1 *"}, Case{"@DAILY", "0 0 * * *"}}) {
    Result<Schedule> macro = ParseSchedule(c.macro);
    ASSERT_TRUE(macro.ok()) << c.macro;
    Schedule::CronFields expected = FieldsOf(c.cron);
    EXPECT_EQ(macro->cron().minutes, expected.minutes) << c.macro;
    EXPECT_EQ(macro->cron().hours, expected.hours) << c.macro;
    EXPECT_EQ(macro->cron().days_of_month, expected.days_of_month) << c.macro;
    EXPECT_EQ(macro->cron().months, expected.months) << c.macro;
    EXPECT_EQ(macro->cron().days_of_week, expected.days_of_week) << c.macro;
    EXPECT_EQ(macro->text(), c.macro);
  }
  ParseError unknown = ErrorOf("@hourli");
  EXPECT_EQ(unknown.message,
            "bad schedule '@hourli': unknown macro '@hourli': expected one of @hourly, @daily, "
            "@midnight, @weekly, @monthly, @yearly, @annually");
  EXPECT_EQ(unknown.column, 1);
  EXPECT_EQ(ErrorOf("@daily 5").column, 8);
  EXPECT_EQ(DailySchedule().text(), "@daily");
}

TEST(CronParseTest, EveryTakesADuration) {
  Result<Schedule> every = ParseSchedule("every 15m");
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(every->kind(), Schedule::Kind::kEvery);
  EXPECT_EQ(every->every(), std::chrono::minutes(15));
  EXPECT_EQ(ParseSchedule("every 1h30m")->every(), std::chrono::seconds(5400));
  ParseError bad = ErrorOf("every 5x");
  EXPECT_EQ(bad.column, 8);
  EXPECT_NE(bad.message.find("expected a number and a unit (ms, s, m, h, d)"), std::string::npos);
  EXPECT_EQ(ErrorOf("every 500ms").message,
            "bad schedule 'every 500ms': interval must be a whole number of seconds, at least 1s");
  EXPECT_EQ(ErrorOf("every 0s").column, 7);
  EXPECT_EQ(ErrorOf("every").column, 6);
  EXPECT_EQ(ErrorOf("every 1h 2h").column, 10);
}

}  // namespace
}  // namespace weir
