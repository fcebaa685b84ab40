// A Weir project's models: weir.yml as dbt_project.yml and profiles.yml.
#include <gtest/gtest.h>

#include "models/models.h"
#include "template/template.h"

namespace weir {
namespace {

class WeirProjectTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(fs_.WriteFile("p/" + path, text).ok()); }

  void SetUp() override {
    Write("weir.yml",
          "name: shop\nwarehouse: {type: duckdb, path: data/wh.duckdb, threads: 2}\n"
          "vars: {region: eu, min_amount: 5}\n"
          "models:\n  +materialized: table\n  staging:\n    +materialized: view\n    +tags: [staging]\n"
          "seeds:\n  +column_types: {code: varchar}\n");
    Write("pipelines/daily.yml", "pipeline: daily\ntasks:\n  - {id: a, kind: noop}\n");
    Write("models/staging/stg_sales.sql", "select * from {{ ref('countries') }} where region = '{{ var('region') }}'");
    Write("models/marts/fct_sales.sql", "select *, '{{ var('ds') }}' as ds from {{ ref('stg_sales') }}");
    Write("models/marts/schema.yml", "version: 2\nmodels:\n  - name: fct_sales\n    columns:\n"
                                     "      - name: code\n        tests: [not_null]\n");
    Write("seeds/countries.csv", "code,region\nde,eu\n");
    Write("macros/cents.sql", "{% macro cents(x) %}{{ x }} * 100{% endmacro %}");
    Write("tests/assert_some.sql", "select 1 from {{ ref('fct_sales') }} where false");
  }

  ProjectLoad LoadWeir() {
    ProjectLoad load = LoadProject("p", fs_);
    for (const Status& e : load.errors) ADD_FAILURE() << e.ToString();
    return load;
  }

  ModelGraph Parse(const ProjectDef& project, const TemplateMap& vars) {
    Result<DbtProject> models = LoadWeirModels(project, vars, fs_, env_, errors_);
    EXPECT_TRUE(models.ok()) << models.status().ToString();
    models_ = std::move(*models);
    return ParseModels(models_, env_, errors_);
  }

  static TemplateMap Vars(const std::string& ds) {
    TemplateMap vars;
    vars.Set("ds", TemplateValue::String(ds));
    return vars;
  }

  const ModelNode& Node(const ModelGraph& graph, const std::string& id) {
    int index = graph.Find(id);
    EXPECT_GE(index, 0) << id;
    return graph.nodes[index >= 0 ? index : 0];
  }

  FakeFilesystem fs_;
  FakeEnvironment env_;
  std::vector<Status> errors_;
  DbtProject models_;
};

TEST_F(WeirProjectTest, WeirYmlBecomesTheDbtProject) {
  ProjectLoad load = LoadWeir();
  Result<DbtProject> models = LoadWeirModels(load.project, Vars("2024-01-02"), fs_, env_, errors_);
  ASSERT_TRUE(models.ok()) << models.status().ToString();
  for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(models->name, "shop");
  EXPECT_EQ(models->root, "p");
  // The warehouse the tasks use, as the target.
  EXPECT_EQ(models->target.type, "duckdb");
  EXPECT_EQ(models->target.path, "p/data/wh.duckdb");
  EXPECT_EQ(models->target.database, "wh");
  EXPECT_EQ(models->target.schema, "main");
  EXPECT_EQ(models->target.threads, 2);
  // weir.yml's vars, then the task's.
  EXPECT_EQ(models->vars.Find("region")->AsString(), "eu");
  EXPECT_EQ(models->vars.Find("min_amount")->AsInt(), 5);
  EXPECT_EQ(models->vars.Find("ds")->AsString(), "2024-01-02");
  // The same resource walk as a dbt project's.
  ASSERT_EQ(models->models.size(), 2u);
  EXPECT_EQ(models->models[0].relative_path, "models/marts/fct_sales.sql");
  EXPECT_EQ(models->seeds.size(), 1u);
  EXPECT_EQ(models->macros.size(), 1u);
  EXPECT_EQ(models->singular_tests.size(), 1u);
  EXPECT_EQ(models->patches.size(), 1u);
}

TEST_F(WeirProjectTest, TreesNameFoldersFromModels) {
  ProjectLoad load = LoadWeir();
  ModelGraph graph = Parse(load.project, Vars("2024-01-02"));
  for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
  const ModelNode& stg = Node(graph, "model.shop.stg_sales");
  EXPECT_EQ(stg.fqn, (std::vector<std::string>{"shop", "staging", "stg_sales"}));
  EXPECT_EQ(stg.materialized(), "view");
  EXPECT_EQ(stg.tags(), std::vector<std::string>{"staging"});
  EXPECT_EQ(stg.relation.Quoted(), "\"wh\".\"main\".\"stg_sales\"");
  EXPECT_EQ(Node(graph, "model.shop.fct_sales").materialized(), "table");
  const TemplateValue* types = Node(graph, "seed.shop.countries").config.Find("column_types");
  ASSERT_NE(types, nullptr);
  EXPECT_EQ(types->AsMap().Find("code")->AsString(), "varchar");
  EXPECT_GE(graph.Find("test.shop.assert_some"), 0);
}

TEST_F(WeirProjectTest, VarsOfTheTaskWinOverWeirYmls) {
  ProjectLoad load = LoadWeir();
  TemplateMap vars = Vars("2024-01-03");
  vars.Set("region", TemplateValue::String("us"));
  Result<DbtProject> models = LoadWeirModels(load.project, vars, fs_, env_, errors_);
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(models->vars.Find("region")->AsString(), "us");
  EXPECT_EQ(models->cli_vars.Find("region")->AsString(), "us");
}

TEST_F(WeirProjectTest, DefaultWarehouseAndThreads) {
  Write("weir.yml", "name: shop\n");
  ProjectLoad load = LoadWeir();
  Result<DbtProject> models = LoadWeirModels(load.project, {}, fs_, env_, errors_);
  ASSERT_TRUE(models.ok());
  EXPECT_EQ(models->target.path, "p/warehouse.duckdb");
  EXPECT_EQ(models->target.database, "warehouse");
  EXPECT_EQ(models->target.threads, 4);
}

TEST_F(WeirProjectTest, NameAndDuckdbWarehouseAreNeeded) {
  Write("weir.yml", "warehouse: {type: duckdb}\n");
  Result<DbtProject> unnamed = LoadWeirModels(LoadWeir().project, {}, fs_, env_, errors_);
  ASSERT_FALSE(unnamed.ok());
  EXPECT_EQ(unnamed.status().code(), "missing-key");
  EXPECT_EQ(unnamed.status().where().ToString(), "weir.yml:1:1");
  Write("weir.yml", "name: shop\nwarehouse: {type: postgres, connection: dwh}\n");
  Result<DbtProject> postgres = LoadWeirModels(LoadWeir().project, {}, fs_, env_, errors_);
  ASSERT_FALSE(postgres.ok());
  EXPECT_EQ(postgres.status().code(), "warehouse-not-available");
  EXPECT_EQ(postgres.status().where().ToString(), "weir.yml:2:12");
}

TEST_F(WeirProjectTest, HasWeirModelsNeedsWeirYmlAndModelsWithoutDbtProject) {
  EXPECT_TRUE(HasWeirModels(fs_, "p"));
  EXPECT_FALSE(HasWeirModels(fs_, "elsewhere"));
  Write("dbt_project.yml", "name: shop\n");
  EXPECT_FALSE(HasWeirModels(fs_, "p"));
}

TEST_F(WeirProjectTest, ValidProjectChecksClean) {
  Write("pipelines/daily.yml", "pipeline: daily\ntasks:\n  - id: build\n    kind: models\n"
                               "    select: [staging+]\n    vars: {ds: \"{{ ds }}\"}\n");
  ProjectLoad load = LoadWeir();
  std::vector<Status> warnings;
  CheckWeirModels(load.project, fs_, env_, errors_, warnings);
  for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
  for (const Status& w : warnings) ADD_FAILURE() << w.ToString();
}

TEST_F(WeirProjectTest, PipelineNamedAsAModelIsAnErrorNamingBoth) {
  Write("pipelines/daily.yml", "pipeline: fct_sales\ntasks:\n  - {id: a, kind: noop}\n");
  ProjectLoad load = LoadWeir();
  std::vector<Status> warnings;
  CheckWeirModels(load.project, fs_, env_, errors_, warnings);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "pipeline-model-clash");
  EXPECT_EQ(errors_[0].where().ToString(), "pipelines/daily.yml:1:11");
  EXPECT_NE(errors_[0].message().find("models/marts/fct_sales.sql"), std::string::npos) << errors_[0].message();
  EXPECT_NE(errors_[0].message().find("pipelines/daily.yml"), std::string::npos);
}

TEST_F(WeirProjectTest, ModelsTaskSelectorsAreChecked) {
  Write("pipelines/daily.yml", "pipeline: daily\ntasks:\n"
                               "  - id: typo\n    kind: models\n    select: stg_sale\n    vars: {ds: x}\n"
                               "  - id: bad\n    kind: models\n    select: \"tag:\"\n    vars: {ds: x}\n"
                               "  - id: later\n    kind: models\n    select: \"tag:{{ ds_nodash }}\"\n"
                               "    vars: {ds: x}\n");
  ProjectLoad load = LoadWeir();
  std::vector<Status> warnings;
  CheckWeirModels(load.project, fs_, env_, errors_, warnings);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "bad-selector");
  EXPECT_EQ(errors_[0].where().ToString(), "pipelines/daily.yml:9:13");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].code(), "selector-matches-nothing");
  EXPECT_EQ(warnings[0].where().ToString(), "pipelines/daily.yml:5:13");
  EXPECT_NE(warnings[0].message().find("'stg_sale'"), std::string::npos) << warnings[0].message();
}

TEST_F(WeirProjectTest, ModelsErrorsAreReportedOnceForEveryTask) {
  Write("models/broken.sql", "select * from {{ ref('nope') }}");
  Write("pipelines/daily.yml", "pipeline: daily\ntasks:\n  - {id: one, kind: models, vars: {ds: x}}\n"
                               "  - {id: two, kind: models, vars: {ds: y}}\n");
  ProjectLoad load = LoadWeir();
  std::vector<Status> warnings;
  CheckWeirModels(load.project, fs_, env_, errors_, warnings);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "ref-not-found");
  EXPECT_EQ(errors_[0].where().file, "models/broken.sql");
}

TEST_F(WeirProjectTest, ModelsTaskNeedsAModelsFolder) {
  FakeFilesystem bare;
  ASSERT_TRUE(bare.WriteFile("q/weir.yml", "name: shop\n").ok());
  ASSERT_TRUE(bare.WriteFile("q/pipelines/p.yml", "pipeline: p\ntasks:\n  - {id: m, kind: models}\n").ok());
  ProjectLoad load = LoadProject("q", bare);
  std::vector<Status> warnings;
  CheckWeirModels(load.project, bare, env_, errors_, warnings);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].code(), "no-models");
  EXPECT_EQ(errors_[0].where().ToString(), "pipelines/p.yml:3:19");
}

TEST_F(WeirProjectTest, TaskVarsAreRenderedAndTyped) {
  YamlDocument doc = ParseYaml("vars: {ds: \"{{ ds }}\", days: [\"{{ ds }}\", b], n: 3}\n", "pipelines/p.yml");
  ASSERT_TRUE(doc.errors.empty());
  TemplateContext context;
  context.Set("ds", TemplateValue::String("2024-01-02"));
  Result<TemplateMap> vars = RenderModelVars(*doc.root.Find("vars"), context);
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_EQ(vars->Find("ds")->AsString(), "2024-01-02");
  EXPECT_EQ(vars->Find("days")->AsList()[0].AsString(), "2024-01-02");
  EXPECT_EQ(vars->Find("n")->AsInt(), 3);
  YamlDocument bad = ParseYaml("vars: [a]\n", "pipelines/p.yml");
  EXPECT_EQ(RenderModelVars(*bad.root.Find("vars"), context).status().code(), "wrong-type");
}

}  // namespace
}  // namespace weir
