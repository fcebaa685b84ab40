#include <gtest/gtest.h>

#include "models/internal/compile.h"
#include "models/models.h"

namespace weir {
namespace {

class CompileTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(fs_.WriteFile("p/" + path, text).ok()); }

  void SetUp() override {
    Write("dbt_project.yml", "name: shop\nprofile: shop\n");
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n");
    Write("models/base.sql", "{{ config(materialized='ephemeral') }}select 1 as id");
    Write("models/middle.sql", "{{ config(materialized='ephemeral') }}select id from {{ ref('base') }}");
  }

  Result<std::string> Compile(const std::string& name, bool is_table = false) {
    Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
    EXPECT_TRUE(project.ok());
    project_ = std::move(*project);
    graph_ = ParseModels(project_, env_, errors_);
    for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
    models_internal::CompileInputs inputs{.project = &project_, .graph = &graph_, .env = &env_};
    inputs.is_table = [is_table](const RelationName&) { return is_table; };
    return models_internal::CompileNode(inputs, graph_.Find("model.shop." + name));
  }

  FakeFilesystem fs_;
  FakeEnvironment env_;
  std::vector<Status> errors_;
  DbtProject project_;
  ModelGraph graph_;
};

TEST_F(CompileTest, EphemeralChainsBecomeCtesInDependencyOrder) {
  Write("models/top.sql", "select * from {{ ref('middle') }}");
  Result<std::string> sql = Compile("top");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "with __dbt__cte__base as (\nselect 1 as id\n),  __dbt__cte__middle as (\nselect id from "
            "__dbt__cte__base\n)\nselect * from __dbt__cte__middle");
}

TEST_F(CompileTest, CtesJoinTheModelsOwnWithAfterComments) {
  Write("models/top.sql", "-- a comment\n/* another */ WITH x as (select * from {{ ref('base') }}) select * from x");
  Result<std::string> sql = Compile("top");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "-- a comment\n/* another */ WITH __dbt__cte__base as (\nselect 1 as id\n),  x as (select * from "
            "__dbt__cte__base) select * from x");
}

TEST_F(CompileTest, IsIncrementalNeedsAnExistingTableAndTheIncrementalMaterialization) {
  Write("models/inc.sql",
        "{{ config(materialized='incremental') }}select 1{% if is_incremental() %} where x > (select max(x) from "
        "{{ this }}){% endif %}");
  Result<std::string> first = Compile("inc", /*is_table=*/false);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "select 1");
  Result<std::string> later = Compile("inc", /*is_table=*/true);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(*later, "select 1 where x > (select max(x) from \"dev\".\"main\".\"inc\")");
}

TEST_F(CompileTest, TestCountQueryAppliesThresholds) {
  ModelNode test;
  test.kind = ModelNodeKind::kTest;
  test.config.Set("error_if", TemplateValue::String(">10"));
  test.config.Set("limit", TemplateValue::Int(5));
  EXPECT_EQ(models_internal::TestCountQuery(test, "select 1"),
            "select count(*) as failures,\n  count(*) != 0 as should_warn,\n  count(*) >10 as should_error\n"
            "from (\nselect 1\nlimit 5\n) dbt_internal_test");
}

}  // namespace
}  // namespace weir
