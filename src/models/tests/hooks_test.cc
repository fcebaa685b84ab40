// on-run-start / on-run-end through BuildModels on a real DuckDB file:
// order, the on-run-end context, failures, and the lines the listener gets.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "connectors/connectors.h"
#include "models/models.h"

namespace weir {
namespace {

class RecordingListener final : public ModelBuildListener {
 public:
  void NodeStarted(const ModelNode& node, int, int) override { lines.push_back("start " + node.name); }
  void NodeFinished(const ModelNode& node, const NodeResult& r, int, int) override {
    lines.push_back("end " + node.name + " " + r.status);
  }
  void Message(const std::string& line) override { lines.push_back(line); }
  std::vector<std::string> lines;
};

class HooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("weir-hooks-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "models");
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n");
    Write("models/a.sql", "{{ config(materialized='table') }}select 1 as id");
    Write("models/b.sql", "{{ log('building ' ~ this.name, info=True) }}select id + 1 as id from {{ ref('a') }}");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& path, const std::string& text) { std::ofstream(dir_ / path) << text; }

  Result<std::vector<NodeResult>> Build(ModelCommand command = ModelCommand::kBuild) {
    std::vector<Status> errors;
    Result<DbtProject> project = LoadDbtProject({.project_dir = dir_.string()}, fs_, env_, errors);
    EXPECT_TRUE(project.ok()) << project.status().ToString();
    project_ = std::move(*project);
    graph_ = ParseModels(project_, env_, errors);
    for (const Status& e : errors) ADD_FAILURE() << e.ToString();
    Result<ModelSelection> selection = SelectModels(graph_, {}, {});
    EXPECT_TRUE(selection.ok());
    ModelBuildOptions options{.command = command, .selected = selection->nodes, .clock = &clock_};
    return BuildModels(project_, graph_, env_, fs_, options, listener_);
  }

  std::vector<std::vector<std::optional<std::string>>> Rows(const std::string& sql) {
    auto db = DuckDbConnection::Open((dir_ / "dev.duckdb").string());
    EXPECT_TRUE(db.ok());
    auto rows = (*db)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->rows : std::vector<std::vector<std::optional<std::string>>>{};
  }

  std::string StatusOf(const std::vector<NodeResult>& results, const std::string& name) {
    for (const NodeResult& r : results) {
      if (graph_.nodes[r.node].name == name) return r.status;
    }
    return "absent";
  }

  std::filesystem::path dir_;
  LocalFilesystem fs_;
  FakeEnvironment env_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1705314030))};  // 2024-01-15 10:20:30 UTC
  RecordingListener listener_;
  DbtProject project_;
  ModelGraph graph_;
};

TEST_F(HooksTest, StartAndEndHooksRunAroundTheNodesWithTheirContext) {
  Write("dbt_project.yml",
        "name: shop\nprofile: shop\n"
        "on-run-start:\n"
        "  - create table if not exists audit (step varchar, detail varchar)\n"
        "  - \"insert into audit values ('start', '{{ modules.datetime.datetime.utcnow().isoformat() }} "
        "{{ target.name }} {{ var(\\\"who\\\", \\\"nobody\\\") }}')\"\n"
        "on-run-end:\n"
        "  - \"insert into audit values ('end', '{% for r in results %}{{ r.node.name }}:{{ r.node.resource_type }}:"
        "{{ r.status }}:{{ r.node.unique_id }};{% endfor %} {{ schemas | join(\\\",\\\") }} "
        "{% for d, s in database_schemas %}{{ d }}.{{ s }}{% endfor %} {{ ref(\\\"b\\\") }}')\"\n");
  Result<std::vector<NodeResult>> results = Build();
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  // 2 start hooks, a, b, 1 end hook, in that order.
  ASSERT_EQ(results->size(), 5u);
  std::vector<std::string> order;
  for (const NodeResult& r : *results) order.push_back(graph_.nodes[r.node].unique_id + "=" + r.status);
  EXPECT_EQ(order, (std::vector<std::string>{"operation.shop.shop-on-run-start-0=success",
                                             "operation.shop.shop-on-run-start-1=success", "model.shop.a=success",
                                             "model.shop.b=success", "operation.shop.shop-on-run-end-0=success"}));
  EXPECT_EQ(Rows("select step, detail from audit order by step desc"),
            (std::vector<std::vector<std::optional<std::string>>>{
                {"start", "2024-01-15T10:20:30 dev nobody"},
                {"end", "a:model:success:model.shop.a;b:model:success:model.shop.b; main dev.main "
                        "\"dev\".\"main\".\"b\""}}));
  // The listener heard dbt's hook lines, in order, around the nodes.
  const std::vector<std::string>& lines = listener_.lines;
  ASSERT_GE(lines.size(), 12u);
  EXPECT_EQ(lines[0], "Running 2 on-run-start hooks");
  EXPECT_EQ(lines[1].substr(0, 38), "1 of 2 START hook: shop.on-run-start.0");
  EXPECT_EQ(lines[1].substr(lines[1].size() - 6), " [RUN]");
  EXPECT_EQ(lines[2].substr(0, 35), "1 of 2 OK hook: shop.on-run-start.0");
  EXPECT_EQ(lines[2].size(), 80u);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "Running 1 on-run-end hook"), lines.end());
  auto logged = std::find_if(lines.begin(), lines.end(), [](const std::string& l) { return l.find("building b") != std::string::npos; });
  ASSERT_NE(logged, lines.end());
  EXPECT_EQ(logged->substr(8), "  building b");  // after dbt's HH:MM:SS
}

TEST_F(HooksTest, AFailingStartHookSkipsEveryNodeAndTheRestOfItsHooks) {
  Write("dbt_project.yml",
        "name: shop\nprofile: shop\n"
        "on-run-start: [\"select * from no_such_table\", \"create table never (x int)\"]\n"
        "on-run-end: \"create table ended as select 1 as done\"\n");
  Result<std::vector<NodeResult>> results = Build(ModelCommand::kRun);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(StatusOf(*results, "shop-on-run-start-0"), "error");
  EXPECT_EQ(StatusOf(*results, "shop-on-run-start-1"), "skipped");
  EXPECT_EQ(StatusOf(*results, "a"), "skipped");
  EXPECT_EQ(StatusOf(*results, "b"), "skipped");
  EXPECT_EQ(StatusOf(*results, "shop-on-run-end-0"), "success");  // dbt still runs on-run-end
  const NodeResult& failed = (*results)[0];
  EXPECT_EQ(failed.message.rfind("on-run-start failed: ", 0), 0u) << failed.message;
  EXPECT_NE(failed.message.find("no_such_table"), std::string::npos);
  EXPECT_EQ(Rows("select count(*) from information_schema.tables where table_name in ('a', 'b', 'never')"),
            (std::vector<std::vector<std::optional<std::string>>>{{"0"}}));
  EXPECT_EQ(Rows("select done from ended"), (std::vector<std::vector<std::optional<std::string>>>{{"1"}}));
  EXPECT_EQ(std::count_if(listener_.lines.begin(), listener_.lines.end(),
                          [](const std::string& l) { return l.rfind("start ", 0) == 0; }),
            0);  // no node started
}

TEST_F(HooksTest, AFailingEndHookIsAnErrorResultAfterTheNodes) {
  Write("dbt_project.yml", "name: shop\nprofile: shop\non-run-end: [\"{{ exceptions.raise_compiler_error('no') }}\"]\n");
  Result<std::vector<NodeResult>> results = Build(ModelCommand::kRun);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(StatusOf(*results, "a"), "success");
  EXPECT_EQ(StatusOf(*results, "shop-on-run-end-0"), "error");
  EXPECT_NE(results->back().message.find("on-run-end failed: "), std::string::npos);
  EXPECT_NE(results->back().message.find("dbt_project.yml"), std::string::npos);
}

TEST_F(HooksTest, HooksAreNodesButNeverSelectedAndNotRunByCompile) {
  Write("dbt_project.yml", "name: shop\nprofile: shop\non-run-start: \"create table started (x int)\"\n");
  Result<std::vector<NodeResult>> results = Build(ModelCommand::kCompile);
  ASSERT_TRUE(results.ok());
  int hook = graph_.Find("operation.shop.shop-on-run-start-0");
  ASSERT_GE(hook, 0);
  EXPECT_EQ(graph_.nodes[hook].kind, ModelNodeKind::kOperation);
  EXPECT_EQ(ModelNodeKindName(graph_.nodes[hook].kind), "operation");
  Result<ModelSelection> all = SelectModels(graph_, {"*"}, {});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(std::count(all->nodes.begin(), all->nodes.end(), hook), 0);
  EXPECT_EQ(results->size(), 2u);  // a and b compiled, no hook
  EXPECT_EQ(Rows("select count(*) from information_schema.tables where table_name = 'started'"),
            (std::vector<std::vector<std::optional<std::string>>>{{"0"}}));
}

}  // namespace
}  // namespace weir
