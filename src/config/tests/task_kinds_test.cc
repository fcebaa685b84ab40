#include <gtest/gtest.h>

#include "config/config.h"
#include "config/tests/load_support.h"

namespace weir {
namespace {

using config_testing::Described;
using config_testing::LoadPipeline;

TEST(TaskKindsTest, SensorWaitHasAirflowsDefaultsAndItsOwnTimeout) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
defaults: {timeout: 30m}
tasks:
  - id: plain
    kind: sensor
    sensor: file
    path: "raw/ds={{ ds }}/*.parquet"
  - id: tuned
    kind: sensor
    sensor: external_task
    pipeline: other
    task: publish
    delta: -1d
    failed_states: [failed, upstream_failed]
    poke_interval: 5s
    timeout: 2h
    soft_fail: true
    mode: reschedule
)");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  const TaskDef& plain = load.project.pipelines[0].tasks[0];
  ASSERT_TRUE(plain.sensor.has_value());
  EXPECT_EQ(plain.sensor->poke_interval, std::chrono::seconds(60));
  EXPECT_EQ(plain.sensor->timeout, std::chrono::hours(24 * 7));  // defaults' timeout bounds each poke only
  EXPECT_EQ(plain.timeout, std::chrono::minutes(30));
  EXPECT_FALSE(plain.sensor->soft_fail);
  const TaskDef& tuned = load.project.pipelines[0].tasks[1];
  EXPECT_EQ(tuned.sensor->poke_interval, std::chrono::seconds(5));
  EXPECT_EQ(tuned.sensor->timeout, std::chrono::hours(2));
  EXPECT_TRUE(tuned.sensor->soft_fail);
  EXPECT_EQ(tuned.param("task")->scalar(), "publish");
}

TEST(TaskKindsTest, OtherKindsHaveNoSensorWait) {
  ProjectLoad load = LoadPipeline("pipeline: p\ntasks:\n  - {id: a, kind: shell, command: x}\n");
  ASSERT_TRUE(load.ok());
  EXPECT_FALSE(load.project.pipelines[0].tasks[0].sensor.has_value());
}

TEST(TaskKindsTest, SensorMistakesAreReportedWhereTheyAre) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - id: typo
    kind: sensor
    sensor: files
    path: x
  - id: wrong_keys
    kind: sensor
    sensor: file
    url: http://example.com
    mode: poke
  - id: bad_wait
    kind: sensor
    sensor: sql
    sql: SELECT true
    poke_interval: 500ms
    soft_fail: maybe
  - id: bad_external
    kind: sensor
    sensor: external_task
    pipeline: other
    delta: -1x
    failed_states: [faild]
  - id: bad_template
    kind: sensor
    sensor: http
    url: "http://x/{{ dss }}"
  - id: no_type
    kind: sensor
    pth: x
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                "pipelines/p.yml:5:13 unknown-sensor",
                                "pipelines/p.yml:11:11 bad-value",
                                "pipelines/p.yml:10:5 unknown-key",
                                "pipelines/p.yml:7:5 missing-key",
                                "pipelines/p.yml:16:20 out-of-range",
                                "pipelines/p.yml:17:16 wrong-type",
                                "pipelines/p.yml:18:5 missing-key",
                                "pipelines/p.yml:22:12 bad-duration",
                                "pipelines/p.yml:23:20 bad-value",
                                "pipelines/p.yml:27:10 undefined-name",
                                "pipelines/p.yml:30:5 unknown-key",
                                "pipelines/p.yml:28:5 missing-key",
                            }));
  EXPECT_NE(load.errors[0].message().find("did you mean 'file'?"), std::string::npos) << load.errors[0].message();
  EXPECT_NE(load.errors[1].message().find("'reschedule'"), std::string::npos) << load.errors[1].message();
  EXPECT_NE(load.errors[2].message().find("does not apply to a file sensor"), std::string::npos);
  EXPECT_NE(load.errors[3].message().find("'path'"), std::string::npos) << load.errors[3].message();
  EXPECT_NE(load.errors[6].message().find("'task'"), std::string::npos) << load.errors[6].message();
  EXPECT_NE(load.errors[8].message().find("did you mean 'failed'?"), std::string::npos);
}

TEST(TaskKindsTest, IncrementalExtractsAreCheckedWhereTheyAreWritten) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - id: good
    kind: extract
    connection: shop
    sql: SELECT 1
    to: a.parquet
    incremental: {cursor: updated_at, initial: "2024-01-01", overlap: 1h}
  - id: no_cursor
    kind: extract
    connection: shop
    sql: SELECT 1
    to: a.parquet
    incremental: {initial: "2024-01-01", overlapp: 1h}
  - id: not_a_mapping
    kind: extract
    connection: shop
    sql: SELECT 1
    to: a.parquet
    incremental: updated_at
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                "pipelines/p.yml:14:42 unknown-key",
                                "pipelines/p.yml:14:18 missing-key",
                                "pipelines/p.yml:20:18 wrong-type",
                            }));
}

}  // namespace
}  // namespace weir
