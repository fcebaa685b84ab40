// Incremental extracts' cursor ranges (RecordCursorRange, CursorRangeFor,
// PreviousCursorRange), run against both stores with the same assertions.
#include <chrono>

#include "state/state.h"
#include "state/tests/test_support.h"

namespace weir {
namespace {

std::string Day(int day) { return "2024-03-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "T00:00:00Z"; }

CursorRange Range(int day, std::string from, std::string to, std::string task = "extract") {
  CursorRange range;
  range.pipeline = "daily";
  range.task_id = std::move(task);
  range.interval_start = Day(day);
  range.from = std::move(from);
  range.to = std::move(to);
  range.recorded_at = TimePoint(std::chrono::milliseconds(1700000000000 + day));
  return range;
}

// "interval: from..to", or "none".
std::string Shown(const Result<std::optional<CursorRange>>& range) {
  if (!range.ok()) return "error: " + range.status().ToString();
  if (!*range) return "none";
  return (*range)->interval_start.substr(0, 10) + ": " + (*range)->from + ".." + (*range)->to;
}

class CursorRangesTest : public EachStoreTest {
 protected:
};

TEST_P(CursorRangesTest, AnIntervalReadsBackItsOwnRangeAndRecordingAgainReplacesIt) {
  ASSERT_OK(store_->RecordCursorRange(Range(2, "", "2024-03-01 23:59:00")));
  EXPECT_EQ(Shown(store_->CursorRangeFor("daily", "extract", Day(2))), "2024-03-02: ..2024-03-01 23:59:00");
  ASSERT_OK(store_->RecordCursorRange(Range(2, "", "2024-03-02 00:30:00")));
  EXPECT_EQ(Shown(store_->CursorRangeFor("daily", "extract", Day(2))), "2024-03-02: ..2024-03-02 00:30:00");
  EXPECT_EQ(Shown(store_->CursorRangeFor("daily", "extract", Day(3))), "none");
  EXPECT_EQ(Shown(store_->CursorRangeFor("daily", "other", Day(2))), "none");
  EXPECT_EQ(Shown(store_->CursorRangeFor("weekly", "extract", Day(2))), "none");
}

TEST_P(CursorRangesTest, ThePreviousRangeIsTheLatestIntervalBeforeTheGivenOne) {
  ASSERT_OK(store_->RecordCursorRange(Range(5, "30", "50")));
  ASSERT_OK(store_->RecordCursorRange(Range(1, "", "10")));
  ASSERT_OK(store_->RecordCursorRange(Range(3, "10", "30")));
  ASSERT_OK(store_->RecordCursorRange(Range(3, "9", "40", "extract[1]")));
  EXPECT_EQ(Shown(store_->PreviousCursorRange("daily", "extract", Day(1))), "none");
  EXPECT_EQ(Shown(store_->PreviousCursorRange("daily", "extract", Day(2))), "2024-03-01: ..10");
  EXPECT_EQ(Shown(store_->PreviousCursorRange("daily", "extract", Day(3))), "2024-03-01: ..10");
  EXPECT_EQ(Shown(store_->PreviousCursorRange("daily", "extract", Day(4))), "2024-03-03: 10..30");
  EXPECT_EQ(Shown(store_->PreviousCursorRange("daily", "extract", Day(30))), "2024-03-05: 30..50");
  EXPECT_EQ(Shown(store_->PreviousCursorRange("daily", "extract[1]", Day(30))), "2024-03-03: 9..40");
}

TEST_P(CursorRangesTest, RecordedAtKeepsMilliseconds) {
  CursorRange range = Range(1, "a", "b");
  range.recorded_at += std::chrono::microseconds(700);
  ASSERT_OK(store_->RecordCursorRange(range));
  ASSERT_OK_AND_ASSIGN(std::optional<CursorRange> back, store_->CursorRangeFor("daily", "extract", Day(1)));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->recorded_at, TimePoint(std::chrono::milliseconds(1700000000001)));
}

INSTANTIATE_TEST_SUITE_P(Stores, CursorRangesTest, EachStore(), StoreName);

}  // namespace
}  // namespace weir
