// Dynamic task mapping in the task kinds: reading a mapped task's items
// (a list, a warehouse query, an upstream output), what each instance's
// templates see, outputs['mapped'] as a list, and caching per item.
#include <gtest/gtest.h>

#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

class MapItemsTest : public TaskTestBase {
 protected:
  MapItemsTest() : TaskTestBase("shell", "per_region", "tok-0a1b2c3d") {}

  // A task of this suite mapped over the YAML `map_over` value.
  TaskDef Mapped(const std::string& map_over, const std::string& command = "true") {
    YamlDocument doc = ParseYaml("map_over: " + map_over + "\n", "p.yml");
    EXPECT_TRUE(doc.errors.empty()) << (doc.errors.empty() ? "" : doc.errors[0].ToString());
    TaskDef t = Task("command: \"" + command + "\"");
    const ConfigNode& node = *doc.root.Find("map_over");
    MapOver map;
    map.where = node.where();
    if (node.is_sequence()) {
      map.list = node;
    } else if (const ConfigNode* sql = node.Find("sql")) {
      map.source = MapOver::Source::kSql;
      map.sql = *sql;
    } else {
      map.source = MapOver::Source::kOutput;
      map.output = {node.Find("output")->scalar(), node.Find("output")->where()};
      if (const ConfigNode* field = node.Find("field")) map.field = field->scalar();
    }
    t.map_over = map;
    return t;
  }

  Result<std::vector<std::string>> Items(const TaskDef& task) {
    auto factory = NewTaskRunnerFactory(services_);
    auto source = factory->MapItemsFor(task);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    if (!source.ok()) return source.status();
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, log_path(), TimePoint::max(), cancel_, store_.get()};
    return (*source)->Items(ctx);
  }

  // Runs `task`, as instance `index` with `item` when there is an index.
  Result<std::string> RunWith(const TaskDef& task, std::optional<int> index, const std::string& item) {
    auto factory = NewTaskRunnerFactory(services_);
    auto runner = factory->RunnerFor(task);
    if (!runner.ok()) return runner.status();
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, log_path(), TimePoint::max(), cancel_, store_.get()};
    ctx.map_index = index;
    ctx.map_item_json = item;
    return (*runner)->Run(ctx);
  }

  void Warehouse(const std::string& sql) {
    auto db = duckdb_.Connect(root_ + "/warehouse.duckdb");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Execute(sql).ok());
  }

  // This run, with task `id` recorded as succeeded with `output`.
  void Recorded(const std::vector<std::pair<std::string, std::string>>& outputs) {
    NewRun n{"p", "2024-03-05", "2024-03-05T00:00:00+00:00", "", TimePoint(), {}};
    for (const auto& [id, output] : outputs) n.task_ids.push_back(id);
    n.task_ids.push_back(task_id_);
    Result<RunRecord> run = store_->CreateRun(n);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    run_ = *run;
    for (const auto& [id, output] : outputs) Succeed(id, output);
  }

  void Succeed(const std::string& id, const std::string& output) {
    Result<AttemptRecord> a = store_->StartAttempt(run_.id, id, TimePoint(), "");
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(store_->FinishAttempt(a->id, AttemptEnd{AttemptState::kSuccess, TimePoint(), "", "", output,
                                                        TaskState::kSuccess}).ok());
  }

  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
};

TEST_F(MapItemsTest, AListKeepsItsItemsAsWrittenAndTheirTypes) {
  Result<std::vector<std::string>> items = Items(Mapped(R"([eu, "7", 7, true, {name: us, rank: 2}, [a], ~])"));
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ(*items, (std::vector<std::string>{R"("eu")", R"("7")", "7", "true", R"({"name":"us","rank":2})",
                                              R"(["a"])", "null"}));
}

TEST_F(MapItemsTest, AQueryGivesAnItemPerRow) {
  Warehouse("CREATE TABLE regions (name VARCHAR, rank INTEGER, active BOOLEAN, share DOUBLE); "
            "INSERT INTO regions VALUES ('eu', 1, true, 0.5), ('us', 2, false, NULL), ('apac', 3, true, 'inf')");
  Result<std::vector<std::string>> one =
      Items(Mapped(R"({sql: "SELECT name FROM regions WHERE name <> '{{ ds }}' ORDER BY rank"})"));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, (std::vector<std::string>{R"("eu")", R"("us")", R"("apac")"}));
  Result<std::vector<std::string>> rows = Items(Mapped(R"({sql: "SELECT * FROM regions ORDER BY rank"})"));
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<std::string>{R"({"name":"eu","rank":1,"active":true,"share":0.5})",
                                             R"({"name":"us","rank":2,"active":false,"share":null})",
                                             R"({"name":"apac","rank":3,"active":true,"share":"inf"})"}));
  Result<std::vector<std::string>> none = Items(Mapped(R"({sql: "SELECT name FROM regions WHERE false"})"));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_EQ(Items(Mapped(R"({sql: "SELECT nope FROM regions"})")).status().kind(), ErrorKind::kUser);
}

TEST_F(MapItemsTest, AnUpstreamOutputListIsReadAtItsField) {
  Recorded({{"files", R"({"matched": 2, "paths": ["in/a.csv", "in/b.csv"], "meta": {"ids": [1, 2, 3]}})"},
            {"plain", R"([{"id": 1}, {"id": 2}])"}});
  Result<std::vector<std::string>> paths = Items(Mapped("{output: files, field: paths}"));
  ASSERT_TRUE(paths.ok()) << paths.status().ToString();
  EXPECT_EQ(*paths, (std::vector<std::string>{R"("in/a.csv")", R"("in/b.csv")"}));
  EXPECT_EQ(*Items(Mapped("{output: files, field: meta.ids}")), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(*Items(Mapped("{output: plain}")), (std::vector<std::string>{R"({"id":1})", R"({"id":2})"}));
  for (const char* not_a_list : {"{output: files}", "{output: files, field: matched}", "{output: files, field: nope}",
                                 "{output: per_region}"}) {
    Result<std::vector<std::string>> items = Items(Mapped(not_a_list));
    EXPECT_EQ(items.status().code(), "map-over-not-list") << not_a_list;
    EXPECT_EQ(items.status().where().line, 1) << not_a_list;  // at the `output:` value
  }
}

TEST_F(MapItemsTest, AMappedUpstreamOutputIsTheListOfItsInstancesOutputs) {
  Recorded({{"fetch", ""}});
  ASSERT_TRUE(store_->ExpandTask(run_.id, "fetch", {R"("a")", R"("b")", R"("c")"}).ok());
  Succeed("fetch[2]", R"({"rows": 30})");
  Succeed("fetch[0]", R"({"rows": 10})");
  // fetch[1] recorded no output (skipped): null keeps the others at their index.
  Result<std::vector<std::string>> items = Items(Mapped("{output: fetch}"));
  ASSERT_TRUE(items.ok()) << items.status().ToString();
  EXPECT_EQ(*items, (std::vector<std::string>{R"({"rows":10})", "null", R"({"rows":30})"}));
  // Templates see the same list, and each instance's output by its id.
  TaskDef report = Task(R"(command: "echo {{ outputs['fetch'] | length }} {{ outputs['fetch'][0].rows }} )"
                        R"({{ outputs['fetch'][2].rows }} {{ outputs['fetch[2]'].rows }} > report.txt")");
  report.params.emplace("cwd", ConfigNode::Scalar(root_, true, {}));
  Result<std::string> ran = RunWith(report, std::nullopt, "");
  ASSERT_TRUE(ran.ok()) << ran.status().ToString();
  EXPECT_EQ(Slurp(root_ + "/report.txt"), "3 10 30 30\n");
}

TEST_F(MapItemsTest, InstancesSeeTheirItemAndIndex) {
  TaskDef t = Mapped("[eu]", "echo {{ task_id }} {{ map_index }} {{ item.name }} {{ item.rank + 1 }} >> items.txt");
  t.params.emplace("cwd", ConfigNode::Scalar(root_, true, {}));
  ASSERT_TRUE(RunWith(t, 3, R"({"name": "eu", "rank": 1})").ok());
  ASSERT_TRUE(RunWith(t, 4, R"({"name": "us", "rank": 2})").ok());
  EXPECT_EQ(Slurp(root_ + "/items.txt"), "per_region 3 eu 2\nper_region 4 us 3\n");
}

// With `cache:`, instances share the task's key and are told apart by their
// item: the same item reuses its result at any index, another item does not.
TEST_F(MapItemsTest, CachedInstancesAreKeyedByTheirItem) {
  Recorded({});
  TaskDef t = Mapped("[a, b]", "echo {{ item }} >> calls.txt");
  t.params.emplace("cwd", ConfigNode::Scalar(root_, true, {}));
  t.cache = TaskDef::Cache{ConfigNode::Scalar("{{ ds }}", false, {}), std::nullopt};
  bool hit = false;
  auto run = [&](int index, const std::string& item) {
    auto factory = NewTaskRunnerFactory(services_);
    auto runner = factory->RunnerFor(t);
    TaskContext ctx{project_, pipeline_, t, run_, interval_, 1, log_path(), TimePoint::max(), cancel_, store_.get()};
    ctx.map_index = index;
    ctx.map_item_json = item;
    hit = false;
    ctx.cache_hit = &hit;
    ASSERT_TRUE((*runner)->Run(ctx).ok());
  };
  run(0, R"("a")");
  EXPECT_FALSE(hit);
  run(1, R"("b")");
  EXPECT_FALSE(hit);
  run(5, R"("a")");
  EXPECT_TRUE(hit);
  EXPECT_EQ(Slurp(root_ + "/calls.txt"), "a\nb\n");
}

}  // namespace
}  // namespace weir
