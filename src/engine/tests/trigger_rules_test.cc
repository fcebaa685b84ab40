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

TEST(TriggerRulesTest, AllFailedAndAllSkipped) {
  EXPECT_EQ(Evaluate(TriggerRule::kAllFailed, {F, U}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllFailed, {F, R}), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kAllFailed, {F, S}), Readiness::kSkip);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSkipped, {K, K}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSkipped, {K, S}), Readiness::kSkip);
  EXPECT_EQ(Evaluate(TriggerRule::kAllSkipped, {K, R}), Readiness::kWait);
}

TEST(TriggerRulesTest, OneSuccessAndOneDoneFireEarly) {
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, {S, R}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, {F, R}), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, {F, K}), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kOneSuccess, {K, K}), Readiness::kSkip);
  EXPECT_EQ(Evaluate(TriggerRule::kOneDone, {F, R}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kOneDone, {K, R}), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kOneDone, {K, K}), Readiness::kSkip);
}

TEST(TriggerRulesTest, NoneFailedMinOneSuccessNoneSkippedAlways) {
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailedMinOneSuccess, {S, K}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailedMinOneSuccess, {K, K}), Readiness::kSkip);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneFailedMinOneSuccess, {S, U}), Readiness::kUpstreamFailed);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneSkipped, {S, F}), Readiness::kRun);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneSkipped, {S, K}), Readiness::kSkip);
  EXPECT_EQ(Evaluate(TriggerRule::kNoneSkipped, {S, R}), Readiness::kWait);
  EXPECT_EQ(Evaluate(TriggerRule::kAlways, {R, F}), Readiness::kRun);
}

TEST(TriggerRulesTest, EveryRuleHasAName) {
  EXPECT_EQ(TriggerRuleNames().size(), 11u);
  for (const std::string& name : TriggerRuleNames()) EXPECT_TRUE(ParseTriggerRule(name).has_value()) << name;
  EXPECT_FALSE(ParseTriggerRule("all_sucess").has_value());
}

}  // namespace
}  // namespace weir::engine_internal
