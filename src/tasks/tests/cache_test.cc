// A task's `cache:`: a result is reused under the same rendered key until
// it expires, on the clock the services carry.
#include <gtest/gtest.h>

#include "state/state.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

class CacheTest : public TaskTestBase {
 protected:
  CacheTest() : TaskTestBase("noop", "fetch", "s") {}

  // Runs the cached task once; true when its result came from the cache.
  bool RunHits() {
    TaskDef task = Task("{}");
    task.cache = TaskDef::Cache{ConfigNode::Scalar("{{ ds }}", false, {}), std::chrono::hours(1)};
    services_.clock = &clock_;
    auto runner = NewTaskRunnerFactory(services_)->RunnerFor(task);
    EXPECT_TRUE(runner.ok());
    bool hit = false;
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, log_path(), TimePoint::max(), cancel_,
                    store_.get(), &hit};
    Result<std::string> out = (*runner)->Run(ctx);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return hit;
  }

  FakeClock clock_{TimePoint(std::chrono::hours(24 * 20000))};
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
};

TEST_F(CacheTest, ReusedUntilItExpiresThenStoredAfresh) {
  EXPECT_FALSE(RunHits());  // the first run stores its result
  clock_.Advance(std::chrono::minutes(59) + std::chrono::seconds(59));
  EXPECT_TRUE(RunHits());   // a second before expiry
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_FALSE(RunHits());  // exactly one hour old: expired, runs and stores again
  clock_.Advance(std::chrono::minutes(30));
  EXPECT_TRUE(RunHits());   // the fresh entry counts from its own time
}

TEST_F(CacheTest, AnotherKeyIsAMiss) {
  EXPECT_FALSE(RunHits());
  interval_.ds = "2024-03-06";
  EXPECT_FALSE(RunHits());
  interval_.ds = "2024-03-05";
  EXPECT_TRUE(RunHits());
}

}  // namespace
}  // namespace weir
