#include "common/process.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

namespace weir {
namespace {

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("weir-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A zombie (dead, not yet reaped by init) counts as gone.
bool IsAlive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat.rfind(')');
  return close == std::string::npos || stat.substr(close + 2, 1) != "Z";
}

TimePoint In(int ms) { return std::chrono::system_clock::now() + Duration(ms); }

TEST(ProcessTest, RunsInDirectoryWithEnvironmentAndCapturesOutput) {
  std::string dir = TempDir("proc-env");
  PosixProcessLauncher launcher;
  ProcessSpec spec{{"sh", "-c", "echo \"$GREETING from $(pwd)\"; echo oops >&2; exit 3"}, dir,
                   {{"GREETING", "hi"}}};
  spec.output_path = dir + "/out.log";
  auto proc = launcher.Start(spec);
  ASSERT_TRUE(proc.ok()) << proc.status().ToString();
  auto exit = (*proc)->Wait(In(10000), nullptr);
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exit_code, 3);
  EXPECT_FALSE(exit->success());
  EXPECT_EQ(Slurp(dir + "/out.log"), "hi from " + std::filesystem::canonical(dir).string() + "\noops\n");
  std::filesystem::remove_all(dir);
}

TEST(ProcessTest, KillGroupStopsGrandchildren) {
  std::string dir = TempDir("proc-kill");
  PosixProcessLauncher launcher;
  ProcessSpec spec{{"sh", "-c", "sleep 60 & echo $! > grandchild.pid; wait"}, dir};
  auto proc = launcher.Start(spec);
  ASSERT_TRUE(proc.ok());
  std::string pid_file = dir + "/grandchild.pid";
  for (int i = 0; i < 500 && Slurp(pid_file).empty(); ++i) std::this_thread::sleep_for(Duration(10));
  pid_t grandchild = std::stoi(Slurp(pid_file));
  EXPECT_TRUE(IsAlive(grandchild));
  EXPECT_FALSE((*proc)->Wait(In(100), nullptr).has_value());
  ProcessExit exit = (*proc)->KillGroup(Duration(1000));
  EXPECT_NE(exit.signal, 0);
  // The grandchild was reparented to init; give it a moment to be reaped.
  for (int i = 0; i < 200 && IsAlive(grandchild); ++i) std::this_thread::sleep_for(Duration(10));
  EXPECT_FALSE(IsAlive(grandchild));
  std::filesystem::remove_all(dir);
}

TEST(ProcessTest, CancelStopsWaiting) {
  PosixProcessLauncher launcher;
  auto proc = launcher.Start(ProcessSpec{{"sleep", "30"}});
  ASSERT_TRUE(proc.ok());
  CancelToken cancel;
  cancel.Cancel();
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE((*proc)->Wait(In(30000), &cancel).has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(ProcessTest, CapturedOutputReachesTheSinkInOrder) {
  PosixProcessLauncher launcher;
  ProcessSpec spec{{"sh", "-c", "for i in 1 2 3; do echo line $i; done; echo err >&2; sleep 0.1; echo last"}};
  spec.capture_output = true;
  auto proc = launcher.Start(spec);
  ASSERT_TRUE(proc.ok());
  std::string seen;
  auto exit = (*proc)->Wait(In(10000), nullptr, [&seen](std::string_view text) { seen += text; });
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->success());
  EXPECT_EQ(seen, "line 1\nline 2\nline 3\nerr\nlast\n");
}

TEST(ProcessTest, BackgroundGrandchildHoldingThePipeDoesNotBlockWait) {
  PosixProcessLauncher launcher;
  ProcessSpec spec{{"sh", "-c", "sleep 5 & echo started"}};
  spec.capture_output = true;
  auto proc = launcher.Start(spec);
  ASSERT_TRUE(proc.ok());
  std::string seen;
  auto start = std::chrono::steady_clock::now();
  auto exit = (*proc)->Wait(In(10000), nullptr, [&seen](std::string_view text) { seen += text; });
  ASSERT_TRUE(exit.has_value());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(seen, "started\n");
  (*proc)->KillGroup(Duration(100));
}

TEST(ProcessTest, MissingProgramIsAnError) {
  PosixProcessLauncher launcher;
  auto proc = launcher.Start(ProcessSpec{{"/nonexistent/program"}});
  EXPECT_FALSE(proc.ok());
  EXPECT_EQ(proc.status().code(), "spawn-failed");
}

TEST(ProcessTableTest, KnowsThisProcessAndTellsARecycledPidApart) {
  PosixProcessTable table;
  ProcessIdentity self = table.Self();
  EXPECT_EQ(self.pid, ::getpid());
  EXPECT_GT(self.start_ticks, 0);
  EXPECT_FALSE(self.host.empty());
  EXPECT_TRUE(table.Alive(self));
  ProcessIdentity recycled = self;
  recycled.start_ticks += 1;  // same pid, another process
  EXPECT_FALSE(table.Alive(recycled));
  EXPECT_FALSE(table.GroupAlive(recycled));
  ProcessIdentity elsewhere = self;
  elsewhere.host += ".elsewhere";
  EXPECT_FALSE(table.Alive(elsewhere));
  EXPECT_FALSE(table.GroupAlive(elsewhere));
}

// What a killed weir leaves: a task's group whose leader started a
// grandchild. Identified by its leader, it is found and ended whole.
TEST(ProcessTableTest, KillsAWholeGroupFoundByItsLeader) {
  std::string dir = TempDir("proc-table");
  PosixProcessLauncher launcher;
  ProcessSpec spec{{"bash", "-c", "sleep 60 & echo $! > child.pid; wait"}, dir};
  auto proc = launcher.Start(spec);
  ASSERT_TRUE(proc.ok());
  std::string child_file = dir + "/child.pid";
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Slurp(child_file).empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  pid_t child = std::stoi(Slurp(child_file));

  PosixProcessTable table;
  ProcessIdentity leader = table.Identify((*proc)->pid());
  EXPECT_EQ(leader.pid, (*proc)->pid());
  EXPECT_GT(leader.start_ticks, 0);
  EXPECT_TRUE(table.Alive(leader));
  EXPECT_TRUE(table.GroupAlive(leader));
  table.KillGroup(leader, Duration(500));
  ASSERT_TRUE((*proc)->Wait(In(5000), nullptr).has_value());  // reap the leader, our child
  EXPECT_FALSE(table.Alive(leader));
  while (IsAlive(child) && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(IsAlive(child));
  EXPECT_TRUE(table.Identify((*proc)->pid()).empty());
}

}  // namespace
}  // namespace weir
