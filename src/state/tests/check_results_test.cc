// Check-result history (RecordCheckResults, CheckHistory), run against both
// stores with the same assertions, as state_store_test does for runs.
#include <chrono>
#include <cmath>
#include <limits>

#include "state/state.h"
#include "state/tests/test_support.h"

namespace weir {
namespace {

TimePoint At(int64_t epoch_ms) { return TimePoint(std::chrono::milliseconds(epoch_ms)); }

// One result of `check` in suite "daily.quality" unless said otherwise.
CheckResultRecord Measured(std::string interval_start, int64_t recorded_ms, std::optional<double> observed,
                         std::string check = "row_count", std::string suite = "daily.quality") {
  CheckResultRecord r;
  r.suite = std::move(suite);
  r.check = std::move(check);
  r.status = "pass";
  r.observed = observed;
  r.interval_start = std::move(interval_start);
  r.recorded_at = At(recorded_ms);
  return r;
}

int64_t MillisOf(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string Day(int day) { return "2024-03-0" + std::to_string(day) + "T00:00:00+01:00"; }

// "interval=observed" per result, newest first: what the assertions compare.
std::vector<std::string> Summary(const std::vector<CheckResultRecord>& history) {
  std::vector<std::string> lines;
  for (const CheckResultRecord& r : history) {
    std::string value = r.observed ? std::to_string(static_cast<int64_t>(*r.observed)) : "null";
    std::string when = r.interval_start.empty() ? "@" + std::to_string(MillisOf(r.recorded_at))
                                                : r.interval_start.substr(0, 10);
    lines.push_back(when + "=" + value);
  }
  return lines;
}

using Lines = std::vector<std::string>;

class CheckResultsTest : public EachStoreTest {
 protected:
  std::vector<CheckResultRecord> History(const std::string& suite, const std::string& check,
                                         const std::string& before = "", int limit = 0) {
    Result<std::vector<CheckResultRecord>> history = store_->CheckHistory(suite, check, before, limit);
    EXPECT_TRUE(history.ok()) << history.status().ToString();
    return history.ok() ? *history : std::vector<CheckResultRecord>{};
  }
};

TEST_P(CheckResultsTest, ARecordedResultReadsBackWithEveryField) {
  CheckResultRecord result = Measured(Day(1), 0, 0.25, "not_null(order_id)");
  result.recorded_at = At(1700000000123) + std::chrono::microseconds(456);
  result.status = "fail";
  result.run_id = RunId{42};
  result.message = "3 failing rows (0.25%)";
  ASSERT_OK(store_->RecordCheckResults({result}));

  std::vector<CheckResultRecord> history = History("daily.quality", "not_null(order_id)");
  ASSERT_EQ(history.size(), 1u);
  const CheckResultRecord& read = history[0];
  EXPECT_GT(read.id, 0);
  EXPECT_EQ(read.suite, "daily.quality");
  EXPECT_EQ(read.check, "not_null(order_id)");
  EXPECT_EQ(read.status, "fail");
  EXPECT_EQ(read.observed, 0.25);
  EXPECT_EQ(read.interval_start, Day(1));
  EXPECT_EQ(read.run_id, RunId{42});
  EXPECT_EQ(read.message, "3 failing rows (0.25%)");
  EXPECT_EQ(read.recorded_at, At(1700000000123));  // to the millisecond
  EXPECT_TRUE(History("daily.quality", "unique(order_id)").empty());
  EXPECT_TRUE(History("other.quality", "not_null(order_id)").empty());
}

TEST_P(CheckResultsTest, HistoryIsNewestIntervalFirstWhateverTheRecordingOrder) {
  // A backfill may record older intervals after newer ones.
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(2), 1000, 20), Measured(Day(4), 2000, 40)}));
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(1), 3000, 10), Measured(Day(3), 4000, 30)}));
  EXPECT_EQ(Summary(History("daily.quality", "row_count")),
            (Lines{"2024-03-04=40", "2024-03-03=30", "2024-03-02=20", "2024-03-01=10"}));
}

TEST_P(CheckResultsTest, ARerunReplacesItsIntervalsResult) {
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(1), 1000, 10), Measured(Day(2), 2000, 20)}));
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(1), 5000, 11)}));  // day 1 rerun, later
  EXPECT_EQ(Summary(History("daily.quality", "row_count")), (Lines{"2024-03-02=20", "2024-03-01=11"}));
  // Recorded at the same millisecond: the one recorded last counts.
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(2), 6000, 21), Measured(Day(2), 6000, 22)}));
  EXPECT_EQ(Summary(History("daily.quality", "row_count")), (Lines{"2024-03-02=22", "2024-03-01=11"}));
}

TEST_P(CheckResultsTest, ResultsOutsideIntervalsEachCountAfterTheIntervals) {
  ASSERT_OK(store_->RecordCheckResults({Measured("", 1000, 1), Measured(Day(1), 1500, 10), Measured("", 3000, 3)}));
  ASSERT_OK(store_->RecordCheckResults({Measured("", 2000, 2), Measured(Day(2), 500, 20)}));
  EXPECT_EQ(Summary(History("daily.quality", "row_count")),
            (Lines{"2024-03-02=20", "2024-03-01=10", "@3000=3", "@2000=2", "@1000=1"}));
}

TEST_P(CheckResultsTest, BeforeIntervalKeepsEarlierIntervalsOnly) {
  ASSERT_OK(store_->RecordCheckResults(
      {Measured(Day(1), 1000, 10), Measured(Day(2), 2000, 20), Measured(Day(3), 3000, 30), Measured("", 4000, 99)}));
  // The interval itself and later ones are left out, and so are results outside intervals.
  EXPECT_EQ(Summary(History("daily.quality", "row_count", Day(3))), (Lines{"2024-03-02=20", "2024-03-01=10"}));
  EXPECT_EQ(Summary(History("daily.quality", "row_count", Day(3), 1)), (Lines{"2024-03-02=20"}));
  EXPECT_TRUE(History("daily.quality", "row_count", Day(1)).empty());
}

TEST_P(CheckResultsTest, LimitCountsResultsAfterReruns) {
  ASSERT_OK(store_->RecordCheckResults(
      {Measured(Day(1), 1000, 10), Measured(Day(2), 2000, 20), Measured(Day(3), 3000, 30)}));
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(3), 4000, 31), Measured(Day(2), 5000, 21)}));
  EXPECT_EQ(Summary(History("daily.quality", "row_count", "", 2)), (Lines{"2024-03-03=31", "2024-03-02=21"}));
  Lines all{"2024-03-03=31", "2024-03-02=21", "2024-03-01=10"};
  EXPECT_EQ(Summary(History("daily.quality", "row_count", "", 0)), all);
  EXPECT_EQ(Summary(History("daily.quality", "row_count", "", -1)), all);
  EXPECT_EQ(Summary(History("daily.quality", "row_count", "", 100)), all);
}

TEST_P(CheckResultsTest, NoObservedValueAndNaNReadBackAsNone) {
  double nan = std::numeric_limits<double>::quiet_NaN();
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(1), 1000, std::nullopt), Measured(Day(2), 2000, nan),
                                        Measured(Day(3), 3000, 0.1), Measured(Day(4), 4000, -1e300)}));
  std::vector<CheckResultRecord> history = History("daily.quality", "row_count");
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].observed, -1e300);
  EXPECT_EQ(history[1].observed, 0.1);  // exactly: stored as a double
  EXPECT_EQ(history[2].observed, std::nullopt);
  EXPECT_EQ(history[3].observed, std::nullopt);
}

TEST_P(CheckResultsTest, SuitesAreApartAndAnEmptySuiteReadsThemAll) {
  ASSERT_OK(store_->RecordCheckResults({Measured(Day(1), 1000, 10, "row_count", "daily.check_a"),
                                        Measured(Day(1), 2000, 100, "row_count", "daily.check_b"),
                                        Measured(Day(2), 3000, 200, "row_count", "daily.check_b"),
                                        Measured(Day(2), 4000, 7, "unique(id)", "daily.check_a")}));
  EXPECT_EQ(Summary(History("daily.check_a", "row_count")), (Lines{"2024-03-01=10"}));
  EXPECT_EQ(Summary(History("daily.check_b", "row_count")), (Lines{"2024-03-02=200", "2024-03-01=100"}));
  // Both suites' results for day 1 count: a rerun replaces only its own suite's.
  std::vector<CheckResultRecord> all = History("", "row_count");
  EXPECT_EQ(Summary(all), (Lines{"2024-03-02=200", "2024-03-01=100", "2024-03-01=10"}));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].suite, "daily.check_a");
}

TEST_P(CheckResultsTest, AResultWithoutSuiteOrCheckIsRefusedWithItsBatch) {
  Status status = store_->RecordCheckResults({Measured(Day(1), 1000, 10), Measured(Day(2), 2000, 20, "")});
  EXPECT_EQ(status.kind(), ErrorKind::kInternal) << status.ToString();
  status = store_->RecordCheckResults({Measured(Day(3), 3000, 30, "row_count", "")});
  EXPECT_EQ(status.kind(), ErrorKind::kInternal) << status.ToString();
  EXPECT_TRUE(History("daily.quality", "row_count").empty());
  ASSERT_OK(store_->RecordCheckResults({}));
}

INSTANTIATE_TEST_SUITE_P(Stores, CheckResultsTest, EachStore(), StoreName);

}  // namespace
}  // namespace weir
