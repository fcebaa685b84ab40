// Datasets' freshness promises: age, staleness, and one miss per episode.
#include <gtest/gtest.h>

#include "engine/engine.h"

namespace weir {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class FreshnessTest : public ::testing::Test {
 protected:
  FreshnessCheck Check() {
    Result<FreshnessCheck> check = CheckFreshness(*store_, "analytics.sales", hours(24), clock_.Now());
    EXPECT_TRUE(check.ok()) << check.status().ToString();
    return check.ok() ? *check : FreshnessCheck{};
  }

  void Update(int64_t run) {
    ASSERT_TRUE(store_->RecordDatasetEvent(DatasetEvent{0, "analytics.sales", "producer", RunId{run}, "load",
                                                        "2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00",
                                                        clock_.Now()}).ok());
  }

  FakeClock clock_{TimePoint(hours(24 * 20000))};
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
};

TEST_F(FreshnessTest, ADatasetNeverUpdatedAgesFromWhenItWasFirstWatched) {
  TimePoint first = clock_.Now();
  FreshnessCheck check = Check();
  EXPECT_FALSE(check.stale);
  EXPECT_EQ(check.age, Duration(0));
  EXPECT_FALSE(check.last_update.has_value());
  EXPECT_EQ(store_->GetDatasetFreshness("analytics.sales")->watched_since, first);

  clock_.Advance(hours(24));  // exactly the promise: not older than it
  EXPECT_FALSE(Check().stale);
  clock_.Advance(seconds(1));
  check = Check();
  EXPECT_TRUE(check.stale);
  EXPECT_TRUE(check.newly_missed);
  EXPECT_EQ(check.age, hours(24) + seconds(1));
  EXPECT_EQ(check.missed_at, clock_.Now());
}

TEST_F(FreshnessTest, AMissIsNewOncePerEpisodeAndAgainAfterAnUpdate) {
  Update(1);
  TimePoint updated = clock_.Now();
  clock_.Advance(hours(2));
  FreshnessCheck fresh = Check();
  EXPECT_FALSE(fresh.stale);
  EXPECT_EQ(fresh.age, hours(2));
  EXPECT_EQ(fresh.last_update->created_at, updated);

  clock_.Advance(hours(23));
  FreshnessCheck missed = Check();
  EXPECT_TRUE(missed.stale);
  EXPECT_TRUE(missed.newly_missed);
  TimePoint missed_at = clock_.Now();
  // Every later tick of the same episode: stale, not news.
  for (int tick = 0; tick < 3; ++tick) {
    clock_.Advance(seconds(1));
    FreshnessCheck again = Check();
    EXPECT_TRUE(again.stale);
    EXPECT_FALSE(again.newly_missed);
    EXPECT_EQ(again.missed_at, missed_at);
  }
  // Refreshed: fresh, and the old miss is no longer this dataset's.
  Update(2);
  FreshnessCheck refreshed = Check();
  EXPECT_FALSE(refreshed.stale);
  EXPECT_FALSE(refreshed.missed_at.has_value());
  // Stale again: a new episode, told once more.
  clock_.Advance(hours(25));
  FreshnessCheck second = Check();
  EXPECT_TRUE(second.newly_missed);
  EXPECT_FALSE(Check().newly_missed);
}

TEST_F(FreshnessTest, ReadingDoesNotRecordAMiss) {
  Update(1);
  clock_.Advance(hours(30));
  Result<FreshnessCheck> read = ReadFreshness(*store_, "analytics.sales", hours(24), clock_.Now());
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->stale);
  EXPECT_FALSE(read->missed_at.has_value());
  EXPECT_TRUE(Check().newly_missed);  // still news for the scheduler
  Result<FreshnessCheck> after = ReadFreshness(*store_, "analytics.sales", hours(24), clock_.Now());
  EXPECT_EQ(after->missed_at, clock_.Now());
}

TEST_F(FreshnessTest, EvaluationIsAPureFunctionOfTheRecord) {
  DatasetEvent latest{7, "d", "p", RunId{1}, "t", "", "", clock_.Now() - hours(3)};
  DatasetFreshnessRecord older_episode{clock_.Now() - hours(100), clock_.Now() - hours(50), 6};
  FreshnessCheck check = EvaluateFreshness("d", hours(1), latest, older_episode, clock_.Now());
  EXPECT_TRUE(check.stale);
  EXPECT_TRUE(check.newly_missed);  // event 7 came after the miss of event 6
  EXPECT_EQ(check.age, hours(3));
  DatasetFreshnessRecord this_episode{older_episode.watched_since, clock_.Now() - hours(1), 7};
  EXPECT_FALSE(EvaluateFreshness("d", hours(1), latest, this_episode, clock_.Now()).newly_missed);
}

}  // namespace
}  // namespace weir
