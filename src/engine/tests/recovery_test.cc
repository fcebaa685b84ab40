// After a crash: orphaned process groups, zombie attempts, and what a live
// executor records so that they can be found (owners, heartbeats, groups).
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <thread>

#include "engine/engine.h"

namespace weir {
namespace {

using std::chrono::seconds;

// A host's processes as a test says they are.
class FakeProcessTable final : public ProcessTable {
 public:
  std::string host = "here";
  ProcessIdentity self{"here", 100, 1000};
  std::set<std::pair<int64_t, int64_t>> alive;  // (pid, start ticks) on this host
  std::set<int64_t> groups;                     // process groups with members
  std::vector<int64_t> killed;                  // groups KillGroup ended, in order

  ProcessIdentity Self() override { return self; }
  ProcessIdentity Identify(int64_t pid) override {
    for (const auto& [p, start] : alive) {
      if (p == pid) return ProcessIdentity{host, pid, start};
    }
    return ProcessIdentity{};
  }
  bool Alive(const ProcessIdentity& p) override { return p.host == host && alive.count({p.pid, p.start_ticks}) > 0; }
  bool GroupAlive(const ProcessIdentity& leader) override {
    if (leader.host != host || groups.count(leader.pid) == 0) return false;
    ProcessIdentity now = Identify(leader.pid);
    return now.empty() || now.start_ticks == leader.start_ticks;  // else the pid was given to another process
  }
  void KillGroup(const ProcessIdentity& leader, Duration) override {
    killed.push_back(leader.pid);
    groups.erase(leader.pid);
    std::erase_if(alive, [&](const auto& p) { return p.first == leader.pid; });
  }
};

class RecoveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_.name = "p";
    for (auto [id, retries] : {std::pair{"a", 1}, {"b", 0}, {"load", 2}}) {
      TaskDef t;
      t.id = id;
      t.retry.retries = retries;
      pipeline_.tasks.push_back(t);
    }
    NewRun n{"p", "2024-01-01", "2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00", clock_.Now(),
             {"a", "b", "load", "load[2]"}};
    run_ = *store_->CreateRun(n);
    recovery_.processes = &processes_;
    recovery_.zombie_after = seconds(15);
    recovery_.say = [this](const std::string& line) { said_.push_back(line); };
  }

  AttemptRecord Start(const std::string& task, ProcessIdentity owner) {
    Result<AttemptRecord> attempt = store_->StartAttempt(run_.id, task, clock_.Now(), "", owner);
    EXPECT_TRUE(attempt.ok()) << attempt.status().ToString();
    return *attempt;
  }

  AttemptRecord Reread(const AttemptRecord& attempt) {
    std::vector<AttemptRecord> all = *store_->Attempts(run_.id, attempt.task_id);
    return all.at(attempt.number - 1);
  }

  TaskState StateOf(const std::string& task) {
    std::vector<TaskInstanceRecord> tasks = *store_->TaskInstances(run_.id);
    for (const TaskInstanceRecord& t : tasks) {
      if (t.task_id == task) return t.state;
    }
    return TaskState::kPending;
  }

  ZombieSweep Sweep() {
    Result<ZombieSweep> sweep = ReapZombies(*store_, run_, pipeline_, clock_, recovery_);
    EXPECT_TRUE(sweep.ok()) << sweep.status().ToString();
    return sweep.ok() ? *sweep : ZombieSweep{};
  }

  FakeClock clock_{TimePoint(std::chrono::hours(24 * 20000))};
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
  FakeProcessTable processes_;
  RecoveryOptions recovery_;
  std::vector<std::string> said_;
  PipelineDef pipeline_;
  RunRecord run_;
  const ProcessIdentity dead_owner_{"here", 200, 2000};  // not in processes_.alive
};

TEST_F(RecoveryTest, KillsOnlyGroupsThatAreStillTheSameProcesses) {
  AttemptRecord a = Start("a", dead_owner_);
  AttemptRecord b = Start("b", dead_owner_);
  AttemptRecord load = Start("load", dead_owner_);
  Start("load[2]", dead_owner_);  // started no process
  ASSERT_TRUE(store_->RecordAttemptProcess(a.id, ProcessIdentity{"here", 300, 3000}).ok());
  processes_.alive.insert({300, 3000});
  processes_.groups.insert(300);
  // b's leader pid now names another process: a recycled pid, not b's group.
  ASSERT_TRUE(store_->RecordAttemptProcess(b.id, ProcessIdentity{"here", 400, 4000}).ok());
  processes_.alive.insert({400, 4999});
  processes_.groups.insert(400);
  // load's group ran on another host: nothing to do from here.
  ASSERT_TRUE(store_->RecordAttemptProcess(load.id, ProcessIdentity{"elsewhere", 500, 5000}).ok());

  Result<int> killed = KillOrphanedProcessGroups(*store_, run_.id, recovery_);
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  EXPECT_EQ(*killed, 1);
  EXPECT_EQ(processes_.killed, std::vector<int64_t>{300});
  EXPECT_EQ(said_, std::vector<std::string>{"killed orphaned process group 300 of task a attempt 1"});
  // Killing is all it does: the caller interrupts the attempts.
  EXPECT_EQ(Reread(a).state, AttemptState::kRunning);
}

TEST_F(RecoveryTest, AGroupWhoseLeaderEndedIsStillKilled) {
  AttemptRecord a = Start("a", dead_owner_);
  ASSERT_TRUE(store_->RecordAttemptProcess(a.id, ProcessIdentity{"here", 300, 3000}).ok());
  processes_.groups.insert(300);  // bash is gone, the sleep it started is not
  ASSERT_EQ(*KillOrphanedProcessGroups(*store_, run_.id, recovery_), 1);
  EXPECT_EQ(processes_.killed, std::vector<int64_t>{300});
}

TEST_F(RecoveryTest, ZombiesFailOnlyOnceTheirHeartbeatIsOlderThanTheThreshold) {
  AttemptRecord a = Start("a", dead_owner_);
  AttemptRecord b = Start("b", dead_owner_);
  clock_.Advance(seconds(5));
  ASSERT_TRUE(store_->Heartbeat({a.id, b.id}, clock_.Now()).ok());
  TimePoint last_beat = clock_.Now();
  clock_.Advance(seconds(15));  // exactly the threshold: not older than it
  EXPECT_EQ(Sweep().zombies, 0);
  EXPECT_EQ(Reread(a).state, AttemptState::kRunning);

  clock_.Advance(Duration(1));
  ZombieSweep sweep = Sweep();
  EXPECT_EQ(sweep.zombies, 2);
  EXPECT_FALSE(sweep.owned);
  // a has a retry left (attempt 1 of retries: 1); b has none.
  AttemptRecord zombie = Reread(a);
  EXPECT_EQ(zombie.state, AttemptState::kFailed);
  EXPECT_EQ(zombie.ended_at, clock_.Now());
  EXPECT_EQ(zombie.error_code, "zombie");
  std::time_t beat = std::chrono::system_clock::to_time_t(last_beat);
  std::tm utc{};
  gmtime_r(&beat, &utc);
  char since[32];
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &utc);
  EXPECT_EQ(zombie.error_message, std::string("zombie: no heartbeat since ") + since + " (owner pid 200 on here is gone)");
  EXPECT_EQ(StateOf("a"), TaskState::kUpForRetry);
  EXPECT_EQ(Reread(b).state, AttemptState::kFailed);
  EXPECT_EQ(StateOf("b"), TaskState::kFailed);
  ASSERT_EQ(said_.size(), 2u);
  EXPECT_NE(said_[0].find("task a attempt 1 of run 1: zombie: no heartbeat since"), std::string::npos) << said_[0];
  EXPECT_NE(said_[1].find("; failed"), std::string::npos) << said_[1];
  EXPECT_EQ(Sweep().zombies, 0);  // failed once, not again
}

TEST_F(RecoveryTest, AZombieLaterAttemptUsesUpTheRetriesOfItsTaskAndAMappedInstanceItsTasks) {
  // "a" has one retry: its second attempt is its last.
  AttemptRecord first = Start("a", dead_owner_);
  ASSERT_TRUE(store_->FinishAttempt(first.id, AttemptEnd{AttemptState::kFailed, clock_.Now(), "x", "x", "",
                                                         TaskState::kUpForRetry}).ok());
  Start("a", dead_owner_);
  Start("load[2]", dead_owner_);  // "load" has two retries
  clock_.Advance(seconds(16));
  EXPECT_EQ(Sweep().zombies, 2);
  EXPECT_EQ(StateOf("a"), TaskState::kFailed);
  EXPECT_EQ(StateOf("load[2]"), TaskState::kUpForRetry);
}

TEST_F(RecoveryTest, ALiveOwnersAttemptsAreNeverTakenHoweverOldTheirHeartbeat) {
  processes_.alive.insert({dead_owner_.pid, dead_owner_.start_ticks});  // it lives after all
  AttemptRecord a = Start("a", dead_owner_);
  clock_.Advance(std::chrono::hours(1));
  ZombieSweep sweep = Sweep();
  EXPECT_TRUE(sweep.owned);
  EXPECT_EQ(sweep.zombies, 0);
  EXPECT_EQ(Reread(a).state, AttemptState::kRunning);
  EXPECT_TRUE(said_.empty());
}

TEST_F(RecoveryTest, APidReusedByAnotherProcessIsNotTheOwner) {
  processes_.alive.insert({dead_owner_.pid, dead_owner_.start_ticks + 1});
  Start("a", dead_owner_);
  clock_.Advance(seconds(16));
  EXPECT_EQ(Sweep().zombies, 1);
}

TEST_F(RecoveryTest, AnOwnerOnAnotherHostIsAliveWhileItBeats) {
  AttemptRecord a = Start("a", ProcessIdentity{"elsewhere", 200, 2000});
  clock_.Advance(seconds(10));
  ZombieSweep fresh = Sweep();
  EXPECT_TRUE(fresh.owned);  // it may be running there: the run is left alone
  EXPECT_EQ(fresh.zombies, 0);
  clock_.Advance(seconds(6));
  ZombieSweep stale = Sweep();
  EXPECT_FALSE(stale.owned);
  EXPECT_EQ(stale.zombies, 1);
  EXPECT_EQ(Reread(a).state, AttemptState::kFailed);
}

TEST_F(RecoveryTest, AZombiesProcessGroupIsKilledBeforeItFails) {
  AttemptRecord a = Start("a", dead_owner_);
  ASSERT_TRUE(store_->RecordAttemptProcess(a.id, ProcessIdentity{"here", 300, 3000}).ok());
  processes_.alive.insert({300, 3000});
  processes_.groups.insert(300);
  clock_.Advance(seconds(16));
  EXPECT_EQ(Sweep().zombies, 1);
  EXPECT_EQ(processes_.killed, std::vector<int64_t>{300});
  ASSERT_EQ(said_.size(), 2u);
  EXPECT_EQ(said_[0], "killed orphaned process group 300 of task a attempt 1");
}

// A runner that waits, in real time, until the executor has beaten for it
// twice (the fake clock jumps a heartbeat interval per wait).
class WaitForBeats final : public TaskRunnerFactory, public TaskRunner {
 public:
  explicit WaitForBeats(StateStore& store) : store_(store) {}
  Result<std::shared_ptr<TaskRunner>> RunnerFor(const TaskDef&) override {
    return std::shared_ptr<TaskRunner>(this, [](TaskRunner*) {});
  }
  Result<std::string> Run(const TaskContext& context) override {
    WEIR_TRY(context.process_started(777));
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < give_up) {
      std::vector<AttemptRecord> attempts = *store_.Attempts(context.run.id, context.task.id);
      const AttemptRecord& mine = attempts.back();
      if (mine.heartbeat_at && *mine.heartbeat_at >= mine.started_at + 2 * kInterval) return std::string("{}");
      std::this_thread::yield();
    }
    return InternalError("no heartbeat came");
  }
  static constexpr Duration kInterval = seconds(5);

 private:
  StateStore& store_;
};

TEST_F(RecoveryTest, AnExecutorRecordsItselfAsOwnerItsProcessGroupsAndHeartbeats) {
  PipelineDef pipeline;
  pipeline.name = "beats";
  TaskDef slow;
  slow.id = "slow";
  pipeline.tasks.push_back(slow);
  std::vector<Status> errors;
  PipelineGraph graph = PipelineGraph::Build(pipeline, errors);
  ASSERT_TRUE(errors.empty());
  NewRun n{"beats", "2024-01-01", "2024-01-01T00:00:00+00:00", "2024-01-02T00:00:00+00:00", clock_.Now(), {"slow"}};
  RunRecord run = *store_->CreateRun(n);
  processes_.alive.insert({777, 7777});  // the task's process group leader
  WaitForBeats runners(*store_);
  struct : EventSink {
    void TaskChanged(const std::string&, TaskState, int, const Status&, std::optional<TimePoint>) override {}
  } events;
  ExecutorOptions options{1, "/tmp/weir-recovery-test-logs"};
  options.processes = &processes_;
  options.heartbeat = WaitForBeats::kInterval;
  ProjectDef project;
  RunExecutor executor(project, graph, *store_, runners, clock_, events, options);
  DataInterval interval;
  Result<RunState> state = executor.Execute(run, interval);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(*state, RunState::kSuccess);

  AttemptRecord attempt = store_->Attempts(run.id, "slow")->at(0);
  EXPECT_EQ(attempt.owner, processes_.self);
  EXPECT_EQ(attempt.process_group, (ProcessIdentity{"here", 777, 7777}));
  // Beats fall on the interval, each no later than the attempt's end.
  ASSERT_TRUE(attempt.heartbeat_at.has_value());
  Duration since_start = std::chrono::duration_cast<Duration>(*attempt.heartbeat_at - attempt.started_at);
  EXPECT_GE(since_start, 2 * WaitForBeats::kInterval);
  EXPECT_EQ(since_start.count() % WaitForBeats::kInterval.count(), 0);
  EXPECT_LE(*attempt.heartbeat_at, *attempt.ended_at);
}

}  // namespace
}  // namespace weir
