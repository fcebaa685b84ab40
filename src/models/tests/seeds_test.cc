// Seeds: the CSV check (quotes, delimiters, bad rows at file:line:col) and
// the load into DuckDB (empty values are NULL, quote_columns, delimiter).
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "models/internal/materialize.h"
#include "models/internal/seed_csv.h"

namespace weir::models_internal {
namespace {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

TEST(SeedCsvTest, QuotedValuesHoldDelimitersQuotesAndLineBreaks) {
  std::string text = "id,note,\"odd, name\"\r\n1,\"a, b\",x\n\n2,\"say \"\"hi\"\"\nthere\",\n3,,\"\"\n";
  Result<SeedCsv> csv = ReadSeedCsv(text, ',', "seeds/s.csv");
  ASSERT_TRUE(csv.ok()) << csv.status().ToString();
  EXPECT_EQ(csv->header, (std::vector<std::string>{"id", "note", "odd, name"}));
  EXPECT_EQ(csv->header_columns, (std::vector<int>{1, 4, 9}));
  EXPECT_EQ(csv->rows, 3u);  // the blank line is no row
}

TEST(SeedCsvTest, BadRowsAreReportedAtTheirLine) {
  // Line 4 has an extra value; the quoted line break on line 2 counts.
  Result<SeedCsv> extra = ReadSeedCsv("a,b\n1,\"x\ny\"\n2,3\n4,5,6\n", ',', "seeds/s.csv");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().code(), "seed-bad-row");
  EXPECT_EQ(extra.status().where().file, "seeds/s.csv");
  EXPECT_EQ(extra.status().where().line, 5);
  EXPECT_NE(extra.status().message().find("3 values and the header has 2"), std::string::npos);

  Result<SeedCsv> fewer = ReadSeedCsv("a|b\n1|2\n3\n", '|', "seeds/p.csv");
  ASSERT_FALSE(fewer.ok());
  EXPECT_EQ(fewer.status().where().line, 3);

  Result<SeedCsv> open = ReadSeedCsv("a,b\n1,2\n3,\"never closed\n4,5\n", ',', "seeds/s.csv");
  ASSERT_FALSE(open.ok());
  EXPECT_EQ(open.status().where().line, 3);
  EXPECT_EQ(open.status().where().column, 3);

  Result<SeedCsv> after = ReadSeedCsv("a,b\n1,\"x\"y\n", ',', "seeds/s.csv");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().where().line, 2);
  EXPECT_EQ(after.status().where().column, 6);
}

TEST(SeedCsvTest, UnquotedColumnsMustBePlainNames) {
  Result<SeedCsv> csv = ReadSeedCsv("id,Order Date\n1,2024-01-01\n", ',', "seeds/s.csv");
  ASSERT_TRUE(csv.ok());
  Status status = CheckUnquotedColumns(*csv, "seeds/s.csv");
  EXPECT_EQ(status.code(), "seed-column");
  EXPECT_EQ(status.where().line, 1);
  EXPECT_EQ(status.where().column, 4);
  Result<SeedCsv> plain = ReadSeedCsv("id,OrderDate,_x1\n1,2,3\n", ',', "seeds/s.csv");
  ASSERT_TRUE(plain.ok());
  EXPECT_TRUE(CheckUnquotedColumns(*plain, "seeds/s.csv").ok());
}

class SeedLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) / ("weir-seeds-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    auto db = DuckDbConnection::Open(":memory:");
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<Materialized> Load(const std::string& csv, TemplateMap config = {}) {
    std::string path = (dir_ / "s.csv").string();
    std::ofstream(path) << csv;
    node_.kind = ModelNodeKind::kSeed;
    node_.name = "s";
    node_.original_file_path = "seeds/s.csv";
    node_.relation = {"memory", "main", "s"};
    node_.config = std::move(config);
    return LoadSeed(*db_, relations_, node_, path, csv);
  }

  Rows Query(const std::string& sql) {
    auto rows = db_->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->rows : Rows{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<DuckDbConnection> db_;
  RelationCache relations_;
  ModelNode node_;
};

TEST_F(SeedLoadTest, EmptyValuesAreNullAndQuotedValuesKeepTheirText) {
  Result<Materialized> done = Load("id,Name,note\n1,\"Smith, Ann\",\"she said \"\"hi\"\"\"\n2,,\"\"\n3,Bo,\" \"\n");
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->rows, 3);
  EXPECT_EQ(Query("SELECT id, \"Name\", note, note IS NULL FROM s ORDER BY id"),
            (Rows{{"1", "Smith, Ann", "she said \"hi\"", "false"}, {"2", std::nullopt, std::nullopt, "true"},
                  {"3", "Bo", " ", "false"}}));
  // quote_columns (default true): the header's names as written.
  EXPECT_EQ(Query("SELECT column_name FROM information_schema.columns WHERE table_name = 's' ORDER BY ordinal_position"),
            (Rows{{"id"}, {"Name"}, {"note"}}));
}

TEST_F(SeedLoadTest, DelimiterAndColumnTypes) {
  TemplateMap config;
  config.Set("delimiter", TemplateValue::String(";"));
  TemplateMap types;
  types.Set("code", TemplateValue::String("VARCHAR"));
  config.Set("column_types", TemplateValue::FromMap(types));
  Result<Materialized> done = Load("code;amount\n007;1,5\n010;2\n", config);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(Query("SELECT code, amount, typeof(code) FROM s ORDER BY code"),
            (Rows{{"007", "1,5", "VARCHAR"}, {"010", "2", "VARCHAR"}}));
}

TEST_F(SeedLoadTest, BadRowsAndBadValuesNameTheFileAndLine) {
  Result<Materialized> bad_row = Load("a,b\n1,2\n3,4,5\n");
  ASSERT_FALSE(bad_row.ok());
  EXPECT_EQ(bad_row.status().ToString().rfind("seeds/s.csv:3:1: error[seed-bad-row]", 0), 0u)
      << bad_row.status().ToString();

  TemplateMap config;
  TemplateMap types;
  types.Set("n", TemplateValue::String("INTEGER"));
  config.Set("column_types", TemplateValue::FromMap(types));
  Result<Materialized> bad_value = Load("n\n1\n2\nthree\n", config);
  ASSERT_FALSE(bad_value.ok());
  EXPECT_EQ(bad_value.status().where().file, "seeds/s.csv");
  EXPECT_EQ(bad_value.status().where().line, 4) << bad_value.status().ToString();

  TemplateMap unquoted;
  unquoted.Set("quote_columns", TemplateValue::Bool(false));
  Result<Materialized> spaced = Load("id,first name\n1,a\n", unquoted);
  ASSERT_FALSE(spaced.ok());
  EXPECT_EQ(spaced.status().code(), "seed-column");

  TemplateMap long_delimiter;
  long_delimiter.Set("delimiter", TemplateValue::String("||"));
  EXPECT_EQ(Load("a||b\n", long_delimiter).status().code(), "seed-config");
}

}  // namespace
}  // namespace weir::models_internal
