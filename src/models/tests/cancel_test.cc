// A cancelled build: nodes not started are skipped, the running statement
// is interrupted, and a build given the process's connector uses it.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/cancel.h"
#include "connectors/connectors.h"
#include "models/models.h"

namespace weir {
namespace {

// Cancels `token` when the node named `trigger` starts.
class CancellingListener final : public ModelBuildListener {
 public:
  CancellingListener(CancelToken& token, std::string trigger) : token_(token), trigger_(std::move(trigger)) {}
  void NodeStarted(const ModelNode& node, int, int) override {
    if (node.name == trigger_) {
      // From another thread a moment later, so that the statement is running.
      canceller_ = std::thread([this] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        token_.Cancel();
      });
    }
  }
  void NodeFinished(const ModelNode&, const NodeResult&, int, int) override {}
  void Message(const std::string&) override {}
  ~CancellingListener() override {
    if (canceller_.joinable()) canceller_.join();
  }

 private:
  CancelToken& token_;
  std::string trigger_;
  std::thread canceller_;
};

class CancelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("weir-cancel-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "models");
    Write("dbt_project.yml", "name: shop\nprofile: shop\n");
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n");
    Write("models/first.sql", "{{ config(materialized='table') }}select 1 as id");
    // Minutes of work unless interrupted.
    Write("models/slow.sql",
          "{{ config(materialized='table') }}select sum(range % 7) as n from range(100000000000), {{ ref('first') }}");
    Write("models/after_slow.sql", "select n from {{ ref('slow') }}");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& path, const std::string& text) { std::ofstream(dir_ / path) << text; }

  std::vector<NodeResult> Build(ModelBuildOptions options, ModelBuildListener& listener) {
    std::vector<Status> errors;
    Result<DbtProject> project = LoadDbtProject({.project_dir = dir_.string()}, fs_, env_, errors);
    EXPECT_TRUE(project.ok()) << project.status().ToString();
    project_ = std::move(*project);
    graph_ = ParseModels(project_, env_, errors);
    for (const Status& e : errors) ADD_FAILURE() << e.ToString();
    options.selected = SelectModels(graph_, {}, {})->nodes;
    Result<std::vector<NodeResult>> results = BuildModels(project_, graph_, env_, fs_, options, listener);
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    return results.ok() ? *results : std::vector<NodeResult>{};
  }

  std::map<std::string, std::string> Statuses(const std::vector<NodeResult>& results) {
    std::map<std::string, std::string> out;
    for (const NodeResult& r : results) out[graph_.nodes[r.node].name] = r.status + ": " + r.message;
    return out;
  }

  std::filesystem::path dir_;
  LocalFilesystem fs_;
  FakeEnvironment env_;
  DbtProject project_;
  ModelGraph graph_;
};

TEST_F(CancelTest, ACancelledBuildSkipsEveryNode) {
  CancelToken token;
  token.Cancel();
  CancellingListener listener(token, "");
  std::map<std::string, std::string> got = Statuses(Build({.cancel = &token}, listener));
  std::map<std::string, std::string> want = {{"first", "skipped: skipped: cancelled"},
                                             {"slow", "skipped: skipped: cancelled"},
                                             {"after_slow", "skipped: skipped: cancelled"}};
  EXPECT_EQ(got, want);
}

TEST_F(CancelTest, CancellingInterruptsTheRunningStatementAndSkipsTheRest) {
  CancelToken token;
  CancellingListener listener(token, "slow");
  DuckDbConnector connector;
  std::map<std::string, std::string> got =
      Statuses(Build({.threads = 1, .connector = &connector, .cancel = &token}, listener));
  EXPECT_EQ(got["first"].substr(0, 8), "success:");
  EXPECT_EQ(got["slow"].substr(0, 6), "error:") << got["slow"];
  EXPECT_EQ(got["after_slow"], "skipped: skipped: cancelled");
  // The build used the connector given: its instance holds the table built.
  auto db = connector.Connect((dir_ / "dev.duckdb").string());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Result<std::optional<std::string>> id = (*db)->QueryValue("select id from main.first");
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, std::optional<std::string>("1"));
}

}  // namespace
}  // namespace weir
