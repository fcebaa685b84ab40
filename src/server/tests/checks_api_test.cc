// /api/v1/checks and a check's history, over results recorded in the
// store as check tasks record them.
#include "server/tests/api_test_support.h"

namespace weir::server_test {
namespace {

using nlohmann::json;

// `quality`: one check task with three checks; their derived names are
// "row_count", "not_null(order_id)" and "expression(amount > 0)".
constexpr const char* kQualityYaml = R"(pipeline: quality
tasks:
  - id: check_sales
    kind: check
    table: analytics.sales
    checks:
      - row_count: {min: 1}
      - not_null: order_id
      - expression: amount > 0
)";
constexpr const char* kSuite = "quality.check_sales";

class ChecksApiTest : public ApiTest {
 protected:
  void AddProjectFiles(FakeFilesystem& fs) override {
    ASSERT_TRUE(fs.WriteFile("proj/pipelines/quality.yml", kQualityYaml).ok());
  }

  // One result of `check` for the interval starting on `day` (March 2024).
  void Record(const std::string& check, const std::string& status, std::optional<double> observed, int day,
              const std::string& message = "") {
    CheckResultRecord record;
    record.suite = kSuite;
    record.check = check;
    record.status = status;
    record.observed = observed;
    record.interval_start = "2024-03-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "T00:00:00Z";
    record.run_id = RunId{day};
    record.message = message;
    record.recorded_at = clock_.Now();
    clock_.Advance(std::chrono::minutes(1));
    ASSERT_TRUE(store_->RecordCheckResults({record}).ok());
  }

  const json* Find(const json& checks, const std::string& name) {
    for (const json& c : checks) {
      if (c["check"] == name) return &c;
    }
    ADD_FAILURE() << "no check " << name << " in " << checks.dump();
    return nullptr;
  }
};

TEST_F(ChecksApiTest, LatestResultOfEveryCheckWithFailingRowsForRowChecks) {
  Record("row_count", "pass", 120, 1);
  Record("row_count", "pass", 95, 2);
  Record("not_null(order_id)", "pass", 0, 1);
  Record("not_null(order_id)", "fail", 3, 2, "3 rows where order_id is null");

  json checks = JsonOf(Call("GET", "/api/v1/checks"))["checks"];
  ASSERT_EQ(checks.size(), 3u);
  const json* rows = Find(checks, "row_count");
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ((*rows)["suite"], kSuite);
  EXPECT_EQ((*rows)["target"], "analytics.sales");
  EXPECT_EQ((*rows)["status"], "pass");
  EXPECT_EQ((*rows)["observed"], 95.0);   // the later interval's
  EXPECT_TRUE((*rows)["failing_rows"].is_null());  // a metric, not rows
  EXPECT_EQ((*rows)["run_id"], 2);
  const json* nulls = Find(checks, "not_null(order_id)");
  ASSERT_NE(nulls, nullptr);
  EXPECT_EQ((*nulls)["status"], "fail");
  EXPECT_EQ((*nulls)["failing_rows"], 3.0);
  EXPECT_EQ((*nulls)["message"], "3 rows where order_id is null");
  EXPECT_EQ((*nulls)["interval_start"], "2024-03-02T00:00:00Z");
  const json* never = Find(checks, "expression(amount > 0)");
  ASSERT_NE(never, nullptr);
  EXPECT_TRUE((*never)["status"].is_null());
}

TEST_F(ChecksApiTest, HistoryIsNewestFirstWithOneResultPerIntervalAndALimit) {
  const std::vector<double> observed = {10, 0, 4, 7};  // days 1..4
  for (int day = 1; day <= 4; ++day) {
    Record("not_null(order_id)", observed[day - 1] > 0 ? "fail" : "pass", observed[day - 1], day);
  }
  Record("not_null(order_id)", "pass", 0, 3);  // a rerun of day 3 replaces its result

  HttpResponse all = Call("GET", "/api/v1/checks/quality.check_sales/not_null(order_id)/history");
  ASSERT_EQ(all.status, 200) << all.body;
  json history = JsonOf(all)["history"];
  std::vector<double> values;
  std::vector<std::string> statuses;
  for (const json& r : history) {
    values.push_back(r["observed"].get<double>());
    statuses.push_back(r["status"]);
  }
  EXPECT_EQ(values, (std::vector<double>{7, 0, 0, 10}));
  EXPECT_EQ(statuses, (std::vector<std::string>{"fail", "pass", "pass", "fail"}));
  EXPECT_EQ(JsonOf(Call("GET", "/api/v1/checks/quality.check_sales/not_null(order_id)/history?limit=2"))["history"].size(),
            2u);
  // A declared check never run has an empty history.
  json never = JsonOf(Call("GET", "/api/v1/checks/quality.check_sales/row_count/history"));
  EXPECT_EQ(never["history"], json::array());
}

TEST_F(ChecksApiTest, UnknownChecksAre404AndBadLimitsAre400) {
  HttpResponse suite = Call("GET", "/api/v1/checks/quality.nope/row_count/history");
  EXPECT_EQ(suite.status, 404);
  EXPECT_EQ(ErrorCode(suite), "unknown-check");
  EXPECT_EQ(Call("GET", "/api/v1/checks/quality.check_sales/nope/history").status, 404);
  for (const char* limit : {"0", "-1", "abc", "1001"}) {
    HttpResponse bad = Call("GET", std::string("/api/v1/checks/quality.check_sales/row_count/history?limit=") + limit);
    EXPECT_EQ(bad.status, 400) << limit;
    EXPECT_EQ(ErrorCode(bad), "bad-parameter") << limit;
  }
}

}  // namespace
}  // namespace weir::server_test
