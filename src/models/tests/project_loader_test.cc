#include <gtest/gtest.h>

#include "models/models.h"

namespace weir {
namespace {

class ProjectLoaderTest : public ::testing::Test {
 protected:
  void Write(const std::string& path, const std::string& text) { ASSERT_TRUE(fs_.WriteFile(path, text).ok()); }

  void WriteBasicProject() {
    Write("p/dbt_project.yml",
          "name: shop\nversion: '1.0'\nprofile: shop\n"
          "vars:\n  min_amount: 0\n  shop:\n    region: eu\n"
          "models:\n  shop:\n    +materialized: view\n    marts:\n      +materialized: table\n"
          "      +tags: [daily]\n      fct_daily_sales:\n        +unique_key: sale_date\n"
          "on-run-start: [\"create schema if not exists audit\"]\n");
    Write("p/profiles.yml",
          "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: \"{{ env_var('DB_DIR') }}/shop.duckdb\"\n"
          "      threads: 4\n    other:\n      type: duckdb\n      path: other.duckdb\n      schema: analytics\n");
    Write("p/models/staging/stg_sales.sql", "select 1 as id");
    Write("p/models/marts/fct_daily_sales.sql", "select * from {{ ref('stg_sales') }}");
    Write("p/models/staging/schema.yml",
          "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: sales\n        identifier: sales_raw\n"
          "models:\n  - name: stg_sales\n    description: one row per sale\n    columns:\n"
          "      - name: sale_id\n        tests: [unique, not_null]\n"
          "      - name: status\n        tests:\n          - accepted_values:\n              values: [placed, shipped]\n"
          "              severity: warn\n"
          "exposures:\n  - name: dashboard\n    type: dashboard\n");
    Write("p/seeds/countries.csv", "code,name\nde,Germany\n");
    Write("p/macros/cents.sql", "{% macro cents(x) %}{{ x }} * 100{% endmacro %}");
    Write("p/tests/assert_positive.sql", "select * from {{ ref('stg_sales') }} where id < 0");
    Write("p/tests/generic/not_negative.sql", "{% test not_negative(model, column_name) %}select 1{% endtest %}");
  }

  FakeFilesystem fs_;
  FakeEnvironment env_{{{"DB_DIR", "/data"}}};
  std::vector<Status> errors_;
};

TEST_F(ProjectLoaderTest, ReadsProjectProfileAndFiles) {
  WriteBasicProject();
  DbtProjectOptions options{.project_dir = "p"};
  Result<DbtProject> project = LoadDbtProject(options, fs_, env_, errors_);
  ASSERT_TRUE(project.ok()) << project.status().ToString();
  for (const Status& e : errors_) ADD_FAILURE() << e.ToString();
  EXPECT_EQ(project->name, "shop");
  EXPECT_EQ(project->target.name, "dev");
  EXPECT_EQ(project->target.path, "/data/shop.duckdb");
  EXPECT_EQ(project->target.database, "shop");
  EXPECT_EQ(project->target.schema, "main");
  EXPECT_EQ(project->target.threads, 4);
  ASSERT_EQ(project->models.size(), 2u);
  EXPECT_EQ(project->models[0].relative_path, "models/marts/fct_daily_sales.sql");
  EXPECT_EQ(project->models[1].resource_path, "staging/stg_sales.sql");
  EXPECT_EQ(project->seeds.size(), 1u);
  ASSERT_EQ(project->macros.size(), 2u);  // macros/ and tests/generic/
  EXPECT_EQ(project->macros[1].relative_path, "tests/generic/not_negative.sql");
  ASSERT_EQ(project->singular_tests.size(), 1u);
  EXPECT_EQ(project->on_run_start, std::vector<std::string>{"create schema if not exists audit"});
  // vars: top level, then the package's own.
  EXPECT_EQ(project->vars.Find("min_amount")->AsInt(), 0);
  EXPECT_EQ(project->vars.Find("region")->AsString(), "eu");
  EXPECT_EQ(project->vars.Find("shop"), nullptr);
}

TEST_F(ProjectLoaderTest, ConfigTreeSeparatesConfigsFromFolders) {
  WriteBasicProject();
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  const DbtConfigTree& shop = project->model_config.children.at("shop");
  EXPECT_EQ(shop.config.Find("materialized")->AsString(), "view");
  const DbtConfigTree& marts = shop.children.at("marts");
  EXPECT_EQ(marts.config.Find("materialized")->AsString(), "table");
  EXPECT_EQ(marts.config.Find("tags")->AsList().size(), 1u);
  EXPECT_EQ(marts.children.at("fct_daily_sales").config.Find("unique_key")->AsString(), "sale_date");
}

TEST_F(ProjectLoaderTest, SchemaFilesGiveSourcesPatchesTestsAndKeepOthers) {
  WriteBasicProject();
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  ASSERT_EQ(project->sources.size(), 1u);
  EXPECT_EQ(project->sources[0].schema, "raw");
  EXPECT_EQ(project->sources[0].tables[0].identifier, "sales_raw");
  ASSERT_EQ(project->patches.size(), 1u);
  const DbtPatch& patch = project->patches[0];
  EXPECT_EQ(patch.description, "one row per sale");
  ASSERT_EQ(patch.columns.size(), 2u);
  EXPECT_EQ(patch.columns[0].tests.size(), 2u);
  const DbtTestUse& accepted = patch.columns[1].tests[0];
  EXPECT_EQ(accepted.name, "accepted_values");
  EXPECT_EQ(*accepted.column, "status");
  EXPECT_EQ(accepted.arguments.Find("values")->AsList().size(), 2u);
  EXPECT_EQ(accepted.config.Find("severity")->AsString(), "warn");
  ASSERT_EQ(project->others.size(), 1u);
  EXPECT_EQ(project->others[0].kind, "exposures");
}

TEST_F(ProjectLoaderTest, TargetFlagAndCliVarsWin) {
  WriteBasicProject();
  DbtProjectOptions options{.project_dir = "p", .target = "other", .vars_yaml = "{region: us}"};
  Result<DbtProject> project = LoadDbtProject(options, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  EXPECT_EQ(project->target.schema, "analytics");
  EXPECT_EQ(project->target.database, "other");
  EXPECT_EQ(project->vars.Find("region")->AsString(), "us");
}

TEST_F(ProjectLoaderTest, ProfilesFoundInDbtProfilesDirFirst) {
  WriteBasicProject();
  Write("elsewhere/profiles.yml", "shop:\n  target: x\n  outputs:\n    x:\n      type: duckdb\n      path: x.duckdb\n");
  env_.Set("DBT_PROFILES_DIR", "elsewhere");
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  EXPECT_EQ(project->target.profiles_file, "elsewhere/profiles.yml");
  EXPECT_EQ(project->target.path, "p/x.duckdb");  // relative to the project folder
}

TEST_F(ProjectLoaderTest, ErrorsSayWhatAndWhere) {
  WriteBasicProject();
  Write("p/dbt_project.yml", "name: shop\nprofile: shop\nmodel-path: [models]\n");
  env_ = FakeEnvironment();
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_TRUE(project.ok());
  ASSERT_EQ(errors_.size(), 2u);
  EXPECT_EQ(errors_[0].code(), "unknown-key");
  EXPECT_EQ(errors_[0].where().ToString(), "dbt_project.yml:3:1");
  EXPECT_NE(errors_[0].message().find("did you mean 'model-paths'"), std::string::npos) << errors_[0].message();
  EXPECT_EQ(errors_[1].code(), "env-var-missing");
  EXPECT_EQ(errors_[1].where().line, 6);
}

TEST_F(ProjectLoaderTest, NonDuckdbTargetIsRefusedClearly) {
  WriteBasicProject();
  Write("p/profiles.yml", "shop:\n  target: pg\n  outputs:\n    pg:\n      type: postgres\n      host: h\n");
  Result<DbtProject> project = LoadDbtProject({.project_dir = "p"}, fs_, env_, errors_);
  ASSERT_FALSE(project.ok());
  EXPECT_EQ(project.status().code(), "unsupported-adapter");
}

}  // namespace
}  // namespace weir
