// weir.yml's `heartbeat:` and `datasets:` as the loader reads and checks them.
#include <gtest/gtest.h>

#include "config/config.h"

namespace weir {
namespace {

constexpr char kProducer[] = R"(pipeline: producer
tasks:
  - id: load
    kind: shell
    command: "true"
    produces: [analytics.sales]
)";

ProjectLoad Load(const std::string& project) {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", project).ok());
  EXPECT_TRUE(fs.WriteFile("proj/pipelines/producer.yml", kProducer).ok());
  return LoadProject("proj", fs);
}

std::vector<std::string> Describe(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

TEST(ProjectSettingsTest, HeartbeatDefaultsToFiveSecondsAndZombiesAfterThree) {
  ProjectLoad load = Load("name: p\n");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  EXPECT_EQ(load.project.heartbeat.interval, std::chrono::seconds(5));
  EXPECT_EQ(load.project.heartbeat.ZombieAfter(), std::chrono::seconds(15));
  EXPECT_TRUE(load.project.datasets.empty());
}

TEST(ProjectSettingsTest, HeartbeatTakesAnIntervalAndAThreshold) {
  ProjectLoad only_interval = Load("name: p\nheartbeat: {interval: 200ms}\n");
  ASSERT_TRUE(only_interval.ok()) << only_interval.errors[0].ToString();
  EXPECT_EQ(only_interval.project.heartbeat.interval, std::chrono::milliseconds(200));
  EXPECT_EQ(only_interval.project.heartbeat.ZombieAfter(), std::chrono::milliseconds(600));

  ProjectLoad both = Load("name: p\nheartbeat: {interval: 1s, zombie_after: 1m}\n");
  ASSERT_TRUE(both.ok()) << both.errors[0].ToString();
  EXPECT_EQ(both.project.heartbeat.ZombieAfter(), std::chrono::minutes(1));
}

TEST(ProjectSettingsTest, BadHeartbeatsAreErrorsWhereTheyAreWritten) {
  ProjectLoad load = Load("name: p\nheartbeat:\n  interval: 10s\n  zombie_after: 5s\n  every: 1s\n");
  EXPECT_EQ(Describe(load), (std::vector<std::string>{"weir.yml:5:3 unknown-key", "weir.yml:4:17 out-of-range"}));
  ProjectLoad bad_duration = Load("name: p\nheartbeat: {interval: soon}\n");
  EXPECT_EQ(Describe(bad_duration), (std::vector<std::string>{"weir.yml:2:23 bad-duration"}));
}

TEST(ProjectSettingsTest, DatasetsTakeAFreshnessPromiseAndOnStaleActions) {
  ProjectLoad load = Load(R"(name: p
datasets:
  analytics.sales:
    freshness: 1d
    on_stale:
      - shell: "echo {{ dataset }} is stale since {{ ds }} >> stale.log"
      - webhook: "http://hooks/{{ dataset }}"
)");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  ASSERT_EQ(load.project.datasets.size(), 1u);
  const DatasetDef& sales = load.project.datasets.at("analytics.sales");
  EXPECT_EQ(sales.freshness, std::chrono::hours(24));
  EXPECT_EQ(sales.where.ToString(), "weir.yml:3:3");
  ASSERT_EQ(sales.on_stale.size(), 2u);
  EXPECT_EQ(sales.on_stale[0].kind, CallbackAction::Kind::kShell);
  EXPECT_EQ(sales.on_stale[1].kind, CallbackAction::Kind::kWebhook);
  EXPECT_EQ(CallbackEventKey(CallbackEvent::kStale), "on_stale");
}

TEST(ProjectSettingsTest, DatasetErrorsNameFileLineAndColumn) {
  ProjectLoad load = Load(R"(name: p
datasets:
  analytics.sale: {freshness: 1d}
  analytics.sales: {on_stale: {shell: "true"}}
  other: {freshness: 0s, on_stale: {email: ops@example.com}, owner: me}
  typo: {freshness: 1d, on_stale: {shell: "echo {{ datset }}"}}
)");
  EXPECT_EQ(Describe(load), (std::vector<std::string>{
                                "weir.yml:4:20 missing-key",   // analytics.sales: no freshness
                                "weir.yml:5:62 unknown-key",   // owner
                                "weir.yml:5:22 out-of-range",  // 0s
                                "weir.yml:6:43 undefined-name",  // {{ datset }}, at its string
                                "weir.yml:3:3 unknown-dataset",  // nobody produces analytics.sale
                                "weir.yml:6:3 unknown-dataset",
                            }));
  ProjectLoad no_smtp = Load("name: p\ndatasets:\n  analytics.sales: {freshness: 2h, on_stale: {email: a@b.c}}\n");
  EXPECT_EQ(Describe(no_smtp), (std::vector<std::string>{"weir.yml:3:46 no-smtp"}));
}

TEST(ProjectSettingsTest, ConnectionsAreCheckedByType) {
  ProjectLoad load = Load(R"(name: shop
connections:
  files: {type: duckdb, path: data/source.duckdb}
  shop:
    type: postgres
    host: db.internal
    port: "{{ env_var('PG_PORT') }}"
    user: etl
    dbname: shop
    password: "{{ secret('shop') }}"
    sslmode: verify-full
    connect_timeout: "5"
  no_path: {type: duckdb}
  no_type: {host: x}
  mongo: {type: mongodb}
  bad:
    type: postgres
    port: 0
    path: x.duckdb
)");
  EXPECT_EQ(Describe(load), (std::vector<std::string>{
                                "weir.yml:19:5 unknown-key",
                                "weir.yml:18:11 out-of-range",
                                "weir.yml:15:17 bad-value",
                                "weir.yml:13:12 missing-key",
                                "weir.yml:14:12 missing-key",
                            }));
  EXPECT_EQ(load.project.connections.size(), 6u);
}

}  // namespace
}  // namespace weir
