#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

class ShellTaskTest : public TaskTestBase {
 protected:
  ShellTaskTest() : TaskTestBase("shell", "t", "s3cr3t-value") {}
};

TEST_F(ShellTaskTest, RendersTemplatesAndExportsRunVariables) {
  TaskDef task = Task(R"(command: "echo {{ ds }} {{ ds_nodash }} $WEIR_RUN_ID $GREETING > out.txt"
env: {GREETING: "hi-{{ pipeline }}"}
)");
  Result<std::string> out = Run(task);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Slurp(root_ + "/out.txt"), "2024-03-05 20240305 7 hi-p\n");
}

TEST_F(ShellTaskTest, SecretsAreUsedButNeverLogged) {
  TaskDef task = Task("command: \"echo -n {{ secret('api_token') }} > token.txt; echo written\"\n");
  ASSERT_TRUE(Run(task).ok());
  EXPECT_EQ(Slurp(root_ + "/token.txt"), "s3cr3t-value");
  std::string log = Slurp(root_ + "/t.log");
  EXPECT_EQ(log.find("s3cr3t-value"), std::string::npos) << log;
  EXPECT_NE(log.find("echo -n *** > token.txt; echo written"), std::string::npos) << log;
  EXPECT_NE(log.find("\nwritten\n"), std::string::npos) << log;
}

TEST_F(ShellTaskTest, SecretsPrintedByTheCommandAreMaskedInTheLog) {
  // Printed whole, printed in two writes, and in the failure message's log.
  TaskDef task = Task("command: \"echo token={{ secret('api_token') }}; printf 's3cr3t'; sleep 0.05; "
                      "printf '%s\\n' -value; exit 3\"\n");
  Result<std::string> out = Run(task);
  ASSERT_FALSE(out.ok());
  std::string log = Slurp(root_ + "/t.log");
  EXPECT_EQ(log.find("s3cr3t-value"), std::string::npos) << log;
  EXPECT_NE(log.find("token=***\n"), std::string::npos) << log;
  EXPECT_NE(log.find("***\n[weir] exit code 3"), std::string::npos) << log;
  EXPECT_EQ(out.status().message().find("s3cr3t-value"), std::string::npos);
}

TEST_F(ShellTaskTest, ExitCodesMapToFaultsAndUserErrors) {
  Result<std::string> fault = Run(Task("command: exit 3\n"));
  EXPECT_EQ(fault.status().kind(), ErrorKind::kFault);
  EXPECT_EQ(fault.status().code(), "shell-exit");
  Result<std::string> missing = Run(Task("command: no-such-command-xyz\n"));
  EXPECT_EQ(missing.status().kind(), ErrorKind::kUser);
}

TEST_F(ShellTaskTest, PlainCommandsRunWithoutBashAndLogTheirOutput) {
  ASSERT_TRUE(Run(Task("command: printf plain-%s {{ ds }}\n")).ok());
  EXPECT_NE(Slurp(root_ + "/t.log").find("plain-2024-03-05"), std::string::npos) << Slurp(root_ + "/t.log");
  Result<std::string> builtin = Run(Task("command: exit 4\n"));  // a bash word: still bash
  EXPECT_NE(builtin.status().message().find("exited with code 4"), std::string::npos);
}

TEST_F(ShellTaskTest, QuietSuccessLeavesNoLogButFailureAlwaysDoes) {
  ASSERT_TRUE(Run(Task("command: \"true\"\n")).ok());
  EXPECT_FALSE(std::filesystem::exists(root_ + "/t.log"));
  ASSERT_FALSE(Run(Task("command: \"false\"\n")).ok());
  EXPECT_EQ(Slurp(root_ + "/t.log"), "[weir] attempt 1: bash -c false\n[weir] exit code 1\n");
}

TEST_F(ShellTaskTest, UnknownTemplateNameIsAnErrorWithLocation) {
  Result<std::string> out = Run(Task("command: echo {{ dss }}\n"));
  EXPECT_EQ(out.status().code(), "undefined-name");
  EXPECT_EQ(out.status().where().ToString(), "p.yml:1:18");
  EXPECT_NE(out.status().message().find("did you mean 'ds'"), std::string::npos) << out.status().message();
}

TEST_F(ShellTaskTest, TimeoutKillsTheWholeProcessGroup) {
  TaskDef task = Task("command: \"sleep 30 & echo $! > child.pid; wait\"\n");
  auto start = std::chrono::steady_clock::now();
  Result<std::string> out = Run(task, std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  EXPECT_EQ(out.status().code(), "timeout");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  pid_t child = std::stoi(Slurp(root_ + "/child.pid"));
  bool alive = true;
  for (int i = 0; i < 200 && alive; ++i) {
    std::string stat = Slurp("/proc/" + std::to_string(child) + "/stat");
    alive = !stat.empty() && stat.substr(stat.rfind(')') + 2, 1) != "Z";
    if (alive) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_FALSE(alive);
}

TEST_F(ShellTaskTest, UnknownKindsAreNotAvailable) {
  TaskDef task;
  task.id = "q";
  task.kind = {"teleport", SourceLocation{"p.yml", 4, 11}};
  auto factory = NewTaskRunnerFactory(services_);
  auto runner = factory->RunnerFor(task);
  EXPECT_EQ(runner.status().code(), "kind-not-available");
  EXPECT_EQ(runner.status().where().ToString(), "p.yml:4:11");
  task.kind.value = "sql";
  EXPECT_TRUE(factory->RunnerFor(task).ok());
}

}  // namespace
}  // namespace weir
