// dbt's context in execute and parse mode: config.get / require /
// meta_get, log(), adapter.get_relation, get_columns_in_relation and
// load_relation against a real DuckDB catalog.
#include <cstdlib>
#include <ctime>

#include <gtest/gtest.h>

#include "models/internal/compile.h"
#include "models/internal/dbt_context.h"
#include "models/models.h"

namespace weir {
namespace {

class ContextTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(fs_.WriteFile("p/" + path, text).ok()); }

  void SetUp() override {
    Write("dbt_project.yml", "name: shop\nprofile: shop\nmodels:\n  shop:\n    +meta: {owner: ann}\n");
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n");
    Result<std::unique_ptr<DuckDbConnection>> db = DuckDbConnection::Open(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Execute("CREATE SCHEMA sales; CREATE TABLE sales.Orders (id INTEGER, name VARCHAR, "
                             "amount DECIMAL(10,2), \"Order Date\" DATE); CREATE VIEW sales.recent AS SELECT 1 AS x")
                    .ok());
  }

  // Parses the project (every error a failure) and compiles `name` in
  // execute mode with the DuckDB catalog behind it.
  Result<std::string> Compile(const std::string& name, bool warehouse = true) {
    Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
    EXPECT_TRUE(project.ok());
    project_ = std::move(*project);
    graph_ = ParseModels(project_, env_, errors_);
    for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
    models_internal::CompileInputs inputs{.project = &project_, .graph = &graph_, .env = &env_};
    inputs.is_table = [](const RelationName&) { return false; };
    inputs.query = [this](const std::string& sql) { return db_->Query(sql); };
    if (warehouse) {
      inputs.query_with_parameters = [this](const std::string& sql, const std::vector<std::string>& parameters) {
        return db_->Query(sql, parameters);
      };
    }
    inputs.log = [this](const std::string& line) { logged_.push_back(line); };
    // 2024-01-15 10:20:30 UTC.
    inputs.now = [] { return TimePoint(std::chrono::seconds(1705314030)); };
    return models_internal::CompileNode(inputs, graph_.Find("model.shop." + name));
  }

  FakeFilesystem fs_;
  FakeEnvironment env_;
  std::vector<Status> errors_;
  DbtProject project_;
  ModelGraph graph_;
  std::unique_ptr<DuckDbConnection> db_;
  std::vector<std::string> logged_;
};

TEST_F(ContextTest, ConfigGetReadsTheMergedConfigWhenExecuting) {
  Write("models/m.sql",
        "{{ config(materialized='table', unique_key='id', cluster_by=none) }}"
        "{{ config.get('materialized') }}|{{ config.get('unique_key') }}|{{ config.get('missing', 'fallback') }}|"
        "{{ config.get('missing') }}|{{ config.get('cluster_by', default='none given') }}|"
        "{{ config.require('unique_key') }}|{{ config.meta_get('owner') }}|{{ config.meta_get('nope', 7) }}");
  Result<std::string> sql = Compile("m");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql, "table|id|fallback|None|none given|id|ann|7");
}

TEST_F(ContextTest, ConfigGetGivesTheDefaultWhileParsing) {
  // While parsing, config.get answers its default: the ref in the branch is
  // never recorded, so the parse has no error about the missing model.
  Write("models/m.sql",
        "{{ config(materialized='table') }}{% if config.get('materialized', 'view') != 'view' %}"
        "{{ ref('not_a_model') }}{% endif %}select 1");
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  ModelGraph graph = ParseModels(*project, env_, errors_);
  EXPECT_TRUE(errors_.empty()) << errors_[0].ToString();
  EXPECT_GE(graph.Find("model.shop.m"), 0);
}

TEST_F(ContextTest, ConfigRequireOfAMissingKeyIsAnErrorAtTheCall) {
  Write("models/m.sql", "select 1\n  {{ config.require('partition_by') }}");
  Result<std::string> sql = Compile("m");
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.status().code(), "missing-config");
  EXPECT_EQ(sql.status().where().file, "models/m.sql");
  EXPECT_EQ(sql.status().where().line, 2);
  EXPECT_GT(sql.status().where().column, 2);
  EXPECT_NE(sql.status().message().find("'model.shop.m' does not define a required config parameter 'partition_by'"),
            std::string::npos);
}

TEST_F(ContextTest, LogWithInfoGoesToTheRunLogWithATimestamp) {
  const char* saved = std::getenv("TZ");
  std::string previous = saved != nullptr ? saved : "";
  setenv("TZ", "UTC", 1);
  tzset();
  Write("models/m.sql", "{{ log('hello ' ~ this.name, info=True) }}{{ log('quiet') }}{{ log('also', False) }}select 1");
  Result<std::string> sql = Compile("m");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql, "select 1");
  EXPECT_EQ(logged_, std::vector<std::string>{"10:20:30  hello m"});
  if (saved != nullptr) {
    setenv("TZ", previous.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST_F(ContextTest, GetRelationFindsTablesAndViewsInTheCatalog) {
  Write("models/m.sql",
        "{% if execute %}"
        "{% set t = adapter.get_relation(database='memory', schema='SALES', identifier='orders') %}"
        "{{ t }}|{{ t.type }}|{{ t.is_table }}|{{ t.identifier }}\n"
        "{% set v = adapter.get_relation('memory', 'sales', 'recent') %}{{ v.render() }}|{{ v.type }}|{{ v.is_view }}\n"
        "{{ adapter.get_relation('memory', 'sales', 'absent') is none }}|"
        "{{ load_relation(t).identifier }}|{{ load_relation(this) is none }}"
        "{% endif %}");
  Result<std::string> sql = Compile("m");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "\"memory\".\"sales\".\"Orders\"|table|True|Orders\n"
            "\"memory\".\"sales\".\"recent\"|view|True\n"
            "True|Orders|True");
}

TEST_F(ContextTest, GetColumnsInRelationListsColumnsInOrder) {
  Write("models/m.sql",
        "{% if execute %}{% set t = adapter.get_relation('memory', 'sales', 'orders') %}"
        "{% for c in adapter.get_columns_in_relation(t) %}"
        "{{ c.name }}/{{ c.column }}/{{ c.data_type }}/{{ c.dtype }}/{{ c.quoted }}/{{ c.is_string() }}/"
        "{{ c.is_number() }}/{{ c.is_integer() }}/{{ c.numeric_scale }};{% endfor %}{% endif %}");
  Result<std::string> sql = Compile("m");
  ASSERT_TRUE(sql.ok()) << sql.status().ToString();
  EXPECT_EQ(*sql,
            "id/id/INTEGER/INTEGER/\"id\"/False/True/True/0;"
            "name/name/VARCHAR/VARCHAR/\"name\"/True/False/False/None;"
            "amount/amount/DECIMAL(10,2)/DECIMAL(10,2)/\"amount\"/False/True/False/2;"
            "Order Date/Order Date/DATE/DATE/\"Order Date\"/False/False/False/None;");
}

TEST_F(ContextTest, CatalogLookUpsWithoutAWarehouseAreAnError) {
  // weir compile renders in execute mode without opening the warehouse.
  Write("models/m.sql", "{% if execute %}{{ adapter.get_relation('memory', 'sales', 'orders') }}{% endif %}");
  Result<std::string> sql = Compile("m", /*warehouse=*/false);
  ASSERT_FALSE(sql.ok());
  EXPECT_EQ(sql.status().code(), "no-warehouse");
  EXPECT_EQ(sql.status().where().file, "models/m.sql");
}

TEST_F(ContextTest, CatalogLookUpsFindNothingWhileParsing) {
  // Parse mode: get_relation is none and get_columns_in_relation empty, so
  // this renders (dbt's rule) and records its ref.
  Write("models/base.sql", "select 1 as id");
  Write("models/m.sql",
        "{% set r = adapter.get_relation('memory', 'sales', 'orders') %}"
        "{{ 'none' if r is none else r }} {{ adapter.get_columns_in_relation(ref('base')) | length }}");
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  ModelGraph graph = ParseModels(*project, env_, errors_);
  ASSERT_TRUE(errors_.empty()) << errors_[0].ToString();
  const ModelNode& m = graph.nodes[graph.Find("model.shop.m")];
  ASSERT_EQ(m.depends_on.size(), 1u);
  EXPECT_EQ(graph.nodes[m.depends_on[0]].name, "base");
}

TEST_F(ContextTest, GetColumnsNeedsARelation) {
  Write("models/m.sql", "{{ adapter.get_columns_in_relation('sales.orders') }}");
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  ParseModels(*project, env_, errors_);  // the argument is checked in both modes
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "template-argument");
  EXPECT_EQ(errors_[0].where().file, "models/m.sql");
}

}  // namespace
}  // namespace weir
