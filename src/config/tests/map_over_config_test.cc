// `map_over:` and `max_map_parallelism:` (dynamic task mapping) as the
// loader reads and checks them.
#include <gtest/gtest.h>

#include "config/config.h"

namespace weir {
namespace {

ProjectLoad Load(const std::string& pipeline) {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", "name: p\n").ok());
  EXPECT_TRUE(fs.WriteFile("proj/pipelines/p.yml", pipeline).ok());
  return LoadProject("proj", fs);
}

std::vector<std::string> Describe(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

TEST(MapOverConfigTest, ReadsTheThreeSources) {
  constexpr char kPipeline[] = R"(pipeline: p
tasks:
  - id: files
    kind: sensor
    sensor: file
    path: "in/*.csv"
  - id: regions
    kind: shell
    map_over: [eu, {name: us, rank: 2}]
    max_map_parallelism: 2
    command: "echo {{ item }} {{ map_index }}"
  - id: per_row
    kind: shell
    map_over: {sql: "SELECT region FROM regions WHERE ds = '{{ ds }}'"}
    command: "echo {{ item }}"
  - id: group.per_file
    kind: noop
    after: files
    map_over: {output: files, field: paths}
  - id: later
    kind: noop
    after: group
    map_over: {output: files}
)";
  ProjectLoad load = Load(kPipeline);
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  const PipelineDef& p = load.project.pipelines[0];
  EXPECT_FALSE(p.tasks[0].map_over);
  const TaskDef& regions = p.tasks[1];
  ASSERT_TRUE(regions.map_over);
  EXPECT_EQ(regions.map_over->source, MapOver::Source::kList);
  ASSERT_EQ(regions.map_over->list.items().size(), 2u);
  EXPECT_EQ(regions.map_over->list.items()[1].Find("name")->scalar(), "us");
  EXPECT_EQ(regions.map_over->where.ToString(), "pipelines/p.yml:9:15");
  EXPECT_EQ(regions.max_map_parallelism, 2);
  EXPECT_EQ(regions.params.count("map_over"), 0u);  // a common key, not the kind's
  const TaskDef& per_row = p.tasks[2];
  EXPECT_EQ(per_row.map_over->source, MapOver::Source::kSql);
  EXPECT_EQ(per_row.map_over->sql.scalar(), "SELECT region FROM regions WHERE ds = '{{ ds }}'");
  EXPECT_EQ(per_row.max_map_parallelism, 0);
  const TaskDef& per_file = p.tasks[3];
  EXPECT_EQ(per_file.map_over->source, MapOver::Source::kOutput);
  EXPECT_EQ(per_file.map_over->output.value, "files");
  EXPECT_EQ(per_file.map_over->field, "paths");
  EXPECT_EQ(p.tasks[4].map_over->output.value, "files");  // upstream through the group
  EXPECT_EQ(p.tasks[4].map_over->field, "");
}

TEST(MapOverConfigTest, AnEmptyListIsAMappedTaskWithNoItems) {
  ProjectLoad load = Load("pipeline: p\ntasks:\n  - {id: none, kind: noop, map_over: []}\n");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  ASSERT_TRUE(load.project.pipelines[0].tasks[0].map_over);
  EXPECT_TRUE(load.project.pipelines[0].tasks[0].map_over->list.items().empty());
}

TEST(MapOverConfigTest, ItemIsANameOfMappedTasksOnly) {
  constexpr char kPipeline[] = R"(pipeline: p
tasks:
  - id: mapped
    kind: shell
    map_over: [a]
    command: "echo {{ item }} {{ map_index }}"
  - id: plain
    kind: shell
    command: "echo {{ item }}"
  - id: unused
    kind: shell
    map_over: [a, b]
    command: "echo same for every item"
  - id: query
    kind: shell
    map_over: {sql: "SELECT '{{ item }}'"}
    command: "true"
)";
  EXPECT_EQ(Describe(Load(kPipeline)),
            (std::vector<std::string>{"pipelines/p.yml:9:14 undefined-name", "pipelines/p.yml:16:21 undefined-name"}));
}

TEST(MapOverConfigTest, BadShapesAreErrorsWithTheirLocation) {
  constexpr char kPipeline[] = R"(pipeline: p
tasks:
  - id: scalar
    kind: noop
    map_over: eu
  - id: both
    kind: noop
    map_over: {sql: "SELECT 1", output: scalar}
  - id: neither
    kind: noop
    map_over: {query: "SELECT 1"}
  - id: extra
    kind: noop
    map_over: {sql: "SELECT 1", field: x}
  - id: not_a_string
    kind: noop
    map_over: {sql: [a]}
  - id: cap_alone
    kind: noop
    max_map_parallelism: 2
  - id: cap_zero
    kind: noop
    map_over: [a]
    max_map_parallelism: 0
  - id: "bad[1]"
    kind: noop
)";
  EXPECT_EQ(Describe(Load(kPipeline)), (std::vector<std::string>{
                                           "pipelines/p.yml:5:15 wrong-type",
                                           "pipelines/p.yml:8:15 bad-map-over",
                                           "pipelines/p.yml:11:15 bad-map-over",
                                           "pipelines/p.yml:14:33 unknown-key",
                                           "pipelines/p.yml:17:21 wrong-type",
                                           "pipelines/p.yml:20:26 bad-map-over",
                                           "pipelines/p.yml:24:26 out-of-range",
                                           "pipelines/p.yml:25:9 bad-task-id",
                                       }));
}

TEST(MapOverConfigTest, OutputMustNameAnUpstreamTask) {
  constexpr char kPipeline[] = R"(pipeline: p
tasks:
  - {id: list, kind: noop}
  - {id: side, kind: noop}
  - id: direct
    kind: noop
    after: list
    map_over: {output: list}
  - id: further
    kind: noop
    after: direct
    map_over: {output: list}
  - id: sibling
    kind: noop
    after: list
    map_over: {output: side}
  - id: typo
    kind: noop
    after: list
    map_over: {output: lst}
  - id: self
    kind: noop
    map_over: {output: self}
)";
  ProjectLoad load = Load(kPipeline);
  EXPECT_EQ(Describe(load), (std::vector<std::string>{"pipelines/p.yml:16:24 map-over-not-upstream",
                                                      "pipelines/p.yml:20:24 map-over-not-upstream",
                                                      "pipelines/p.yml:23:24 map-over-not-upstream"}));
  ASSERT_EQ(load.errors.size(), 3u);
  EXPECT_NE(load.errors[0].message().find("add it to 'after'"), std::string::npos) << load.errors[0].message();
  EXPECT_NE(load.errors[1].message().find("did you mean 'list'"), std::string::npos) << load.errors[1].message();
}

}  // namespace
}  // namespace weir
