// What the task kinds' tests share: a temporary project folder, a run and an
// interval, real services with a fake environment, and running one task.
#pragma once

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

#include "tasks/tasks.h"

namespace weir {

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class TaskTestBase : public ::testing::Test {
 protected:
  // Tasks built by Task() have this kind and id; secret('api_token') is `secret`.
  TaskTestBase(std::string kind, std::string task_id, std::string secret)
      : kind_(std::move(kind)), task_id_(std::move(task_id)), env_({{"WEIR_SECRET_API_TOKEN", std::move(secret)}}) {}

  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("weir-" + kind_ + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())).string();
    std::filesystem::create_directories(root_);
    project_.root = root_;
    pipeline_.name = "p";
    run_.id = RunId{7};
    interval_.ds = "2024-03-05";
    interval_.start_iso = "2024-03-05T00:00:00+00:00";
    interval_.end_iso = "2024-03-06T00:00:00+00:00";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  // A task of this suite's kind whose keys are the YAML mapping `yaml`.
  TaskDef Task(const std::string& yaml) {
    YamlDocument doc = ParseYaml(yaml, "p.yml");
    EXPECT_TRUE(doc.errors.empty()) << (doc.errors.empty() ? "" : doc.errors[0].ToString());
    TaskDef t;
    t.id = task_id_;
    t.kind = {kind_, {}};
    for (const auto& [k, v] : doc.root.entries()) t.params.emplace(k.scalar(), v);
    return t;
  }

  Result<std::string> Run(const TaskDef& task, TimePoint deadline = TimePoint::max()) {
    auto factory = NewTaskRunnerFactory(services_);
    auto runner = factory->RunnerFor(task);
    EXPECT_TRUE(runner.ok()) << runner.status().ToString();
    if (!runner.ok()) return runner.status();
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, log_path(), deadline, cancel_};
    return (*runner)->Run(ctx);
  }

  std::string log_path() const { return root_ + "/" + task_id_ + ".log"; }

  std::string kind_;
  std::string task_id_;
  std::string root_;
  ProjectDef project_;
  PipelineDef pipeline_;
  RunRecord run_;
  DataInterval interval_;
  CancelToken cancel_;
  PosixProcessLauncher processes_;
  FakeEnvironment env_;
  LocalFilesystem files_;
  DuckDbConnector duckdb_;
  TaskServices services_{processes_, env_, files_, duckdb_};
};

}  // namespace weir
