#include <gtest/gtest.h>

#include "models/models.h"

namespace weir {
namespace {

class ParseTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(fs_.WriteFile("p/" + path, text).ok()); }

  void SetUp() override {
    Write("dbt_project.yml",
          "name: shop\nprofile: shop\n"
          "models:\n  shop:\n    +materialized: view\n    marts:\n      +materialized: table\n      +tags: [daily]\n"
          "      +schema: analytics\n");
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n");
    Write("models/staging/stg_sales.sql",
          "{{ config(tags=['staging']) }}\nselect * from {{ source('raw', 'sales') }}");
    Write("models/marts/fct_daily_sales.sql",
          "{{ config(materialized='incremental', unique_key='sale_date', tags=['finance']) }}\n"
          "select * from {{ ref('stg_sales') }} join {{ ref('countries') }} using (code)");
    Write("models/schema.yml",
          "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: sales\n"
          "models:\n  - name: stg_sales\n    columns:\n      - name: sale_id\n        tests: [unique, not_null]\n"
          "  - name: fct_daily_sales\n    config:\n      alias: daily_sales\n    columns:\n      - name: status\n"
          "        tests:\n          - accepted_values:\n              values: ['placed', 'shipped']\n"
          "      - name: code\n        tests:\n          - relationships:\n              to: ref('countries')\n"
          "              field: code\n");
    Write("seeds/countries.csv", "code,name\nde,Germany\n");
    Write("tests/assert_positive.sql", "select * from {{ ref('fct_daily_sales') }} where total < 0");
  }

  ModelGraph Parse() {
    Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
    EXPECT_TRUE(project.ok()) << project.status().ToString();
    project_ = std::move(*project);
    return ParseModels(project_, env_, errors_);
  }

  const ModelNode& Node(const ModelGraph& graph, const std::string& id) {
    int index = graph.Find(id);
    EXPECT_GE(index, 0) << id;
    return graph.nodes[index];
  }

  std::vector<std::string> Parents(const ModelGraph& graph, const std::string& id) {
    std::vector<std::string> out;
    for (int parent : Node(graph, id).depends_on) out.push_back(graph.nodes[parent].unique_id);
    return out;
  }

  FakeFilesystem fs_;
  FakeEnvironment env_;
  std::vector<Status> errors_;
  DbtProject project_;
};

TEST_F(ParseTest, NodesRefsAndSources) {
  ModelGraph graph = Parse();
  for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(Parents(graph, "model.shop.stg_sales"), std::vector<std::string>{"source.shop.raw.sales"});
  EXPECT_EQ(Parents(graph, "model.shop.fct_daily_sales"),
            (std::vector<std::string>{"model.shop.stg_sales", "seed.shop.countries"}));
  EXPECT_EQ(Parents(graph, "test.shop.assert_positive"), std::vector<std::string>{"model.shop.fct_daily_sales"});
  const ModelNode& fct = Node(graph, "model.shop.fct_daily_sales");
  EXPECT_EQ(fct.fqn, (std::vector<std::string>{"shop", "marts", "fct_daily_sales"}));
  EXPECT_EQ(fct.path, "marts/fct_daily_sales.sql");
}

TEST_F(ParseTest, ConfigPrecedenceAndRelations) {
  ModelGraph graph = Parse();
  const ModelNode& fct = Node(graph, "model.shop.fct_daily_sales");
  // config() in the SQL beats dbt_project.yml; tags add up.
  EXPECT_EQ(fct.materialized(), "incremental");
  EXPECT_EQ(fct.tags(), (std::vector<std::string>{"daily", "finance"}));
  // schema.yml's alias, and the custom schema appended to the target's.
  EXPECT_EQ(fct.relation.Quoted(), "\"dev\".\"main_analytics\".\"daily_sales\"");
  const ModelNode& stg = Node(graph, "model.shop.stg_sales");
  EXPECT_EQ(stg.materialized(), "view");
  EXPECT_EQ(stg.relation.Quoted(), "\"dev\".\"main\".\"stg_sales\"");
  EXPECT_EQ(Node(graph, "source.shop.raw.sales").relation.Quoted(), "\"dev\".\"raw\".\"sales\"");
}

TEST_F(ParseTest, GenericTestsNamedAsDbtNamesThem) {
  ModelGraph graph = Parse();
  std::vector<std::string> tests;
  for (const ModelNode& node : graph.nodes) {
    if (node.generic_test) tests.push_back(node.name);
  }
  EXPECT_EQ(tests, (std::vector<std::string>{"unique_stg_sales_sale_id", "not_null_stg_sales_sale_id",
                                             "accepted_values_fct_daily_sales_status__placed__shipped",
                                             "relationships_fct_daily_sales_code__code__ref_countries_"}));
  int rel = -1;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (graph.nodes[i].name.rfind("relationships", 0) == 0) rel = static_cast<int>(i);
  }
  ASSERT_GE(rel, 0);
  std::vector<std::string> parents;
  for (int p : graph.nodes[rel].depends_on) parents.push_back(graph.nodes[p].unique_id);
  EXPECT_EQ(parents, (std::vector<std::string>{"model.shop.fct_daily_sales", "seed.shop.countries"}));
}

TEST_F(ParseTest, OrderPutsParentsFirst) {
  ModelGraph graph = Parse();
  ASSERT_EQ(graph.order.size(), graph.nodes.size());
  std::vector<int> position(graph.nodes.size());
  for (size_t i = 0; i < graph.order.size(); ++i) position[graph.order[i]] = static_cast<int>(i);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (int parent : graph.nodes[i].depends_on) EXPECT_LT(position[parent], position[i]);
  }
}

TEST_F(ParseTest, UnknownRefIsLocated) {
  Write("models/bad.sql", "select 1\nfrom {{ ref('stg_sale') }}");
  ModelGraph graph = Parse();
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "ref-not-found");
  EXPECT_EQ(errors_[0].where().ToString(), "models/bad.sql:2:9");
  EXPECT_NE(errors_[0].message().find("did you mean 'stg_sales'"), std::string::npos) << errors_[0].message();
  EXPECT_EQ(graph.Find("model.shop.bad"), -1);
}

TEST_F(ParseTest, CycleIsAnError) {
  Write("models/a.sql", "select * from {{ ref('b') }}");
  Write("models/b.sql", "select * from {{ ref('a') }}");
  ModelGraph graph = Parse();
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "ref-cycle");
  EXPECT_NE(errors_[0].message().find("model.shop.a"), std::string::npos);
  EXPECT_TRUE(graph.order.empty());
}

TEST_F(ParseTest, DisabledNodesLeaveAndRefsToThemFail) {
  Write("models/old.sql", "{{ config(enabled=false) }} select 1");
  Write("models/uses_old.sql", "select * from {{ ref('old') }}");
  ModelGraph graph = Parse();
  EXPECT_EQ(graph.Find("model.shop.old"), -1);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "ref-disabled");
}

}  // namespace
}  // namespace weir
