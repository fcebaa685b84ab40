#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <signal.h>
#include <thread>
#include <unistd.h>

#include "tasks/tasks.h"

namespace weir {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ShellTaskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("weir-shell-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())).string();
    std::filesystem::create_directories(root_);
    project_.root = root_;
    pipeline_.name = "p";
    run_.id = RunId{7};
    interval_.ds = "2024-03-05";
    interval_.start_iso = "2024-03-05T00:00:00+01:00";
    interval_.end_iso = "2024-03-06T00:00:00+01:00";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  TaskDef Task(const std::string& yaml) {
    YamlDocument doc = ParseYaml(yaml, "p.yml");
    EXPECT_TRUE(doc.errors.empty());
    TaskDef t;
    t.id = "t";
    t.kind = {"shell", {}};
    for (const auto& [k, v] : doc.root.entries()) t.params.emplace(k.scalar(), v);
    return t;
  }

  Result<std::string> Run(const TaskDef& task, TimePoint deadline = TimePoint::max()) {
    auto factory = NewTaskRunnerFactory(services_);
    auto runner = factory->RunnerFor(task);
    EXPECT_TRUE(runner.ok());
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, root_ + "/t.log", deadline, cancel_};
    return (*runner)->Run(ctx);
  }

  std::string root_;
  ProjectDef project_;
  PipelineDef pipeline_;
  RunRecord run_;
  DataInterval interval_;
  CancelToken cancel_;
  PosixProcessLauncher processes_;
  FakeEnvironment env_{{{"WEIR_SECRET_API_TOKEN", "s3cr3t-value"}}};
  LocalFilesystem files_;
  DuckDbConnector duckdb_;
  TaskServices services_{processes_, env_, files_, duckdb_};
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
