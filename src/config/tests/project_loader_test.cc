#include <gtest/gtest.h>

#include "config/config.h"

namespace weir {
namespace {

constexpr char kProject[] = "name: shop\nlake: lake/\nstate: .weir/state.db\npools: {api: 2}\n";

constexpr char kGoodPipeline[] = R"(pipeline: daily_sales
schedule: "0 6 * * *"
timezone: Europe/Berlin
start_date: 2024-01-01
catchup: false
max_active_runs: 1
tags: [sales, daily]
defaults: {retries: 3, retry_delay: 5m, retry_exponential_backoff: true, timeout: 30m}
tasks:
  - id: extract.api
    kind: shell
    command: echo {{ ds }}
  - id: load
    kind: shell
    command: "true"
    after: [extract]
    retries: 0
    trigger_rule: all_done
)";

ProjectLoad Load(const std::map<std::string, std::string>& files) {
  FakeFilesystem fs;
  for (const auto& [path, text] : files) EXPECT_TRUE(fs.WriteFile("proj/" + path, text).ok());
  return LoadProject("proj", fs);
}

std::vector<std::string> Describe(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

TEST(ProjectLoaderTest, LoadsTypedDefinitionsWithDefaults) {
  ProjectLoad load = Load({{"weir.yml", kProject}, {"pipelines/daily.yml", kGoodPipeline}});
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  EXPECT_EQ(load.project.name, "shop");
  EXPECT_EQ(load.project.pools.at("api"), 2);
  const PipelineDef* p = load.project.FindPipeline("daily_sales");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->file, "pipelines/daily.yml");
  EXPECT_EQ(p->timezone, "Europe/Berlin");
  EXPECT_EQ(p->schedule->value, "0 6 * * *");
  EXPECT_EQ(p->max_active_runs, 1);
  EXPECT_EQ(p->tags, (std::vector<std::string>{"sales", "daily"}));
  ASSERT_EQ(p->tasks.size(), 2u);
  const TaskDef& extract = p->tasks[0];
  EXPECT_EQ(extract.group(), "extract");
  EXPECT_EQ(extract.retry.retries, 3);
  EXPECT_EQ(extract.retry.delay, std::chrono::minutes(5));
  EXPECT_TRUE(extract.retry.exponential_backoff);
  EXPECT_EQ(extract.timeout, std::chrono::minutes(30));
  EXPECT_EQ(extract.param("command")->scalar(), "echo {{ ds }}");
  EXPECT_EQ(extract.param("command")->where().ToString(), "pipelines/daily.yml:12:14");
  const TaskDef& load_task = p->tasks[1];
  EXPECT_EQ(load_task.retry.retries, 0);  // the task's own value beats defaults
  EXPECT_EQ(load_task.trigger_rule, TriggerRule::kAllDone);
  ASSERT_EQ(load_task.after.size(), 1u);
  EXPECT_EQ(load_task.after[0].value, "extract");
  EXPECT_EQ(load_task.after[0].where.ToString(), "pipelines/daily.yml:16:13");
}

TEST(ProjectLoaderTest, ReportsEveryErrorWithItsLocation) {
  constexpr char kBad[] = R"(pipeline: broken
shedule: "0 6 * * *"
schedule: "0 25 * * *"
timezone: Europe/Berlinn
tasks:
  - id: a
    kind: shel
  - id: b
    kind: shell
    command: "true"
    retries: many
    retry_delay: 5x
    comand: typo
  - id: b
    kind: shell
    command: "true"
)";
  ProjectLoad load = Load({{"weir.yml", kProject}, {"pipelines/broken.yml", kBad}});
  EXPECT_EQ(Describe(load), (std::vector<std::string>{
                                "pipelines/broken.yml:2:1 unknown-key",
                                "pipelines/broken.yml:3:14 bad-cron",
                                "pipelines/broken.yml:4:11 bad-timezone",
                                "pipelines/broken.yml:7:11 unknown-task-kind",
                                "pipelines/broken.yml:13:5 unknown-key",
                                "pipelines/broken.yml:11:14 wrong-type",
                                "pipelines/broken.yml:12:18 bad-duration",
                                "pipelines/broken.yml:14:9 duplicate-task",
                            }));
  EXPECT_NE(load.errors[0].message().find("did you mean 'schedule'?"), std::string::npos);
  EXPECT_NE(load.errors[3].message().find("did you mean 'shell'?"), std::string::npos);
  EXPECT_NE(load.errors[4].message().find("did you mean 'command'?"), std::string::npos);
}

TEST(ProjectLoaderTest, DuplicatePipelineNamesAndMissingProject) {
  ProjectLoad load = Load({{"weir.yml", kProject},
                           {"pipelines/a.yml", "pipeline: p\ntasks: []\n"},
                           {"pipelines/b.yml", "pipeline: p\ntasks: []\n"}});
  ASSERT_EQ(Describe(load), std::vector<std::string>{"pipelines/b.yml:1:11 duplicate-pipeline"});
  EXPECT_NE(load.errors[0].message().find("pipelines/a.yml:1:11"), std::string::npos);

  ProjectLoad none = Load({{"pipelines/a.yml", "pipeline: p\n"}});
  ASSERT_EQ(none.errors.size(), 1u);
  EXPECT_EQ(none.errors[0].code(), "no-project");
}

TEST(ProjectLoaderTest, TemplatesAreCheckedWhenTheProjectLoads) {
  constexpr char kPipeline[] = R"(pipeline: p
tasks:
  - id: a
    kind: shell
    command: echo {{ dss }}
  - id: b
    kind: sql
    sql: "SELECT {{ ds "
    inputs: {raw: "raw/{{ params.day }}/x.parquet"}
    to: out.parquet
)";
  ProjectLoad load = Load({{"weir.yml", kProject}, {"pipelines/p.yml", kPipeline}});
  EXPECT_EQ(Describe(load), (std::vector<std::string>{"pipelines/p.yml:5:14 undefined-name",
                                                      "pipelines/p.yml:8:18 template-syntax"}));
  EXPECT_NE(load.errors[0].message().find("did you mean 'ds'?"), std::string::npos) << load.errors[0].message();
}

TEST(ProjectLoaderTest, PoolsMustBeDeclaredAndBigEnough) {
  ProjectLoad load = Load({{"weir.yml", "name: p\npools: {api: 2}\n"},
                           {"pipelines/p.yml", "pipeline: p\ntasks:\n"
                                               "  - {id: a, kind: shell, command: x, pool: apl}\n"
                                               "  - {id: b, kind: shell, command: x, pool: api, pool_slots: 3}\n"
                                               "  - {id: c, kind: shell, command: x, pool: api, priority: 7}\n"}});
  EXPECT_EQ(Describe(load), (std::vector<std::string>{"pipelines/p.yml:3:10 unknown-pool",
                                                      "pipelines/p.yml:4:10 pool-too-small"}));
  EXPECT_NE(load.errors[0].message().find("did you mean 'api'?"), std::string::npos);
  EXPECT_EQ(load.project.pipelines[0].tasks[2].priority, 7);
}

TEST(ProjectLoaderTest, MissingRequiredKeysAndWrongShapes) {
  ProjectLoad load = Load({{"weir.yml", "name: [x]\n"},
                           {"pipelines/a.yml", "pipeline: p\ntasks:\n  - id: t\n    kind: shell\n  - just a string\n"}});
  EXPECT_EQ(Describe(load), (std::vector<std::string>{"weir.yml:1:7 wrong-type", "pipelines/a.yml:3:5 missing-key",
                                                      "pipelines/a.yml:5:5 wrong-type"}));
}

}  // namespace
}  // namespace weir
