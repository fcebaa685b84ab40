#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

#include "connectors/connectors.h"

namespace weir {
namespace {

// Rows 0..count-1: (i, i/4 as a double, i odd, "row i"), every 5th row's
// number and every 7th row's text NULL; fails at row `fail_at` if set.
class CountingSource final : public DuckDbRowSource {
 public:
  explicit CountingSource(int count, int fail_at = -1) : count_(count), fail_at_(fail_at) {}

  std::vector<DuckDbColumn> Columns() override {
    return {{"i", DuckDbColumnType::kBigint},
            {"quarter", DuckDbColumnType::kDouble},
            {"odd", DuckDbColumnType::kBoolean},
            {"label", DuckDbColumnType::kVarchar}};
  }

  Status Fill(DuckDbChunkWriter& out) override {
    ++calls_;
    while (!out.full() && next_ < count_) {
      if (next_ == fail_at_) return UserError("bad-json", "the source broke at row " + std::to_string(next_));
      if (next_ % 5 != 0) out.SetInt64(0, next_);
      out.SetDouble(1, next_ / 4.0);
      out.SetBool(2, next_ % 2 == 1);
      if (next_ % 7 != 0) out.SetText(3, "row " + std::to_string(next_) + " with a text longer than twelve");
      out.EndRow();
      ++next_;
    }
    return OkStatus();
  }

  int calls() const { return calls_; }

 private:
  int count_;
  int fail_at_;
  int next_ = 0;
  int calls_ = 0;
};

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("weir-row-source-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(DuckDbRowSourceTest, ACopyPullsEveryRowInOrderAcrossChunks) {
  auto db = std::move(DuckDbConnection::Open(":memory:").value());
  const int n = 10000;  // about five of DuckDB's chunks
  CountingSource source(n);
  ASSERT_TRUE(db->RegisterRowSource("counting", &source).ok());
  std::string file = TempPath("rows.parquet");
  ASSERT_TRUE(db->Execute("COPY (SELECT * FROM counting()) TO '" + file + "' (FORMAT parquet)").ok());
  EXPECT_GT(source.calls(), 4);
  long long i_sum = 0, i_count = 0, odd = 0, labels = 0;
  double quarter_sum = 0;
  for (int i = 0; i < n; ++i) {
    if (i % 5 != 0) i_sum += i, ++i_count;
    quarter_sum += i / 4.0;
    odd += i % 2;
    labels += i % 7 != 0;
  }
  char quarter[64];
  std::snprintf(quarter, sizeof quarter, "%.2f", quarter_sum);
  auto rows = db->Query("SELECT count(*), sum(i), count(i), abs(sum(quarter) - " + std::string(quarter) + ") < 1e-6, "
                        "count(*) FILTER (WHERE odd), count(label), max(label) FILTER (WHERE quarter = 2.25) "
                        "FROM read_parquet('" + file + "')");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->rows[0], (std::vector<std::optional<std::string>>{
                               std::to_string(n), std::to_string(i_sum), std::to_string(i_count), "true",
                               std::to_string(odd), std::to_string(labels), "row 9 with a text longer than twelve"}));
  // In order: the file's rows are the source's.
  auto order = db->Query("SELECT count(*) FROM (SELECT quarter, row_number() OVER () - 1 AS position FROM "
                         "read_parquet('" + file + "')) WHERE quarter * 4 <> position");
  ASSERT_TRUE(order.ok()) << order.status().ToString();
  EXPECT_EQ(order->rows[0][0], "0");
  auto types = db->Query("DESCRIBE SELECT * FROM counting()");
  ASSERT_TRUE(types.ok());
  std::vector<std::string> described;
  for (const auto& row : types->rows) described.push_back(*row[0] + " " + *row[1]);
  EXPECT_EQ(described, (std::vector<std::string>{"i BIGINT", "quarter DOUBLE", "odd BOOLEAN", "label VARCHAR"}));
}

TEST(DuckDbRowSourceTest, AnErrorOfTheSourceFailsTheQueryWithItsMessage) {
  auto db = std::move(DuckDbConnection::Open(":memory:").value());
  CountingSource source(10000, 4500);
  ASSERT_TRUE(db->RegisterRowSource("breaking", &source).ok());
  Status copied = db->Execute("CREATE TABLE t AS SELECT * FROM breaking()");
  EXPECT_FALSE(copied.ok());
  EXPECT_NE(copied.message().find("the source broke at row 4500"), std::string::npos) << copied.ToString();
  EXPECT_FALSE(db->QueryValue("SELECT count(*) FROM t").ok());  // nothing was created
}

}  // namespace
}  // namespace weir
