#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

#include "connectors/connectors.h"

namespace weir {
namespace {

std::string TempPath(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("weir-duckdb-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(DuckDbConnectionTest, WritesParquetAndReadsItBack) {
  auto db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  std::string file = TempPath("numbers.parquet");
  // 1..1000 with every 7th value NULL: sum and count are computed below by hand.
  ASSERT_TRUE((*db)->Execute("COPY (SELECT i AS id, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 2 END AS doubled, "
                             "'row ' || i AS label FROM range(1, 1001) t(i)) TO '" + file +
                             "' (FORMAT parquet)").ok());
  ASSERT_TRUE(std::filesystem::exists(file));

  long long expected_sum = 0, expected_non_null = 0;
  for (int i = 1; i <= 1000; ++i) {
    if (i % 7 != 0) {
      expected_sum += 2 * i;
      ++expected_non_null;
    }
  }
  auto reopened = DuckDbConnection::Open("");
  ASSERT_TRUE(reopened.ok());
  auto rows = (*reopened)->Query("SELECT count(*), count(doubled), sum(doubled), max(label) FROM read_parquet('" +
                                 file + "')");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "1000");
  EXPECT_EQ(rows->rows[0][1], std::to_string(expected_non_null));
  EXPECT_EQ(rows->rows[0][2], std::to_string(expected_sum));
  EXPECT_EQ(rows->rows[0][3], "row 999");  // text order: "row 999" > "row 1000"

  auto nulls = (*reopened)->Query("SELECT id, doubled FROM read_parquet('" + file + "') WHERE id IN (7, 8) ORDER BY id");
  ASSERT_TRUE(nulls.ok());
  EXPECT_EQ(nulls->columns, (std::vector<std::string>{"id", "doubled"}));
  EXPECT_EQ(nulls->rows[0][1], std::nullopt);
  EXPECT_EQ(nulls->rows[1][1], "16");
  std::filesystem::remove_all(std::filesystem::path(file).parent_path());
}

TEST(DuckDbConnectionTest, SqlErrorsAreUserErrors) {
  auto db = DuckDbConnection::Open("");
  ASSERT_TRUE(db.ok());
  Status s = (*db)->Execute("SELEC 1");
  EXPECT_EQ(s.kind(), ErrorKind::kUser);
  EXPECT_NE(s.message().find("syntax error"), std::string::npos) << s.message();
}

TEST(DuckDbConnectionTest, ExtensionsAreNeverAutoloaded) {
  auto db = DuckDbConnection::Open("");
  ASSERT_TRUE(db.ok());
  Status s = (*db)->Execute("SELECT * FROM read_csv('s3://bucket/x.csv')");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("httpfs"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace weir
