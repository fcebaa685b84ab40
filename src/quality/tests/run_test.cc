// Every check kind on crafted tables that pass and fail at the edges; the
// expected values are computed here in C++ from the same rows the table is
// built from, never read back from the engine under test.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include <gtest/gtest.h>

#include "connectors/connectors.h"
#include "quality/internal/plan.h"
#include "quality/quality.h"

namespace weir {
namespace {

struct Order {
  std::optional<int> id;
  std::optional<double> amount;
  std::optional<std::string> status;
  std::optional<std::string> email;
  std::string region;
};

// 40 orders with nulls, a NaN, duplicates, bad statuses and bad emails.
std::vector<Order> MakeOrders() {
  std::vector<Order> orders;
  for (int i = 0; i < 40; ++i) {
    Order o;
    o.id = i % 13 == 7 ? std::nullopt : std::optional<int>(i % 17 == 3 ? 3 : i);  // nulls, and 3 repeated
    o.amount = i % 11 == 5 ? std::nullopt : std::optional<double>(i * 2.5 - 10);   // -10 .. 87.5
    if (i == 20) o.amount = NAN;
    static const char* kStatus[] = {"placed", "shipped", "returned", "lost"};
    o.status = i % 9 == 0 ? std::nullopt : std::optional<std::string>(kStatus[i % 4]);
    o.email = i % 6 == 0 ? "user" + std::to_string(i) + "@shop.example"
                         : i % 6 == 1 ? std::optional<std::string>("no-at-sign" + std::to_string(i))
                                      : std::optional<std::string>("ü" + std::to_string(i) + "@例え.jp");
    o.region = i < 25 ? "EU" : "US";
    orders.push_back(o);
  }
  return orders;
}

std::string Literal(const std::optional<double>& v) {
  if (!v) return "NULL";
  if (std::isnan(*v)) return "'NaN'::DOUBLE";
  return std::to_string(*v);
}

std::string Text(const std::optional<std::string>& v) { return v ? SqlString(*v) : "NULL"; }

class QualityRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = DuckDbConnection::Open(":memory:");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    orders_ = MakeOrders();
    std::string sql = "CREATE TABLE orders (order_id INTEGER, amount DOUBLE, status VARCHAR, email VARCHAR, "
                      "region VARCHAR, created_at TIMESTAMP);\nINSERT INTO orders VALUES ";
    for (size_t i = 0; i < orders_.size(); ++i) {
      const Order& o = orders_[i];
      sql += std::string(i ? ", " : "") + "(" + (o.id ? std::to_string(*o.id) : "NULL") + ", " + Literal(o.amount) +
             ", " + Text(o.status) + ", " + Text(o.email) + ", " + SqlString(o.region) +
             ", TIMESTAMP '2024-03-01 00:00:00' + INTERVAL " + std::to_string(i) + " HOUR)";
    }
    ASSERT_TRUE(db_->Execute(sql).ok());
  }

  SuiteResult Run(const std::string& checks_yaml, const std::string& relation = "orders",
                  CheckRunOptions options = {}) {
    YamlDocument doc = ParseYaml(checks_yaml, "checks.yml");
    EXPECT_TRUE(doc.errors.empty());
    Result<std::vector<CheckSpec>> specs = ParseCheckList(doc.root);
    EXPECT_TRUE(specs.ok()) << specs.status().ToString();
    CheckSuite suite{"shop.quality", CheckTarget{relation, relation, ""}, specs.ok() ? *specs : std::vector<CheckSpec>{},
                     {}};
    options.save_failing_rows = options.save_failing_rows && !options.audit_prefix.empty();
    Result<SuiteResult> result = RunCheckSuite(*db_, suite, options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : SuiteResult{};
  }

  static const CheckResult& Find(const SuiteResult& suite, const std::string& name) {
    for (const CheckResult& r : suite.results) {
      if (r.name == name) return r;
    }
    ADD_FAILURE() << "no result named " << name;
    static CheckResult none;
    return none;
  }

  template <typename Predicate>
  double CountIf(Predicate p) const {
    return static_cast<double>(std::count_if(orders_.begin(), orders_.end(), p));
  }

  std::unique_ptr<DuckDbConnection> db_;
  std::vector<Order> orders_;
};

TEST_F(QualityRunTest, RowChecksCountFailingRowsAsComputedHere) {
  SuiteResult suite = Run(R"y(
- not_null: order_id
- unique: order_id
- accepted_values: {column: status, values: [placed, shipped, returned]}
- not_accepted_values: {column: status, values: [lost]}
- between: {column: amount, min: 0, max: 50}
- regex: {column: email, pattern: '^[^@]+@[^@]+$'}
- length: {column: email, min: 1, max: 16}
- expression: amount < 80
)y");
  double nulls = CountIf([](const Order& o) { return !o.id; });
  std::map<int, int> ids;
  for (const Order& o : orders_) if (o.id) ++ids[*o.id];
  double duplicates = 0;
  for (auto& [id, n] : ids) duplicates += n - 1;
  double bad_status = CountIf([](const Order& o) { return o.status && *o.status == "lost"; });
  double out_of_range = CountIf([](const Order& o) {
    return o.amount && (std::isnan(*o.amount) || *o.amount < 0 || *o.amount > 50);
  });
  double bad_email = CountIf([](const Order& o) { return o.email && o.email->find('@') == std::string::npos; });
  auto chars = [](const std::string& s) {  // characters, not bytes: DuckDB's length()
    return static_cast<double>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
  };
  double too_long = CountIf([&](const Order& o) { return o.email && chars(*o.email) > 16; });
  // NULL < 80 is NULL, not false: not a failure. NaN sorts above every number in DuckDB.
  double expression = CountIf([](const Order& o) { return o.amount && (std::isnan(*o.amount) || *o.amount >= 80); });

  EXPECT_EQ(Find(suite, "not_null(order_id)").observed, nulls);
  EXPECT_EQ(Find(suite, "unique(order_id)").observed, duplicates);
  EXPECT_EQ(Find(suite, "accepted_values(status)").observed, bad_status);
  EXPECT_EQ(Find(suite, "not_accepted_values(status)").observed, bad_status);
  EXPECT_EQ(Find(suite, "between(amount)").observed, out_of_range);
  EXPECT_EQ(Find(suite, "regex(email)").observed, bad_email);
  EXPECT_EQ(Find(suite, "length(email)").observed, too_long);
  EXPECT_EQ(Find(suite, "expression(amount < 80)").observed, expression);
  for (const CheckResult& r : suite.results) {
    EXPECT_EQ(r.status, *r.observed > 0 ? CheckStatus::kFail : CheckStatus::kPass) << r.name;
    EXPECT_EQ(r.rows_checked, 40) << r.name;
  }
  EXPECT_GT(nulls * duplicates * bad_status * out_of_range * bad_email * too_long * expression, 0);
  EXPECT_EQ(suite.scans, 1);
}

TEST_F(QualityRunTest, FailingRowsAreSampledAndSavedToTheAuditSchema) {
  CheckRunOptions options;
  options.sample_limit = 2;
  options.audit_prefix = "shop.daily check";
  SuiteResult suite = Run("- accepted_values: {column: status, values: [placed, shipped, returned]}\n", "orders",
                          options);
  const CheckResult& r = suite.results[0];
  ASSERT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.audit_table, "weir_audit.\"shop_daily_check__accepted_values_status\"");
  ASSERT_EQ(r.sample_rows.size(), 2u);
  size_t status_column = std::find(r.sample_columns.begin(), r.sample_columns.end(), "status") -
                         r.sample_columns.begin();
  ASSERT_LT(status_column, r.sample_columns.size());
  EXPECT_EQ(r.sample_rows[0][status_column], "lost");
  auto saved = db_->QueryValue("SELECT count(*) FROM " + r.audit_table + " WHERE status = 'lost'");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(*saved, "2");

  // Once the data is fixed, the interval's stale rows go.
  ASSERT_TRUE(db_->Execute("UPDATE orders SET status = 'placed' WHERE status = 'lost'").ok());
  SuiteResult fixed = Run("- accepted_values: {column: status, values: [placed, shipped, returned]}\n", "orders",
                          options);
  EXPECT_EQ(fixed.results[0].status, CheckStatus::kPass);
  EXPECT_EQ(*db_->QueryValue("SELECT count(*) FROM " + r.audit_table), "0");
}

TEST_F(QualityRunTest, EachIntervalKeepsItsOwnFailingRows) {
  CheckRunOptions options;
  options.audit_prefix = "p__t";
  std::string check = "- not_accepted_values: {column: region, values: [EU, US]}\n";
  options.audit_interval = "2024-03-01";
  Run(check, "orders", options);
  options.audit_interval = "2024-03-02";
  ASSERT_TRUE(db_->Execute("CREATE TABLE us AS SELECT * FROM orders WHERE region = 'US'").ok());
  const CheckResult second = Run(check, "us", options).results[0];
  ASSERT_EQ(second.status, CheckStatus::kFail);
  EXPECT_EQ(second.sample_rows.size(), 15u);  // only its own interval's rows are read back
  std::string per_interval = "SELECT weir_interval, count(*) FROM " + second.audit_table + " GROUP BY 1 ORDER BY 1";
  auto rows = db_->Query(per_interval);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][1], "20");  // sample_limit's default
  EXPECT_EQ(rows->rows[1][1], "15");
  // A pass of the first interval clears only its rows.
  options.audit_interval = "2024-03-01";
  ASSERT_TRUE(db_->Execute("CREATE TABLE none AS SELECT * FROM orders WHERE false").ok());
  Run(check, "none", options);
  rows = db_->Query(per_interval);
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "2024-03-02");
}

TEST_F(QualityRunTest, ThresholdsAtTheEdgeAndOnePast) {
  double lost = CountIf([](const Order& o) { return o.status && *o.status == "lost"; });
  std::string n = std::to_string(static_cast<int>(lost));
  std::string below = std::to_string(static_cast<int>(lost) - 1);
  double percent = 100.0 * lost / 40;
  auto check = [&](const std::string& extra) {
    return Run("- not_accepted_values: {column: status, values: [lost]" + extra + "}\n").results[0].status;
  };
  EXPECT_EQ(check(", error_if: '>" + n + "'"), CheckStatus::kWarn);  // warn_if stays != 0
  EXPECT_EQ(check(", error_if: '>" + below + "'"), CheckStatus::kFail);
  EXPECT_EQ(check(", error_if: '>" + n + "', warn_if: '>" + n + "'"), CheckStatus::kPass);
  EXPECT_EQ(check(", error_if: '>=" + std::to_string(percent) + "%'"), CheckStatus::kFail);
  EXPECT_EQ(check(", error_if: '>" + std::to_string(percent) + "%', warn_if: '>50%'"), CheckStatus::kPass);
  EXPECT_EQ(check(", severity: warn"), CheckStatus::kWarn);
  EXPECT_EQ(check(", severity: warn, error_if: '>0'"), CheckStatus::kWarn);  // warn ignores error_if, as dbt
}

TEST_F(QualityRunTest, RowCountBoundsAtTheEdge) {
  SuiteResult suite = Run(R"y(
- row_count: {min: 40, name: at_min}
- row_count: {min: 41, name: above}
- row_count: {max: 40, name: at_max}
- row_count: {max: 39, name: below}
- row_count: {equal: 40, name: equal}
- row_count: {min: 1, where: "region = 'US'", name: us}
- row_count: {min: 16, where: "region = 'US'", name: us_short, severity: warn}
)y");
  EXPECT_EQ(Find(suite, "at_min").status, CheckStatus::kPass);
  EXPECT_EQ(Find(suite, "above").status, CheckStatus::kFail);
  EXPECT_EQ(Find(suite, "at_max").status, CheckStatus::kPass);
  EXPECT_EQ(Find(suite, "below").status, CheckStatus::kFail);
  EXPECT_EQ(Find(suite, "equal").status, CheckStatus::kPass);
  EXPECT_EQ(Find(suite, "us").observed, CountIf([](const Order& o) { return o.region == "US"; }));
  EXPECT_EQ(Find(suite, "us_short").status, CheckStatus::kWarn);
  EXPECT_EQ(suite.scans, 1);
}

TEST_F(QualityRunTest, MetricsMatchValuesComputedHere) {
  SuiteResult suite = Run(R"y(
- sum: {column: amount, min: 0, where: "NOT isnan(amount)"}
- avg: {column: amount, min: 0, where: "NOT isnan(amount)"}
- min: {column: amount, min: -10}
- stddev: {column: amount, max: 1000, where: "NOT isnan(amount)"}
- missing_percent: {column: status, max: 10}
- missing_count: {column: amount, max: 100}
- distinct_count: {column: region, equal: 2}
- duplicate_count: {column: order_id, max: 0}
- percentile: {column: order_id, p: 0.5, min: 0}
)y");
  std::vector<double> amounts;
  for (const Order& o : orders_) if (o.amount && !std::isnan(*o.amount)) amounts.push_back(*o.amount);
  double sum = std::accumulate(amounts.begin(), amounts.end(), 0.0);
  double mean = sum / static_cast<double>(amounts.size());
  double squares = 0;
  for (double a : amounts) squares += (a - mean) * (a - mean);
  double sd = std::sqrt(squares / static_cast<double>(amounts.size() - 1));
  EXPECT_NEAR(*Find(suite, "sum(amount)").observed, sum, 1e-9);
  EXPECT_NEAR(*Find(suite, "avg(amount)").observed, mean, 1e-9);
  EXPECT_NEAR(*Find(suite, "stddev(amount)").observed, sd, 1e-9);
  EXPECT_EQ(*Find(suite, "min(amount)").observed, *std::min_element(amounts.begin(), amounts.end()));
  double missing = CountIf([](const Order& o) { return !o.status; });
  EXPECT_NEAR(*Find(suite, "missing_percent(status)").observed, 100.0 * missing / 40, 1e-9);
  EXPECT_EQ(Find(suite, "missing_percent(status)").status, 100.0 * missing / 40 > 10 ? CheckStatus::kFail
                                                                                      : CheckStatus::kPass);
  EXPECT_EQ(*Find(suite, "missing_count(amount)").observed, CountIf([](const Order& o) { return !o.amount; }));
  EXPECT_EQ(Find(suite, "distinct_count(region)").status, CheckStatus::kPass);
  EXPECT_EQ(Find(suite, "duplicate_count(order_id)").status, CheckStatus::kFail);
  std::vector<double> ids;
  for (const Order& o : orders_) if (o.id) ids.push_back(*o.id);
  std::sort(ids.begin(), ids.end());
  double position = 0.5 * static_cast<double>(ids.size() - 1);  // linear interpolation, as quantile_cont
  size_t lo = static_cast<size_t>(std::floor(position));
  double median = ids[lo] + (position - static_cast<double>(lo)) * (ids[std::min(lo + 1, ids.size() - 1)] - ids[lo]);
  EXPECT_NEAR(*Find(suite, "percentile(order_id, 0.5)").observed, median, 1e-9);
  EXPECT_EQ(suite.scans, 1);
}

TEST_F(QualityRunTest, EmptyTableMetricsFailAndRowChecksPass) {
  ASSERT_TRUE(db_->Execute("CREATE TABLE empty AS SELECT * FROM orders WHERE false").ok());
  SuiteResult suite = Run("- not_null: order_id\n- row_count: {min: 1}\n- avg: {column: amount, min: 0}\n"
                          "- missing_percent: {column: status, max: 0}\n", "empty");
  EXPECT_EQ(Find(suite, "not_null(order_id)").status, CheckStatus::kPass);
  EXPECT_EQ(Find(suite, "row_count").status, CheckStatus::kFail);
  EXPECT_EQ(Find(suite, "avg(amount)").status, CheckStatus::kFail);
  EXPECT_EQ(Find(suite, "avg(amount)").message, "no value (no rows to measure)");
  EXPECT_EQ(Find(suite, "missing_percent(status)").status, CheckStatus::kPass);
}

TEST_F(QualityRunTest, FreshnessAgainstTheReferenceTime) {
  // The newest created_at is 2024-03-01 00:00 + 39 h = 2024-03-02 15:00.
  CheckRunOptions at_edge;
  at_edge.reference_time = "2024-03-03T15:00:00+00:00";  // exactly one day later
  EXPECT_EQ(Run("- freshness: {column: created_at, max_age: 1d}\n", "orders", at_edge).results[0].status,
            CheckStatus::kPass);
  CheckRunOptions past;
  past.reference_time = "2024-03-03T17:00:01+02:00";  // one second past, in another zone
  const CheckResult r = Run("- freshness: {column: created_at, max_age: 1d}\n", "orders", past).results[0];
  EXPECT_EQ(r.status, CheckStatus::kFail);
  EXPECT_EQ(r.observed, 86401);
}

TEST_F(QualityRunTest, SegmentsReportTheFailingGroups) {
  SuiteResult suite = Run("- row_count: {min: 20, group_by: region}\n- not_null: {column: order_id, group_by: [region]}\n");
  const CheckResult& count = Find(suite, "row_count");
  EXPECT_EQ(count.status, CheckStatus::kFail);
  ASSERT_EQ(count.failing_segments.size(), 1u);
  EXPECT_EQ(count.failing_segments[0].key, "region=US");
  EXPECT_EQ(count.failing_segments[0].observed, 15);
  const CheckResult& nulls = Find(suite, "not_null(order_id)");
  double eu = CountIf([](const Order& o) { return !o.id && o.region == "EU"; });
  double us = CountIf([](const Order& o) { return !o.id && o.region == "US"; });
  EXPECT_EQ(nulls.failing_segments.size(), static_cast<size_t>((eu > 0) + (us > 0)));
  EXPECT_EQ(suite.scans, 1);  // both checks group by region: one grouped scan (the ungrouped one is not needed)
}

TEST_F(QualityRunTest, ValuesInAnotherTableAndCustomSql) {
  ASSERT_TRUE(db_->Execute("CREATE TABLE statuses (name VARCHAR); INSERT INTO statuses VALUES ('placed'), "
                           "('shipped'), ('returned'), ('placed')").ok());
  SuiteResult suite = Run(R"y(
- values_in: {column: status, table: statuses, table_column: name}
- sql: "SELECT * FROM orders WHERE region = 'US' AND amount < 60"
)y");
  double lost = CountIf([](const Order& o) { return o.status && *o.status == "lost"; });
  EXPECT_EQ(Find(suite, "values_in(status)").observed, lost);
  EXPECT_EQ(Find(suite, "values_in(status)").rows_checked, 40);  // the duplicate 'placed' adds no rows
  double custom = CountIf([](const Order& o) {
    return o.region == "US" && o.amount && !std::isnan(*o.amount) && *o.amount < 60;
  });
  EXPECT_EQ(Find(suite, "sql").observed, custom);
}

TEST_F(QualityRunTest, SchemaColumnsTypesOrderAndExtras) {
  auto status = [&](const std::string& yaml) { return Run(yaml).results[0]; };
  EXPECT_EQ(status("- schema: {columns: [order_id, amount]}\n").status, CheckStatus::kPass);
  EXPECT_EQ(status("- schema: {columns: {order_id: int, amount: double, status: text}}\n").status,
            CheckStatus::kPass);
  CheckResult wrong = status("- schema: {columns: {order_id: BIGINT, missing: VARCHAR}}\n");
  EXPECT_EQ(wrong.status, CheckStatus::kFail);
  EXPECT_EQ(wrong.message, "order_id is INTEGER, not BIGINT; missing column missing");
  EXPECT_EQ(status("- schema: {columns: [amount, order_id], order: true}\n").status, CheckStatus::kFail);
  EXPECT_EQ(status("- schema: {columns: [order_id, amount], exact: true}\n").observed, 4);
}

TEST_F(QualityRunTest, AnomalyOverHistoryWithAnInjectedOutlier) {
  std::vector<double> steady = {40, 41, 39, 40, 42, 38, 40, 41, 39, 40};  // newest first
  CheckRunOptions options;
  std::string asked;
  options.history = [&](const std::string& name, int limit) -> Result<std::vector<double>> {
    asked = name + "/" + std::to_string(limit);
    return std::vector<double>(steady.begin(), steady.begin() + std::min<size_t>(limit, steady.size()));
  };
  EXPECT_EQ(Run("- anomaly: {metric: row_count, window: 10, z: 3}\n", "orders", options).results[0].status,
            CheckStatus::kPass);
  EXPECT_EQ(asked, "anomaly(row_count)/10");
  steady = {20, 21, 19, 20, 22, 18, 20, 21, 19, 20};  // 40 rows now is an outlier
  const CheckResult outlier = Run("- anomaly: {metric: row_count, window: 10, z: 3}\n", "orders", options).results[0];
  EXPECT_EQ(outlier.status, CheckStatus::kFail);
  EXPECT_NE(outlier.message.find("z-score"), std::string::npos) << outlier.message;
  steady = {36};
  EXPECT_EQ(Run("- row_count: {change: 10%}\n", "orders", options).results[0].status, CheckStatus::kFail);
  steady = {37};  // 40 is 8.1% above 37
  EXPECT_EQ(Run("- row_count: {change: 10%}\n", "orders", options).results[0].status, CheckStatus::kPass);
  steady = {40, 41};  // too little history for a z-score: learning, passes
  const CheckResult learning = Run("- anomaly: {metric: row_count, z: 3}\n", "orders", options).results[0];
  EXPECT_EQ(learning.status, CheckStatus::kPass);
  EXPECT_NE(learning.observed_text.find("learning"), std::string::npos);
}

TEST_F(QualityRunTest, AnomalyPerSegmentUsesEachSegmentsHistory) {
  // EU has 25 rows and US 15; EU's history is steady around 25, US's around 5.
  std::map<std::string, std::vector<double>> history = {
      {"anomaly(row_count).region=EU", {25, 24, 26, 25, 25}}, {"anomaly(row_count).region=US", {5, 6, 4, 5, 5}}};
  CheckRunOptions options;
  options.history = [&](const std::string& name, int) -> Result<std::vector<double>> { return history.at(name); };
  const CheckResult r =
      Run("- anomaly: {metric: row_count, z: 3, group_by: region}\n", "orders", options).results[0];
  EXPECT_EQ(r.status, CheckStatus::kFail);
  ASSERT_EQ(r.failing_segments.size(), 1u);
  EXPECT_EQ(r.failing_segments[0].key, "region=US");
  // Both segments' values go to their own histories.
  EXPECT_EQ(r.metrics, (std::vector<std::pair<std::string, double>>{{"region=EU", 25}, {"region=US", 15}}));
}

TEST_F(QualityRunTest, TwentyChecksShareOneScanOfTheTable) {
  std::string yaml = R"y(
- row_count: {min: 1}
- not_null: order_id
- not_null: amount
- not_null: status
- unique: order_id
- accepted_values: {column: status, values: [placed, shipped, returned, lost]}
- not_accepted_values: {column: region, values: [XX]}
- between: {column: amount, min: -100, max: 100}
- regex: {column: email, pattern: '@'}
- length: {column: email, min: 3}
- parseable: {column: status, type: VARCHAR}
- expression: amount > -1000
- missing_percent: {column: email, max: 50}
- duplicate_count: {columns: [order_id, region], max: 100}
- distinct_count: {column: region, min: 1}
- sum: {column: order_id, min: 0}
- avg: {column: order_id, min: 0}
- max: {column: order_id, max: 1000}
- percentile: {column: order_id, p: 0.9, max: 1000}
- freshness: {column: created_at, max_age: 100000d}
)y";
  SuiteResult suite = Run(yaml);
  ASSERT_EQ(suite.results.size(), 20u);
  for (const CheckResult& r : suite.results) EXPECT_EQ(r.scan, 1) << r.name << ": " << r.message;
  EXPECT_EQ(suite.scans, 1);
  // DuckDB's plan of that one query reads the table once.
  YamlDocument doc = ParseYaml(yaml, "checks.yml");
  CheckSuite checks{"s", CheckTarget{"orders", "orders", ""}, *ParseCheckList(doc.root), {}};
  quality_internal::SuitePlan plan = quality_internal::CompileSuite(checks, "now()");
  ASSERT_EQ(plan.scans.size(), 1u);
  auto explained = db_->Query("EXPLAIN ANALYZE " + quality_internal::ScanSql(plan, plan.scans[0]));
  ASSERT_TRUE(explained.ok()) << explained.status().ToString();
  std::string text;
  for (const auto& row : explained->rows) for (const auto& v : row) text += v.value_or("") + "\n";
  size_t scans = 0;
  for (size_t at = text.find("TABLE_SCAN"); at != std::string::npos; at = text.find("TABLE_SCAN", at + 1)) ++scans;
  EXPECT_EQ(scans, 1u) << text;
}

TEST_F(QualityRunTest, ABadCheckIsAnErrorOfItsOwnAndTheOthersStillRun) {
  SuiteResult suite = Run("- not_null: order_id\n- not_null: no_such_column\n- row_count: {min: 1}\n");
  EXPECT_EQ(Find(suite, "not_null(no_such_column)").status, CheckStatus::kError);
  EXPECT_NE(Find(suite, "not_null(no_such_column)").message.find("no_such_column"), std::string::npos);
  EXPECT_EQ(Find(suite, "row_count").status, CheckStatus::kPass);
  EXPECT_EQ(Find(suite, "not_null(order_id)").status, CheckStatus::kFail);
  EXPECT_TRUE(suite.failed());
}

TEST_F(QualityRunTest, AMissingTargetIsAnError) {
  YamlDocument doc = ParseYaml("- not_null: a\n", "checks.yml");
  CheckSuite suite{"s", CheckTarget{"nope", "nope", ""}, *ParseCheckList(doc.root), {}};
  Result<SuiteResult> result = RunCheckSuite(*db_, suite, {});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), "check-target");
}

TEST_F(QualityRunTest, ReconcileCountsSumsAndChecksumsAgainstASource) {
  ASSERT_TRUE(db_->Execute("CREATE TABLE copy AS SELECT * FROM orders").ok());
  std::string checks = R"y(
- reconcile: {source: {table: copy}}
- reconcile: {source: {table: copy, where: "region = 'EU'"}, name: eu only}
- reconcile: {source: {table: copy}, metric: sum, column: order_id}
- reconcile: {source: {table: copy}, metric: checksum, columns: [order_id, status]}
)y";
  SuiteResult same = Run(checks);
  for (const CheckResult& r : same.results) {
    EXPECT_EQ(r.status, r.name == "eu only" ? CheckStatus::kFail : CheckStatus::kPass) << r.name << ": " << r.message;
  }
  EXPECT_EQ(Find(same, "eu only").message, "40 here against 25 in copy");
  // Two rows swap their statuses: the count and the sum of ids agree, the checksum does not.
  ASSERT_TRUE(db_->Execute("UPDATE copy SET status = CASE WHEN status = 'placed' THEN 'shipped' ELSE 'placed' END "
                           "WHERE order_id IN (1, 2)").ok());
  SuiteResult swapped = Run(checks);
  EXPECT_EQ(Find(swapped, "reconcile(row_count, copy)").status, CheckStatus::kPass);
  EXPECT_EQ(Find(swapped, "reconcile(sum(order_id), copy)").status, CheckStatus::kPass);
  EXPECT_EQ(Find(swapped, "reconcile(checksum(order_id, status), copy)").status, CheckStatus::kFail);
}

TEST_F(QualityRunTest, ReconcileReadsTheSourceOnItsConnection) {
  auto other = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Execute("CREATE TABLE src AS SELECT range AS id FROM range(38)").ok());
  CheckRunOptions options;
  std::string asked;
  options.open_connection = [&](const std::string& name) -> Result<std::unique_ptr<DuckDbConnection>> {
    asked = name;
    return std::move(*other);
  };
  // 40 rows against 38: 2 apart, which is 5.26% of the source's count.
  SuiteResult both = Run("- reconcile: {source: {connection: source_db, table: src}, tolerance: 6%}\n"
                         "- reconcile: {source: {connection: source_db, table: src}, tolerance: 5%, name: tight}\n",
                         "orders", options);
  EXPECT_EQ(asked, "source_db");  // opened once, for both
  EXPECT_EQ(Find(both, "reconcile(row_count, src)").status, CheckStatus::kPass);
  EXPECT_EQ(Find(both, "tight").status, CheckStatus::kFail);
  EXPECT_EQ(Run("- reconcile: {source: {connection: nowhere, table: src}}\n").results[0].status,
            CheckStatus::kError);
}

TEST_F(QualityRunTest, DriftComparesNullsDistinctsAndQuartilesWithThePreviousInterval) {
  std::vector<double> ids;
  for (const Order& o : orders_) if (o.id) ids.push_back(*o.id);
  std::sort(ids.begin(), ids.end());
  auto quantile = [&](double p) {
    double position = p * static_cast<double>(ids.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(position));
    return ids[lo] + (position - static_cast<double>(lo)) * (ids[std::min(lo + 1, ids.size() - 1)] - ids[lo]);
  };
  std::set<double> distinct(ids.begin(), ids.end());
  double null_percent = 100.0 * CountIf([](const Order& o) { return !o.id; }) / 40;
  std::map<std::string, double> previous = {{"null_percent", null_percent + 4},   // 4 points: within 5
                                            {"distinct_count", static_cast<double>(distinct.size())},
                                            {"p25", quantile(0.25)}, {"p50", quantile(0.5) * 1.1},  // ~9% off
                                            {"p75", quantile(0.75)}};
  CheckRunOptions options;
  options.history = [&](const std::string& name, int) -> Result<std::vector<double>> {
    std::string metric = name.substr(name.find('.') + 1);
    EXPECT_EQ(name.substr(0, name.find('.')), "drift(order_id)");
    return std::vector<double>{previous.at(metric)};
  };
  const CheckResult calm = Run("- drift: {column: order_id, max_change: 10%}\n", "orders", options).results[0];
  EXPECT_EQ(calm.status, CheckStatus::kPass) << calm.message;
  ASSERT_EQ(calm.metrics.size(), 5u);
  EXPECT_NEAR(calm.metrics[0].second, null_percent, 1e-9);
  EXPECT_EQ(calm.metrics[1].second, static_cast<double>(distinct.size()));
  EXPECT_NEAR(calm.metrics[3].second, quantile(0.5), 1e-9);
  const CheckResult moved = Run("- drift: {column: order_id, max_change: 3%}\n", "orders", options).results[0];
  EXPECT_EQ(moved.status, CheckStatus::kFail);
  EXPECT_EQ(moved.observed, 2);  // null_percent (4 points) and p50 (~9%)
  EXPECT_NE(moved.message.find("p50 moved"), std::string::npos) << moved.message;
  const CheckResult first = Run("- drift: {column: order_id, max_change: 3%}\n").results[0];
  EXPECT_EQ(first.status, CheckStatus::kPass);
  EXPECT_NE(first.observed_text.find("learning"), std::string::npos);
}

TEST_F(QualityRunTest, EdgesFoundInReview) {
  // A NaN metric breaks its bounds; a metric that is not a number says so.
  EXPECT_EQ(Run("- max: {column: amount, max: 1000}\n").results[0].message, "the value is NaN");
  const CheckResult text = Run("- max: {column: status, max: 5}\n").results[0];
  EXPECT_EQ(text.status, CheckStatus::kFail);
  EXPECT_NE(text.message.find("'shipped' is not a number"), std::string::npos) << text.message;
  // Two empty sides reconcile.
  ASSERT_TRUE(db_->Execute("CREATE TABLE e1 (b DOUBLE); CREATE TABLE e2 (b DOUBLE)").ok());
  EXPECT_EQ(Run("- reconcile: {source: {table: e2}, metric: sum, column: b}\n", "e1").results[0].status,
            CheckStatus::kPass);
  // unique's failing rows under its own where:; sql's where:; a -- comment in a where:.
  CheckRunOptions saving;
  saving.audit_prefix = "review";
  SuiteResult suite = Run(R"y(
- unique: {columns: [order_id], where: "order_id IS NOT NULL -- a comment"}
- sql: {query: "SELECT * FROM orders WHERE amount IS NULL", where: "region = 'US'"}
- not_null: {column: amount, name: "a b"}
- not_null: {column: amount, name: "a_b"}
)y", "orders", saving);
  const CheckResult& unique = Find(suite, "unique(order_id)");
  EXPECT_EQ(unique.status, CheckStatus::kFail);
  EXPECT_FALSE(unique.sample_rows.empty()) << unique.message;
  EXPECT_EQ(Find(suite, "sql").observed, CountIf([](const Order& o) { return !o.amount && o.region == "US"; }));
  EXPECT_NE(Find(suite, "a b").audit_table, Find(suite, "a_b").audit_table);
  // After a broken check is retried alone, sql's percentages still use the target's rows.
  SuiteResult retried = Run("- not_null: nosuch\n- sql: {query: \"SELECT * FROM orders WHERE amount IS NULL\"}\n");
  EXPECT_EQ(Find(retried, "sql").rows_checked, 40);
}

TEST_F(QualityRunTest, AnInterruptedScanStopsTheSuite) {
  YamlDocument doc = ParseYaml("- row_count: {min: 1}\n- not_null: range\n- sum: {column: range, min: 0}\n", "c.yml");
  CheckSuite suite{"s", CheckTarget{"query", "(SELECT * FROM range(4000000000)) AS q", ""}, *ParseCheckList(doc.root),
                   {}};
  CancelToken cancel;
  DuckDbInterruptWatch watch(*db_, cancel, std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  Result<SuiteResult> result = RunCheckSuite(*db_, suite, {});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().kind(), ErrorKind::kCancelled) << result.status().ToString();
  EXPECT_LT(seconds, 20);  // not the whole scan, nor three more of them
}

TEST(AuditTableName, FoldsAndBoundsNames) {
  EXPECT_EQ(AuditTableName("Shop.Daily", "not_null(order_id)"), "shop_daily__not_null_order_id");
  std::string long_name = AuditTableName("p", std::string(100, 'x'));
  EXPECT_EQ(long_name.size(), 63u);
  EXPECT_NE(long_name, AuditTableName("p", std::string(101, 'x')));
}

}  // namespace
}  // namespace weir
