#include "common/clock.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(FakeClockTest, WaitJumpsToDeadlineAndRecordsIt) {
  FakeClock clock(TimePoint(std::chrono::seconds(1000)));
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  auto deadline = clock.Now() + std::chrono::seconds(300);
  EXPECT_FALSE(clock.WaitUntil(cv, lock, deadline));
  EXPECT_EQ(clock.Now(), deadline);
  clock.Advance(Duration(500));
  EXPECT_EQ(clock.Now(), deadline + Duration(500));
  ASSERT_EQ(clock.waits().size(), 1u);
  EXPECT_EQ(clock.waits()[0], deadline);
}

TEST(SystemClockTest, WaitTimesOut) {
  SystemClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock<std::mutex> lock(mu);
  auto start = std::chrono::steady_clock::now();
  while (clock.WaitUntil(cv, lock, clock.Now() + Duration(30))) {
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, Duration(25));
}

}  // namespace
}  // namespace weir
