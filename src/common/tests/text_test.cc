#include "common/text.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(TextTest, EditDistanceCountsSingleEdits) {
  EXPECT_EQ(EditDistance("", ""), 0);
  EXPECT_EQ(EditDistance("shedule", "schedule"), 1);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
  EXPECT_EQ(EditDistance("abc", ""), 3);
}

TEST(TextTest, ClosestMatchOnlySuggestsLikelyTypos) {
  std::vector<std::string> keys = {"schedule", "timezone", "tasks", "catchup"};
  EXPECT_EQ(ClosestMatch("shedule", keys), "schedule");
  EXPECT_EQ(ClosestMatch("taks", keys), "tasks");
  EXPECT_EQ(ClosestMatch("owner", keys), std::nullopt);
  EXPECT_EQ(DidYouMean("timezon", keys), "; did you mean 'timezone'?");
  EXPECT_EQ(DidYouMean("zzz", keys), "");
}

TEST(TextTest, QuotedListJoinsWithOr) {
  EXPECT_EQ(QuotedList({"a"}), "'a'");
  EXPECT_EQ(QuotedList({"a", "b", "c"}), "'a', 'b' or 'c'");
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

TEST(TextTest, JsonQuoteEscapesWhatJsonRequires) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
  EXPECT_EQ(JsonQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

}  // namespace
}  // namespace weir
