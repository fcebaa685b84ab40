#include <gtest/gtest.h>

#include "schedule/schedule.h"

namespace weir {
namespace {

using std::chrono::milliseconds;

TEST(DurationTest, ParsesEachUnit) {
  EXPECT_EQ(*ParseDuration("30s"), milliseconds(30'000));
  EXPECT_EQ(*ParseDuration("5m"), milliseconds(300'000));
  EXPECT_EQ(*ParseDuration("1h"), milliseconds(3'600'000));
  EXPECT_EQ(*ParseDuration("2d"), milliseconds(172'800'000));
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("0s"), milliseconds(0));
}

TEST(DurationTest, ParsesCompoundAndTrimsSpaces) {
  EXPECT_EQ(*ParseDuration("1h30m"), milliseconds(5'400'000));
  EXPECT_EQ(*ParseDuration("1d2h3m4s5ms"), milliseconds(93'784'005));
  EXPECT_EQ(*ParseDuration(" 5m "), milliseconds(300'000));
}

TEST(DurationTest, RejectsWithCodeMessageAndColumn) {
  Result<milliseconds> bad = ParseDuration("5x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "bad-duration");
  EXPECT_EQ(bad.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(bad.status().message(),
            "bad duration '5x': expected a number and a unit (ms, s, m, h, d), e.g. 30s, 5m, 1h");
  EXPECT_EQ(bad.status().where().column, 2);
  EXPECT_EQ(ParseDuration("1h30").status().where().column, 5);  // missing unit at the end
  EXPECT_EQ(ParseDuration("-5m").status().where().column, 1);
  EXPECT_EQ(ParseDuration("1h 30m").status().where().column, 3);
}

TEST(DurationTest, RejectsEmptyUnitlessAndHuge) {
  for (const char* text : {"", "  ", "30", "m", "1.5h", "5M", "1234567890s", "1w"}) {
    Result<milliseconds> bad = ParseDuration(text);
    EXPECT_FALSE(bad.ok()) << text;
    EXPECT_EQ(bad.status().code(), "bad-duration") << text;
  }
}

TEST(DurationTest, FormatsCanonicallyAndRoundTrips) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0s");
  EXPECT_EQ(FormatDuration(milliseconds(5'400'000)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(1'500)), "1s500ms");
  EXPECT_EQ(FormatDuration(milliseconds(172'800'000)), "2d");
  EXPECT_EQ(FormatDuration(milliseconds(-300'000)), "-5m");
  for (const char* text : {"30s", "5m", "1h", "2d", "500ms", "1d2h3m4s5ms"})
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
}

// Parts of up to 9 digits once summed past 999999999d formatted as a day
// count ParseDuration rejects ("2041666665d...").
TEST(DurationTest, SumsTooLongToFormatBackAreRejected) {
  Result<milliseconds> longest = ParseDuration("999999999d");
  ASSERT_TRUE(longest.ok());
  EXPECT_EQ(*ParseDuration(FormatDuration(*longest)), *longest);
  for (const char* text : {"999999999d1ms", "999999999d999999999d999999999h"}) {
    Result<milliseconds> bad = ParseDuration(text);
    EXPECT_FALSE(bad.ok()) << text << " formats as " << FormatDuration(bad.ok() ? *bad : milliseconds(0));
    EXPECT_EQ(bad.status().code(), "bad-duration") << text;
  }
}

}  // namespace
}  // namespace weir
