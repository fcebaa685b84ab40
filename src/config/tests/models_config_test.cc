// weir.yml's `models:` and `seeds:` trees and the `models` task's keys.
#include <gtest/gtest.h>

#include "config/config.h"

namespace weir {
namespace {

ProjectLoad Load(const std::string& weir_yml, const std::string& pipeline = "") {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", weir_yml).ok());
  if (!pipeline.empty()) EXPECT_TRUE(fs.WriteFile("proj/pipelines/p.yml", pipeline).ok());
  return LoadProject("proj", fs);
}

std::vector<std::string> Describe(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

TEST(ModelsConfigTest, ModelsAndSeedsTreesAreKeptAsWritten) {
  ProjectLoad load = Load(R"(name: shop
models:
  +materialized: table
  staging:
    +materialized: view
    stg_orders: {+tags: [daily], docs: {show: false}}
seeds:
  +column_types: {id: bigint}
)");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  const ConfigNode& models = load.project.model_config;
  ASSERT_TRUE(models.is_map());
  EXPECT_EQ(models.Find("+materialized")->scalar(), "table");
  EXPECT_EQ(models.Find("staging")->Find("+materialized")->scalar(), "view");
  EXPECT_EQ(models.where().line, 3);
  ASSERT_TRUE(load.project.seed_config.is_map());
  EXPECT_EQ(load.project.seed_config.Find("+column_types")->Find("id")->scalar(), "bigint");
}

TEST(ModelsConfigTest, AbsentTreesAreNull) {
  ProjectLoad load = Load("name: shop\n");
  ASSERT_TRUE(load.ok());
  EXPECT_TRUE(load.project.model_config.is_null());
  EXPECT_TRUE(load.project.seed_config.is_null());
}

TEST(ModelsConfigTest, UnknownConfigIsLocatedWithDidYouMean) {
  ProjectLoad load = Load(R"(name: shop
models:
  staging:
    +materialised: view
    marts:
      unique_keys: id
seeds:
  +delimeter: ";"
)");
  ASSERT_EQ(Describe(load), (std::vector<std::string>{"weir.yml:4:5 unknown-key", "weir.yml:6:7 unknown-key",
                                                      "weir.yml:8:3 unknown-key"}));
  EXPECT_NE(load.errors[0].message().find("did you mean '+materialized'?"), std::string::npos)
      << load.errors[0].message();
  EXPECT_NE(load.errors[1].message().find("did you mean 'unique_key'?"), std::string::npos);
  EXPECT_NE(load.errors[2].message().find("'seeds:'"), std::string::npos);
}

TEST(ModelsConfigTest, TopLevelTypoSuggestsModels) {
  ProjectLoad load = Load("name: shop\nmodel:\n  +materialized: table\n");
  ASSERT_EQ(Describe(load), (std::vector<std::string>{"weir.yml:2:1 unknown-key"}));
  EXPECT_NE(load.errors[0].message().find("did you mean 'models'?"), std::string::npos);
}

TEST(ModelsConfigTest, TreeMustBeAMapping) {
  ProjectLoad load = Load("name: shop\nmodels: [a, b]\n");
  ASSERT_EQ(Describe(load), (std::vector<std::string>{"weir.yml:2:9 wrong-type"}));
}

TEST(ModelsConfigTest, ModelsTaskKeysAreChecked) {
  ProjectLoad load = Load("name: shop\n", R"(pipeline: p
tasks:
  - id: good
    kind: models
    select: [staging+, "tag:d{{ ds_nodash }}"]
    exclude: stg_x
    command: run
    full_refresh: true
    fail_fast: false
    threads: 2
    vars: {ds: "{{ ds }}", limit: 10}
  - id: bad
    kind: models
    command: snapshot
    threads: 0
    vars: [ds]
    full_refresh: maybe
    selects: x
)");
  EXPECT_EQ(Describe(load), (std::vector<std::string>{
                                "pipelines/p.yml:18:5 unknown-key",  // selects
                                "pipelines/p.yml:14:14 bad-value",   // command
                                "pipelines/p.yml:17:19 wrong-type",  // full_refresh
                                "pipelines/p.yml:15:14 out-of-range",
                                "pipelines/p.yml:16:11 wrong-type",  // vars
                            }));
  const TaskDef& good = load.project.pipelines[0].tasks[0];
  EXPECT_EQ(good.kind.value, "models");
  EXPECT_EQ(good.param("vars")->Find("ds")->scalar(), "{{ ds }}");
}

}  // namespace
}  // namespace weir
