#include <gtest/gtest.h>

#include "state/state.h"

namespace weir {
namespace {

TEST(StateNamesTest, NamesRoundTripAndUnknownNamesDoNot) {
  for (RunState s : {RunState::kRunning, RunState::kSuccess, RunState::kFailed, RunState::kInterrupted}) {
    EXPECT_EQ(ParseRunState(RunStateName(s)), s);
  }
  for (TaskState s : {TaskState::kPending, TaskState::kRunning, TaskState::kUpForRetry, TaskState::kSuccess,
                      TaskState::kFailed, TaskState::kUpstreamFailed, TaskState::kSkipped, TaskState::kInterrupted,
                      TaskState::kQueued, TaskState::kUpForReschedule}) {
    EXPECT_EQ(ParseTaskState(TaskStateName(s)), s);
  }
  for (AttemptState s :
       {AttemptState::kRunning, AttemptState::kSuccess, AttemptState::kFailed, AttemptState::kInterrupted}) {
    EXPECT_EQ(ParseAttemptState(AttemptStateName(s)), s);
  }
  EXPECT_EQ(TaskStateName(TaskState::kUpForRetry), "up_for_retry");
  EXPECT_EQ(TaskStateName(TaskState::kUpForReschedule), "up_for_reschedule");
  EXPECT_EQ(TaskStateName(TaskState::kUpstreamFailed), "upstream_failed");
  EXPECT_EQ(RunStateName(RunState::kInterrupted), "interrupted");
  EXPECT_EQ(ParseTaskState("Pending"), std::nullopt);
  EXPECT_EQ(ParseRunState(""), std::nullopt);
  EXPECT_EQ(ParseAttemptState("pending"), std::nullopt);
}

TEST(StateNamesTest, MapInstanceIdsRoundTrip) {
  EXPECT_EQ(MapInstanceId("load.region", 3), "load.region[3]");
  EXPECT_EQ(ParseMapInstanceId("load.region[3]"), (std::pair<std::string, int>("load.region", 3)));
  EXPECT_EQ(ParseMapInstanceId("t[12]"), (std::pair<std::string, int>("t", 12)));
  for (const char* not_an_instance : {"load", "load[]", "[3]", "load[x]", "load[3", "load[-1]", "load[03]",
                                      "load[3]x", "load[12345678901]"}) {
    EXPECT_EQ(ParseMapInstanceId(not_an_instance), std::nullopt) << not_an_instance;
  }
}

TEST(StateNamesTest, FinishedStatesAreTheOnesThatWillNotRunAgain) {
  EXPECT_TRUE(IsFinished(TaskState::kSuccess));
  EXPECT_TRUE(IsFinished(TaskState::kFailed));
  EXPECT_TRUE(IsFinished(TaskState::kUpstreamFailed));
  EXPECT_TRUE(IsFinished(TaskState::kSkipped));
  EXPECT_FALSE(IsFinished(TaskState::kPending));
  EXPECT_FALSE(IsFinished(TaskState::kRunning));
  EXPECT_FALSE(IsFinished(TaskState::kUpForRetry));
  EXPECT_FALSE(IsFinished(TaskState::kUpForReschedule));  // a sensor between two pokes
  EXPECT_FALSE(IsFinished(TaskState::kInterrupted));
}

}  // namespace
}  // namespace weir
