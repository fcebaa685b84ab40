// Parsing checks: short and long forms, names, thresholds, and errors that
// say where.
#include <gtest/gtest.h>

#include "quality/internal/check_kinds.h"
#include "quality/quality.h"

namespace weir {
namespace {

Result<std::vector<CheckSpec>> Parse(const std::string& yaml) {
  YamlDocument doc = ParseYaml(yaml, "checks.yml");
  EXPECT_TRUE(doc.errors.empty());
  return ParseCheckList(doc.root);
}

TEST(CheckSpec, ShortAndLongFormsNameTheirChecks) {
  auto specs = Parse(R"(
- not_null: order_id
- unique: [order_id, region]
- not_null: {column: email, severity: warn}
- accepted_values: {column: status, values: [placed, 1, "it's"], error_if: ">5"}
- between: {column: amount, min: 0, max: "2024-01-01"}
- not_null: order_id
- expression: amount > 0
- row_count: {min: 1, name: has rows}
)");
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  ASSERT_EQ(specs->size(), 8u);
  EXPECT_EQ((*specs)[0].name, "not_null(order_id)");
  EXPECT_EQ((*specs)[1].name, "unique(order_id, region)");
  EXPECT_EQ((*specs)[2].severity, CheckSeverity::kWarn);
  EXPECT_EQ((*specs)[3].values, (std::vector<std::string>{"'placed'", "'1'", "'it''s'"}));
  EXPECT_EQ((*specs)[3].error_if->op, ">");
  EXPECT_EQ((*specs)[3].error_if->value, 5);
  EXPECT_EQ((*specs)[4].low, "0");
  EXPECT_EQ((*specs)[4].high, "'2024-01-01'");
  EXPECT_EQ((*specs)[5].name, "not_null(order_id)#2");
  EXPECT_EQ((*specs)[6].name, "expression(amount > 0)");
  EXPECT_EQ((*specs)[7].name, "has rows");
  EXPECT_EQ((*specs)[7].where.ToString(), "checks.yml:9:3");
}

TEST(CheckSpec, ErrorsSayWhatAndWhere) {
  auto expect_error = [](const std::string& yaml, const std::string& code, const std::string& where,
                         const std::string& words) {
    auto specs = Parse(yaml);
    ASSERT_FALSE(specs.ok()) << yaml;
    EXPECT_EQ(specs.status().code(), code) << specs.status().ToString();
    EXPECT_EQ(specs.status().where().ToString(), where) << specs.status().ToString();
    EXPECT_NE(specs.status().message().find(words), std::string::npos) << specs.status().ToString();
  };
  expect_error("- not_nul: a\n", "unknown-check", "checks.yml:1:3", "did you mean 'not_null'");
  expect_error("- not_null: {colum: a}\n", "unknown-key", "checks.yml:1:14", "did you mean 'column'");
  expect_error("- accepted_values: status\n", "bad-check", "checks.yml:1:20", "takes a mapping");
  expect_error("- accepted_values: {column: s}\n", "bad-check", "checks.yml:1:3", "'values'");
  expect_error("- not_null: {column: a, error_if: '>>1'}\n", "bad-threshold", "checks.yml:1:35", "\">10\"");
  expect_error("- row_count: {error_if: '>1%'}\n", "bad-threshold", "checks.yml:1:25", "percentage");
  expect_error("- row_count: {}\n", "bad-check", "checks.yml:1:3", "a bound");
  expect_error("- freshness: {column: t, max_age: soon}\n", "bad-duration", "checks.yml:1:35", "soon");
  expect_error("- parseable: {column: t, type: 'date); DROP TABLE x; --'}\n", "bad-check", "checks.yml:1:32",
               "type name");
  expect_error("- anomaly: {metric: rows, z: 3}\n", "bad-check", "checks.yml:1:3", "unknown anomaly metric");
  expect_error("- sql: 'select 1'\n- row_count: {group_by: r, compare_to: other}\n", "bad-check", "checks.yml:2:3",
               "group_by");
  expect_error("checks: []\n", "bad-check", "checks.yml:1:1", "list");
  expect_error("- parseable: {column: t, type: 'INTEGER) OR (1'}\n", "bad-check", "checks.yml:1:32", "type name");
  expect_error("- max: {column: t, max: nan}\n", "wrong-type", "checks.yml:1:25", "number");
  expect_error("- max: {column: t, max: 0x10}\n", "wrong-type", "checks.yml:1:25", "number");
  expect_error("- length: {column: t, min: 5, max: 2}\n", "bad-check", "checks.yml:1:3", "above");
  expect_error("- anomaly: {metric: avg, z: 3}\n", "bad-check", "checks.yml:1:3", "'column'");
  expect_error("- anomaly: {metric: metric, z: 3}\n", "bad-check", "checks.yml:1:3", "'expression'");
  expect_error("- {not_null: a, unique: b}\n", "bad-check", "checks.yml:1:3", "one key");
}

TEST(CheckThreshold, ParsesDbtStyleComparisons) {
  using quality_internal::ParseThreshold;
  using quality_internal::ThresholdMatches;
  auto t = ParseThreshold("!= 0", {});
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(ThresholdMatches(*t, 1));
  EXPECT_FALSE(ThresholdMatches(*t, 0));
  auto percent = ParseThreshold(" >=1.5% ", {});
  ASSERT_TRUE(percent.ok());
  EXPECT_TRUE(percent->percent);
  EXPECT_EQ(percent->text, ">=1.5%");
  EXPECT_TRUE(ThresholdMatches(*percent, 1.5));
  EXPECT_FALSE(ThresholdMatches(*percent, 1.49));
  EXPECT_EQ(ParseThreshold("==3", {})->op, "=");
  EXPECT_FALSE(ParseThreshold("> ten", {}).ok());
  EXPECT_FALSE(ParseThreshold("10", {}).ok());
}

TEST(CheckTarget, TablesPathsQueriesAndIntervals) {
  YamlDocument doc = ParseYaml("path: raw/orders/*.parquet\nwhere: amount > 0\npartition_by: created_at\n", "c.yml");
  TargetOptions options{"/lake", std::make_pair(std::string("2024-03-01T00:00:00+01:00"),
                                                std::string("2024-03-02T00:00:00+01:00"))};
  auto target = ParseCheckTarget(doc.root, options);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(target->relation, "read_parquet('/lake/raw/orders/*.parquet')");
  EXPECT_EQ(target->filter, "(amount > 0) AND \"created_at\" >= '2024-03-01T00:00:00+01:00'::TIMESTAMPTZ AND "
                            "\"created_at\" < '2024-03-02T00:00:00+01:00'::TIMESTAMPTZ");
  YamlDocument both = ParseYaml("table: a\nquery: select 1\n", "c.yml");
  EXPECT_EQ(ParseCheckTarget(both.root, options).status().code(), "bad-check-target");
  YamlDocument no_interval = ParseYaml("table: a\npartition_by: d\n", "c.yml");
  EXPECT_EQ(ParseCheckTarget(no_interval.root, {}).status().code(), "bad-check-target");
  YamlDocument text = ParseYaml("path: raw/x.txt\n", "c.yml");
  EXPECT_EQ(ParseCheckTarget(text.root, options).status().where().ToString(), "c.yml:1:7");
}

}  // namespace
}  // namespace weir
