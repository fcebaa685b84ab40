#include <gtest/gtest.h>

#include "schedule/schedule.h"

namespace weir {
namespace {

TEST(ScheduleTimeZoneTest, AcceptsIanaNamesAndLinks) {
  for (const char* zone : {"Europe/Berlin", "America/New_York", "UTC", "Etc/UTC", "Asia/Kolkata",
                           "US/Eastern", "Australia/Lord_Howe"}) {
    EXPECT_TRUE(ValidateTimeZone(zone).ok()) << zone;
  }
}

TEST(ScheduleTimeZoneTest, RejectsUnknownWithSuggestion) {
  Status bad = ValidateTimeZone("europe/berlin");
  EXPECT_EQ(bad.code(), "bad-timezone");
  EXPECT_EQ(bad.kind(), ErrorKind::kUser);
  EXPECT_EQ(bad.message(), "unknown time zone 'europe/berlin'; did you mean 'Europe/Berlin'?");
  EXPECT_EQ(ValidateTimeZone("Berlin").message(),
            "unknown time zone 'Berlin'; did you mean 'Europe/Berlin'?");
  EXPECT_EQ(ValidateTimeZone("Mars/Olympus").message(),
            "unknown time zone 'Mars/Olympus': expected an IANA name such as Europe/Berlin, "
            "America/New_York or UTC");
  EXPECT_EQ(ValidateTimeZone("").code(), "bad-timezone");
  EXPECT_EQ(ValidateTimeZone("../../etc/passwd").code(), "bad-timezone");
}

}  // namespace
}  // namespace weir
