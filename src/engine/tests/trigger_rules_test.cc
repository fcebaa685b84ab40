#include <gtest/gtest.h>

#include "engine/internal/trigger_rules.h"

namespace weir::engine_internal {
namespace {

constexpr TaskState S = TaskState::kSuccess;
constexpr TaskState F = TaskState::kFailed;
constexpr TaskState U = TaskState::kUpstreamFailed;
constexpr TaskState K = TaskState::kSkipped;
constexpr TaskState R = TaskState::kRunning;

TEST(TriggerRulesTest, AllSuccess) {
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, {}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, {S, S}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, {S, R}), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, {R, F}), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, {S, U}), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSuccess, {S, K}), Readiness::kSkip);
}

TEST(TriggerRulesTest, AllDoneRunsAfterAnyOutcome) {
  EXPECT_EQ(Evaluate(TriggerRule::kAllDone, {F, U, K, S}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllDone, {F, R}), Readiness::kWait);
}

TEST(TriggerRulesTest, OneFailedFiresEarlyOrSkips) {
  EXPECT_EQ(Evaluate(TriggerRule::kOneFailed, {F, R}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kOneFailed, {S, R}), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kOneFailed, {S, S}), Readiness::kSkip);
}

TEST(TriggerRulesTest, NoneFailedAcceptsSkips) {
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailed, {S, K}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailed, {S, F}), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailed, {S, R}), Readiness::kWait);
}

}  // namespace
}  // namespace weir::engine_internal
