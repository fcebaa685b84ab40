// Snapshots through ParseModels and BuildModels on a real DuckDB file: six
// rounds of a seed that changes between them (updates, inserts, deletes,
// re-inserts, unchanged rows, a rerun with nothing new), snapshotted by the
// timestamp strategy with each hard_deletes mode and by the check strategy
// from YAML, each table compared with its SCD-2 history worked out by hand
// below; and bad snapshot config reported at file:line:col.
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "connectors/connectors.h"
#include "models/models.h"

namespace weir {
namespace {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

class QuietListener final : public ModelBuildListener {
 public:
  void NodeStarted(const ModelNode&, int, int) override {}
  void NodeFinished(const ModelNode& node, const NodeResult& r, int index, int total) override {
    lines.push_back(NodeFinishedLine(node, r, index, total));
  }
  void Message(const std::string&) override {}
  std::vector<std::string> lines;
};

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The snapshot time is local wall time (dbt-duckdb's now()::timestamp):
    // this binary runs in UTC so that the times below are the clock's.
    setenv("TZ", "UTC", 1);
    tzset();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("weir-snapshot-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    for (const char* sub : {"models", "seeds", "snapshots"}) std::filesystem::create_directories(dir_ / sub);
    Write("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n");
    Write("dbt_project.yml", "name: shop\nprofile: shop\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& path, const std::string& text) { std::ofstream(dir_ / path) << text; }

  ModelGraph Parse(std::vector<Status>& errors) {
    Result<DbtProject> project = LoadDbtProject({.project_dir = dir_.string()}, fs_, env_, errors);
    EXPECT_TRUE(project.ok()) << project.status().ToString();
    project_ = std::move(*project);
    return ParseModels(project_, env_, errors);
  }

  // One `weir build` (or `weir snapshot`) of everything; every node must succeed.
  std::vector<NodeResult> Build(ModelCommand command = ModelCommand::kBuild) {
    std::vector<Status> errors;
    graph_ = Parse(errors);
    for (const Status& e : errors) ADD_FAILURE() << e.ToString();
    Result<ModelSelection> selection = SelectModels(graph_, {}, {});
    EXPECT_TRUE(selection.ok());
    ModelBuildOptions options{.command = command, .selected = selection->nodes, .clock = &clock_};
    Result<std::vector<NodeResult>> results = BuildModels(project_, graph_, env_, fs_, options, listener_);
    EXPECT_TRUE(results.ok()) << results.status().ToString();
    for (const NodeResult& r : *results) {
      EXPECT_EQ(r.status, "success") << graph_.nodes[r.node].name << ": " << r.message;
    }
    return *results;
  }

  Rows Query(const std::string& sql) {
    auto db = DuckDbConnection::Open((dir_ / "dev.duckdb").string());
    EXPECT_TRUE(db.ok());
    auto rows = (*db)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->rows : Rows{};
  }

  // The whole snapshot table, one row per version: the key, the name, the
  // source's updated_at, dbt_updated_at, dbt_valid_from, dbt_valid_to
  // (NULL as "-"), dbt_is_deleted where the table has it, and whether
  // dbt_scd_id is md5 of `scd`, a column of `expected_scd` joined in.
  Rows History(const std::string& table, bool deleted_column = false) {
    return Query("SELECT id::VARCHAR, name, updated_at::VARCHAR, dbt_updated_at::VARCHAR, dbt_valid_from::VARCHAR, "
                 "coalesce(dbt_valid_to::VARCHAR, '-')" +
                 std::string(deleted_column ? ", dbt_is_deleted" : "") + " FROM " + table +
                 " ORDER BY id, dbt_valid_from");
  }

  // Every row's dbt_scd_id equals md5 of the text given for its version.
  void ExpectScdIds(const std::string& table, const std::vector<std::string>& inputs) {
    std::string expected;
    for (const std::string& input : inputs) expected += (expected.empty() ? "" : ", ") + std::string("(md5('") + input + "'))";
    Rows missing = Query("SELECT dbt_scd_id FROM " + table + " EXCEPT SELECT * FROM (VALUES " + expected + ")");
    EXPECT_TRUE(missing.empty()) << table << " has " << missing.size() << " dbt_scd_id not among the expected";
    Rows count = Query("SELECT count(DISTINCT dbt_scd_id) = " + std::to_string(inputs.size()) + " FROM " + table);
    EXPECT_EQ(count, (Rows{{"true"}})) << table;
  }

  // Four snapshots of the seed src_orders, and a model on one of them.
  void WriteOrderSnapshots();

  void Round(const std::string& csv) {
    Write("seeds/src_orders.csv", "id,name,updated_at\n" + csv);
    Build();
    clock_.Advance(std::chrono::hours(24));
  }

  std::filesystem::path dir_;
  LocalFilesystem fs_;
  FakeEnvironment env_;
  // T1 = 2024-01-15 12:00:00 UTC; each round is a day later (T2 = 01-16 12:00, ...).
  FakeClock clock_{TimePoint(std::chrono::seconds(1705320000))};
  QuietListener listener_;
  DbtProject project_;
  ModelGraph graph_;
};

// The source rows of the six rounds: (id, name, updated_at). Row 1 never
// changes; 2 is updated in round 2; 3 is deleted in round 2 and comes back
// changed in round 3; 4 is inserted in round 2 and deleted in round 5;
// rounds 4 and 6 repeat the round before.
const char* kRound1 = "1,a,2024-01-15 09:00:00\n2,b,2024-01-15 09:00:00\n3,c,2024-01-15 09:00:00\n";
const char* kRound2 = "1,a,2024-01-15 09:00:00\n2,B,2024-01-16 09:00:00\n4,d,2024-01-16 08:00:00\n";
const char* kRound3 =
    "1,a,2024-01-15 09:00:00\n2,B,2024-01-16 09:00:00\n3,C,2024-01-17 07:00:00\n4,d,2024-01-16 08:00:00\n";
const char* kRound5 = "1,a,2024-01-15 09:00:00\n2,B,2024-01-16 09:00:00\n3,C,2024-01-17 07:00:00\n";

void SnapshotTest::WriteOrderSnapshots() {
  Write("snapshots/orders.sql",
             "{% snapshot orders_ignore %}\n"
             "{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at') }}\n"
             "-- this: {{ this }} incremental: {{ is_incremental() }}\n"
             "select * from {{ ref('src_orders') }}\n"
             "{% endsnapshot %}\n"
             "\n"
             "{% snapshot orders_invalidate %}\n"
             "{{ config(unique_key='id', strategy='timestamp', updated_at='updated_at', target_schema='snapshots',\n"
             "          invalidate_hard_deletes=True, dbt_valid_to_current=\"'9999-12-31'::timestamp\") }}\n"
             "select * from {{ ref('src_orders') }}\n"
             "{% endsnapshot %}\n"
             "\n"
             "{% snapshot orders_new_record %}\n"
             "{{ config(unique_key=['id'], strategy='timestamp', updated_at='updated_at', hard_deletes='new_record') }}\n"
             "select * from {{ ref('src_orders') }}\n"
             "{% endsnapshot %}\n");
  Write("snapshots/check.yml",
             "snapshots:\n"
             "  - name: orders_check\n"
             "    relation: ref('src_orders')\n"
             "    config:\n"
             "      schema: history\n"
             "      unique_key: id\n"
             "      strategy: check\n"
             "      check_cols: [name]\n");
  // A model on a snapshot: built after it.
  Write("models/current_orders.sql",
             "{{ config(materialized='table') }}select id, name from {{ ref('orders_ignore') }} where dbt_valid_to is null");
}

TEST_F(SnapshotTest, SixRoundsGiveTheHistoryOfEachStrategyAndHardDeletesMode) {
  WriteOrderSnapshots();
  Round(kRound1);
  // DAG order: the seed, then the snapshots, the model on one after it.
  ASSERT_EQ(listener_.lines.size(), 6u);
  EXPECT_NE(listener_.lines[0].find("OK loaded seed file main.src_orders"), std::string::npos) << listener_.lines[0];
  EXPECT_NE(listener_.lines[1].find("OK snapshotted main.orders_ignore"), std::string::npos) << listener_.lines[1];
  EXPECT_NE(listener_.lines[1].find("[INSERT 3 in"), std::string::npos) << listener_.lines[1];
  auto model_line = std::find_if(listener_.lines.begin(), listener_.lines.end(),
                                 [](const std::string& line) { return line.find("current_orders") != std::string::npos; });
  EXPECT_GT(model_line - listener_.lines.begin(), 1);
  Round(kRound2);
  Round(kRound3);
  Rows after_round3 = History("main.orders_ignore");
  Round(kRound3);  // round 4: nothing new
  EXPECT_EQ(History("main.orders_ignore"), after_round3);
  Round(kRound5);
  std::vector<NodeResult> round6 = Build(ModelCommand::kSnapshot);  // round 6: the same rows again

  // `weir snapshot` runs the four snapshots only, and with nothing new inserts nothing.
  ASSERT_EQ(round6.size(), 4u);
  for (const NodeResult& r : round6) {
    EXPECT_EQ(graph_.nodes[r.node].kind, ModelNodeKind::kSnapshot);
    EXPECT_EQ(r.message, "INSERT 0") << graph_.nodes[r.node].name;
  }
  // this is the snapshot's table; is_incremental() is false in a snapshot,
  // on later runs too.
  EXPECT_NE(round6[0].compiled_sql.find("-- this: \"dev\".\"main\".\"orders_ignore\" incremental: False"),
            std::string::npos)
      << round6[0].compiled_sql;

  // ignore: 3's row stays current while 3 is away, and is closed at the
  // re-inserted row's updated_at; 4's deletion is not recorded.
  EXPECT_EQ(History("main.orders_ignore"),
            (Rows{{"1", "a", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "-"},
                  {"2", "b", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-16 09:00:00"},
                  {"2", "B", "2024-01-16 09:00:00", "2024-01-16 09:00:00", "2024-01-16 09:00:00", "-"},
                  {"3", "c", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-17 07:00:00"},
                  {"3", "C", "2024-01-17 07:00:00", "2024-01-17 07:00:00", "2024-01-17 07:00:00", "-"},
                  {"4", "d", "2024-01-16 08:00:00", "2024-01-16 08:00:00", "2024-01-16 08:00:00", "-"}}));
  // timestamp: dbt_scd_id is md5('<id>|<updated_at>').
  ExpectScdIds("main.orders_ignore", {"1|2024-01-15 09:00:00", "2|2024-01-15 09:00:00", "2|2024-01-16 09:00:00",
                                      "3|2024-01-15 09:00:00", "3|2024-01-17 07:00:00", "4|2024-01-16 08:00:00"});

  // invalidate (the older invalidate_hard_deletes), in target_schema
  // 'snapshots' as written, current rows valid to dbt_valid_to_current:
  // 3 is closed at T2 (the round it went away) and comes back as a new
  // row; 4 is closed at T5; round 6 closes nothing more.
  EXPECT_EQ(History("snapshots.orders_invalidate"),
            (Rows{{"1", "a", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "9999-12-31 00:00:00"},
                  {"2", "b", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-16 09:00:00"},
                  {"2", "B", "2024-01-16 09:00:00", "2024-01-16 09:00:00", "2024-01-16 09:00:00", "9999-12-31 00:00:00"},
                  {"3", "c", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-16 12:00:00"},
                  {"3", "C", "2024-01-17 07:00:00", "2024-01-17 07:00:00", "2024-01-17 07:00:00", "9999-12-31 00:00:00"},
                  {"4", "d", "2024-01-16 08:00:00", "2024-01-16 08:00:00", "2024-01-16 08:00:00", "2024-01-19 12:00:00"}}));

  // new_record: a deleted row is closed at the snapshot time and a copy of
  // it, dbt_is_deleted 'True', is current from then; when 3 comes back its
  // deletion record is closed at the new row's updated_at. A row deleted
  // twice in a row (4, rounds 5 and 6) gets one deletion record.
  EXPECT_EQ(History("main.orders_new_record", true),
            (Rows{{"1", "a", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "-", "False"},
                  {"2", "b", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-16 09:00:00",
                   "False"},
                  {"2", "B", "2024-01-16 09:00:00", "2024-01-16 09:00:00", "2024-01-16 09:00:00", "-", "False"},
                  {"3", "c", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-15 09:00:00", "2024-01-16 12:00:00",
                   "False"},
                  {"3", "c", "2024-01-15 09:00:00", "2024-01-16 12:00:00", "2024-01-16 12:00:00", "2024-01-17 07:00:00",
                   "True"},
                  {"3", "C", "2024-01-17 07:00:00", "2024-01-17 07:00:00", "2024-01-17 07:00:00", "-", "False"},
                  {"4", "d", "2024-01-16 08:00:00", "2024-01-16 08:00:00", "2024-01-16 08:00:00", "2024-01-19 12:00:00",
                   "False"},
                  {"4", "d", "2024-01-16 08:00:00", "2024-01-19 12:00:00", "2024-01-19 12:00:00", "-", "True"}}));
  // A deletion record's dbt_scd_id is md5 of the deleted version's and the snapshot time.
  ExpectScdIds("main.orders_new_record",
               {"1|2024-01-15 09:00:00", "2|2024-01-15 09:00:00", "2|2024-01-16 09:00:00", "3|2024-01-15 09:00:00",
                "3|2024-01-17 07:00:00", "4|2024-01-16 08:00:00",
                "' || md5('3|2024-01-15 09:00:00') || '|2024-01-16 12:00:00",
                "' || md5('4|2024-01-16 08:00:00') || '|2024-01-19 12:00:00"});

  // check on name (YAML, schema 'history' after the target's): versions
  // start at the snapshot time; 2's new updated_at alone would not count,
  // its new name does; deletions are ignored.
  EXPECT_EQ(History("main_history.orders_check"),
            (Rows{{"1", "a", "2024-01-15 09:00:00", "2024-01-15 12:00:00", "2024-01-15 12:00:00", "-"},
                  {"2", "b", "2024-01-15 09:00:00", "2024-01-15 12:00:00", "2024-01-15 12:00:00", "2024-01-16 12:00:00"},
                  {"2", "B", "2024-01-16 09:00:00", "2024-01-16 12:00:00", "2024-01-16 12:00:00", "-"},
                  {"3", "c", "2024-01-15 09:00:00", "2024-01-15 12:00:00", "2024-01-15 12:00:00", "2024-01-17 12:00:00"},
                  {"3", "C", "2024-01-17 07:00:00", "2024-01-17 12:00:00", "2024-01-17 12:00:00", "-"},
                  {"4", "d", "2024-01-16 08:00:00", "2024-01-16 12:00:00", "2024-01-16 12:00:00", "-"}}));
  // check: dbt_scd_id is md5('<id>|<snapshot time>').
  ExpectScdIds("main_history.orders_check", {"1|2024-01-15 12:00:00", "2|2024-01-15 12:00:00", "2|2024-01-16 12:00:00",
                                             "3|2024-01-15 12:00:00", "3|2024-01-17 12:00:00", "4|2024-01-16 12:00:00"});

  // The model on the snapshot sees its current rows.
  EXPECT_EQ(Query("SELECT id, name FROM current_orders ORDER BY id"),
            (Rows{{"1", "a"}, {"2", "B"}, {"3", "C"}, {"4", "d"}}));
}

TEST_F(SnapshotTest, CheckAllSeesEveryColumnAndANewColumnMakesNewVersions) {
  Write("snapshots/all.sql",
        "{% snapshot orders_all %}{{ config(unique_key='id', strategy='check', check_cols='all') }}\n"
        "select * from {{ ref('src_orders') }}{% endsnapshot %}");
  Round("1,a,2024-01-15 09:00:00\n2,b,2024-01-15 09:00:00\n");
  Round("1,a,2024-01-15 09:00:00\n2,b,2024-01-15 10:00:00\n");  // T2: 2's updated_at alone changed
  Write("seeds/src_orders.csv", "id,name,updated_at,size\n1,a,2024-01-15 09:00:00,7\n2,b,2024-01-15 10:00:00,8\n");
  Build();  // T3: a new column: dbt makes a new version of every row, and adds the column
  EXPECT_EQ(Query("SELECT id, name, updated_at::VARCHAR, size, dbt_valid_from::VARCHAR, "
                  "coalesce(dbt_valid_to::VARCHAR, '-') FROM orders_all ORDER BY id, dbt_valid_from"),
            (Rows{{"1", "a", "2024-01-15 09:00:00", std::nullopt, "2024-01-15 12:00:00", "2024-01-17 12:00:00"},
                  {"1", "a", "2024-01-15 09:00:00", "7", "2024-01-17 12:00:00", "-"},
                  {"2", "b", "2024-01-15 09:00:00", std::nullopt, "2024-01-15 12:00:00", "2024-01-16 12:00:00"},
                  {"2", "b", "2024-01-15 10:00:00", std::nullopt, "2024-01-16 12:00:00", "2024-01-17 12:00:00"},
                  {"2", "b", "2024-01-15 10:00:00", "8", "2024-01-17 12:00:00", "-"}}));
}

TEST_F(SnapshotTest, CompositeKeysAndAFailedRunLeavesTheTableAsItWas) {
  Write("snapshots/lines.sql",
        "{% snapshot lines %}{{ config(unique_key=['order_id', 'line'], strategy='timestamp', "
        "updated_at='changed', hard_deletes='invalidate') }}\n"
        "select * from {{ ref('src_lines') }}{% endsnapshot %}");
  Write("seeds/src_lines.csv", "order_id,line,qty,changed\n1,1,5,2024-01-01\n1,2,6,2024-01-01\n2,1,7,2024-01-01\n");
  Build();
  clock_.Advance(std::chrono::hours(24));
  // (1, 2) changes, (2, 1) goes away; (1, 1) stays.
  Write("seeds/src_lines.csv", "order_id,line,qty,changed\n1,1,5,2024-01-01\n1,2,9,2024-01-02\n");
  Build();
  Rows expected{{"1", "1", "5", "2024-01-01", "-"},
                {"1", "2", "6", "2024-01-01", "2024-01-02"},
                {"1", "2", "9", "2024-01-02", "-"},
                {"2", "1", "7", "2024-01-01", "2024-01-16"}};
  std::string history = "SELECT order_id, line, qty, dbt_valid_from::DATE::VARCHAR, "
                        "coalesce(dbt_valid_to::DATE::VARCHAR, '-') FROM lines ORDER BY order_id, line, dbt_valid_from";
  EXPECT_EQ(Query(history), expected);

  // A query that fails at run time changes nothing.
  Write("snapshots/lines.sql",
        "{% snapshot lines %}{{ config(unique_key=['order_id', 'line'], strategy='timestamp', "
        "updated_at='changed', hard_deletes='invalidate') }}\n"
        "select *, error('broken source') AS oops from {{ ref('src_lines') }}{% endsnapshot %}");
  std::vector<Status> errors;
  graph_ = Parse(errors);
  ASSERT_TRUE(errors.empty()) << errors[0].ToString();
  Result<ModelSelection> selection = SelectModels(graph_, {"lines"}, {});
  ASSERT_TRUE(selection.ok());
  ModelBuildOptions options{.command = ModelCommand::kSnapshot, .selected = selection->nodes, .clock = &clock_};
  Result<std::vector<NodeResult>> results = BuildModels(project_, graph_, env_, fs_, options, listener_);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].status, "error");
  EXPECT_NE((*results)[0].message.find("broken source"), std::string::npos) << (*results)[0].message;
  EXPECT_NE(listener_.lines.back().find("ERROR snapshotting main.lines"), std::string::npos) << listener_.lines.back();
  EXPECT_EQ(Query(history), expected);
}

// Each bad config is one error with its code and where it is written.
TEST_F(SnapshotTest, BadConfigIsReportedWhereItIsWritten) {
  Write("snapshots/bad.sql",
        "-- three snapshots, each with one mistake\n"
        "{% snapshot no_key %}\n"
        "{{ config(strategy='timestamp', updated_at='u') }}\n"
        "select 1 as id, now() as u\n"
        "{% endsnapshot %}\n"
        "  {% snapshot typo %}{{ config(unique_key='id',\n"
        "    strategy = 'timestmp') }}select 1 as id{% endsnapshot %}\n"
        "{% snapshot no_updated_at %}{{ config(unique_key='id', strategy='timestamp') }}select 1 as id"
        "{% endsnapshot %}\n");
  Write("snapshots/bad.yml",
        "snapshots:\n"
        "  - name: no_check_cols\n"
        "    relation: ref('base')\n"
        "    config:\n"
        "      unique_key: id\n"
        "      strategy: check\n"
        "  - name: bad_deletes\n"
        "    relation: ref('base')\n"
        "    config: {unique_key: id, strategy: check, check_cols: all, hard_deletes: remove}\n"
        "  - name: missing_ref\n"
        "    relation: ref('nowhere')\n"
        "    config: {unique_key: id, strategy: check, check_cols: all}\n"
        "  - name: no_strategy\n"
        "    relation: source('raw', 'orders')\n"
        "    config:\n"
        "      unique_key: id\n");
  Write("models/base.sql", "select 1 as id");
  std::vector<Status> errors;
  ModelGraph graph = Parse(errors);
  std::vector<std::string> got;
  for (const Status& e : errors) got.push_back(e.where().ToString() + " " + e.code());
  EXPECT_EQ(got, (std::vector<std::string>{
                     "snapshots/bad.yml:11:15 ref-not-found",        // the ref in `relation:`
                     "snapshots/bad.yml:14:15 source-not-found",     // so is a missing source
                     "snapshots/bad.sql:2:1 missing-unique-key",     // the {% snapshot %} tag
                     "snapshots/bad.sql:7:16 snapshot-strategy",     // 'timestmp'
                     "snapshots/bad.sql:8:65 snapshot-config",       // timestamp without updated_at: at strategy
                     "snapshots/bad.yml:6:17 snapshot-config",       // check without check_cols: at strategy
                     "snapshots/bad.yml:9:78 snapshot-config",       // hard_deletes: remove
                 }));
  for (const Status& e : errors) {
    if (e.code() == "snapshot-strategy") EXPECT_NE(e.message().find("did you mean 'timestamp'"), std::string::npos);
  }
  EXPECT_EQ(graph.Find("snapshot.shop.typo"), -1);  // bad snapshots leave the graph
  EXPECT_NE(graph.Find("model.shop.base"), -1);
}

}  // namespace
}  // namespace weir
