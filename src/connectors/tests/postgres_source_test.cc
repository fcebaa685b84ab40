// PostgresQuerySource: a Postgres query's rows read into DuckDB through
// COPY, column by column type fidelity (each value written in Postgres as a
// literal and compared with DuckDB's rendering of the same value), NULLs,
// Parquet round trips, streaming of many rows, and errors.
#include <filesystem>

#include "connectors/tests/postgres_test_cluster.h"

namespace weir {
namespace {

using testing_pg::MustConnect;
using testing_pg::TestDatabase;

struct TypeCase {
  std::string postgres_type;
  std::string literal;      // a Postgres literal of that type
  std::string duckdb_type;  // what DESCRIBE says in DuckDB
  std::string render;       // DuckDB SQL rendering the value, {} for the column
  std::string expected;     // that rendering, written out by hand
};

std::string Render(std::string pattern, const std::string& column) {
  size_t at = pattern.find("{}");
  return pattern.replace(at, 2, column);
}

const std::vector<TypeCase>& TypeCases() {
  static const std::vector<TypeCase> cases = {
      {"smallint", "-32768", "SMALLINT", "CAST({} AS VARCHAR)", "-32768"},
      {"integer", "2147483647", "INTEGER", "CAST({} AS VARCHAR)", "2147483647"},
      {"bigint", "-9223372036854775808", "BIGINT", "CAST({} AS VARCHAR)", "-9223372036854775808"},
      {"numeric(20,6)", "12345678901234.567891", "DECIMAL(20,6)", "CAST({} AS VARCHAR)", "12345678901234.567891"},
      {"numeric(38,10)", "-1234567890123456789012345678.0123456789", "DECIMAL(38,10)", "CAST({} AS VARCHAR)",
       "-1234567890123456789012345678.0123456789"},
      {"numeric", "3.14159265358979323846264338327950288419716939937510", "VARCHAR", "{}",
       "3.14159265358979323846264338327950288419716939937510"},
      {"real", "1.5", "FLOAT", "CAST({} AS VARCHAR)", "1.5"},
      {"double precision", "0.1", "DOUBLE", "CAST({} = 0.1 AS VARCHAR)", "true"},
      {"double precision", "'-Infinity'", "DOUBLE", "CAST({} AS VARCHAR)", "-inf"},
      {"double precision", "'NaN'", "DOUBLE", "CAST(isnan({}) AS VARCHAR)", "true"},
      {"text", "E'tab\\t nl\\n cr\\r back\\\\ quote'' dq\" é 😀'", "VARCHAR", "{}",
       "tab\t nl\n cr\r back\\ quote' dq\" é 😀"},
      {"varchar(10)", "'abc'", "VARCHAR", "{}", "abc"},
      {"char(4)", "'ab'", "VARCHAR", "{}", "ab  "},
      {"bytea", "'\\x00ff5c0a09'", "BLOB", "hex({})", "00FF5C0A09"},
      {"boolean", "true", "BOOLEAN", "CAST({} AS VARCHAR)", "true"},
      {"date", "'2024-02-29'", "DATE", "CAST({} AS VARCHAR)", "2024-02-29"},
      {"date", "'0044-03-15 BC'", "DATE", "CAST(year({}) AS VARCHAR)", "-43"},
      {"date", "'infinity'", "DATE", "CAST({} AS VARCHAR)", "infinity"},
      {"time", "'23:59:59.999999'", "TIME", "CAST({} AS VARCHAR)", "23:59:59.999999"},
      {"time with time zone", "'12:34:56.5+02'", "TIME WITH TIME ZONE", "CAST({} AS VARCHAR)", "12:34:56.5+02"},
      {"timestamp", "'2024-01-01 10:00:00.123456'", "TIMESTAMP", "CAST({} AS VARCHAR)", "2024-01-01 10:00:00.123456"},
      {"timestamptz", "'2024-01-01 10:00:00.123456+05:30'", "TIMESTAMP WITH TIME ZONE", "CAST(epoch_us({}) AS VARCHAR)",
       "1704083400123456"},
      {"interval", "'1 year 2 mons 3 days 04:05:06.789'", "INTERVAL", "CAST({} AS VARCHAR)",
       "1 year 2 months 3 days 04:05:06.789"},
      {"interval", "'-1 days +02:00:00'", "INTERVAL", "CAST({} AS VARCHAR)", "-1 day 02:00:00"},
      {"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "UUID", "CAST({} AS VARCHAR)",
       "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
      {"json", "'{\"b\": 1,  \"a\": [1, 2]}'", "JSON", "CAST({} AS VARCHAR)", "{\"b\": 1,  \"a\": [1, 2]}"},
      {"jsonb", "'{\"b\": 1,  \"a\": [1, 2]}'", "JSON", "CAST({} AS VARCHAR)", "{\"a\": [1, 2], \"b\": 1}"},
      {"integer[]", "'{1,2,NULL}'", "INTEGER[]", "CAST(to_json({}) AS VARCHAR)", "[1,2,null]"},
      {"text[]", "'{\"a b\",\"c\\\"d\",NULL}'", "VARCHAR[]", "CAST(to_json({}) AS VARCHAR)",
       "[\"a b\",\"c\\\"d\",null]"},
      {"numeric(6,2)[]", "'{1.50,-2.25}'", "DECIMAL(6,2)[]", "CAST({} AS VARCHAR)", "[1.50, -2.25]"},
      {"mood", "'happy'", "VARCHAR", "{}", "happy"},
      {"positive_int", "42", "INTEGER", "CAST({} + 1 AS VARCHAR)", "43"},
      {"inet", "'192.168.0.1/24'", "VARCHAR", "{}", "192.168.0.1/24"},
  };
  return cases;
}

// Reads `query` from Postgres into the DuckDB table `t` of `duck`.
Status ExtractInto(PostgresConnection& pg, DuckDbConnection& duck, const std::string& query) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresQuerySource> source, PostgresQuerySource::Prepare(pg, query));
  WEIR_TRY(duck.RegisterRowSource("pg_rows", source.get()));
  Status created = duck.Execute("CREATE OR REPLACE TABLE t AS " + source->SelectSql("pg_rows"));
  if (!source->error().ok()) return source->error();
  return created;
}

class PostgresSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pg_ = MustConnect(db_.params());
    ASSERT_NE(pg_, nullptr);
    auto duck = DuckDbConnection::Open(":memory:");
    ASSERT_TRUE(duck.ok());
    duck_ = std::move(*duck);
    ASSERT_TRUE(duck_->Execute("SET TimeZone = 'UTC'").ok());
  }

  TestDatabase db_;
  std::unique_ptr<PostgresConnection> pg_;
  std::unique_ptr<DuckDbConnection> duck_;
};

TEST_F(PostgresSourceTest, EveryTypeKeepsItsValueAndNullsStayNull) {
  ASSERT_TRUE(pg_->Execute("CREATE TYPE mood AS ENUM ('sad', 'happy'); "
                           "CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0)").ok());
  std::string create = "CREATE TABLE types (row_id int";
  std::string values = "1";
  std::string nulls = "2";
  const auto& cases = TypeCases();
  for (size_t i = 0; i < cases.size(); ++i) {
    create += ", c" + std::to_string(i) + " " + cases[i].postgres_type;
    values += ", " + cases[i].literal;
    nulls += ", NULL";
  }
  ASSERT_TRUE(pg_->Execute(create + ")").ok());
  Status inserted = pg_->Execute("INSERT INTO types VALUES (" + values + "), (" + nulls + ")");
  ASSERT_TRUE(inserted.ok()) << inserted.ToString();

  Status extracted = ExtractInto(*pg_, *duck_, "SELECT * FROM types ORDER BY row_id");
  ASSERT_TRUE(extracted.ok()) << extracted.ToString();
  auto described = duck_->Query("SELECT column_type FROM (DESCRIBE t)");
  ASSERT_TRUE(described.ok());
  ASSERT_EQ(described->rows.size(), cases.size() + 1);
  for (size_t i = 0; i < cases.size(); ++i) {
    const TypeCase& c = cases[i];
    std::string column = "c" + std::to_string(i);
    EXPECT_EQ(described->rows[i + 1][0], c.duckdb_type) << c.postgres_type << " " << c.literal;
    auto value = duck_->Query("SELECT " + Render(c.render, column) + ", count(" + column + ") FILTER (row_id = 2) "
                              "OVER () FROM t ORDER BY row_id LIMIT 1");
    ASSERT_TRUE(value.ok()) << c.postgres_type << ": " << value.status().ToString();
    EXPECT_EQ(value->rows[0][0], c.expected) << c.postgres_type << " " << c.literal;
    EXPECT_EQ(value->rows[0][1], "0") << c.postgres_type << ": the NULL row has a value";
  }
}

TEST_F(PostgresSourceTest, ManyRowsStreamAndMatchPostgresOwnAggregates) {
  ASSERT_TRUE(pg_->Execute("CREATE TABLE sales AS SELECT i AS id, (i % 97) * 1.25 AS amount, "
                           "CASE WHEN i % 13 = 0 THEN NULL ELSE 'customer ' || (i % 1000) END AS customer "
                           "FROM generate_series(1, 200000) i").ok());
  auto truth = pg_->Query("SELECT count(*), sum(amount), count(customer), count(DISTINCT customer) FROM sales");
  ASSERT_TRUE(truth.ok());
  Status extracted = ExtractInto(*pg_, *duck_, "SELECT * FROM sales;");
  ASSERT_TRUE(extracted.ok()) << extracted.ToString();
  // amount is numeric without a precision, so text in DuckDB: summed as DECIMAL.
  auto got = duck_->Query("SELECT count(*), CAST(sum(CAST(amount AS DECIMAL(18,2))) AS VARCHAR), count(customer), "
                          "count(DISTINCT customer) FROM t");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->rows[0][0], truth->rows[0][0]);
  EXPECT_EQ(got->rows[0][1], truth->rows[0][1]);
  EXPECT_EQ(got->rows[0][2], truth->rows[0][2]);
  EXPECT_EQ(got->rows[0][3], truth->rows[0][3]);
}

TEST_F(PostgresSourceTest, WritesParquetThatReadsBackTheSame) {
  ASSERT_TRUE(pg_->Execute("CREATE TABLE p (id bigint, price numeric(12,2), sold_at timestamptz, tags text[])").ok());
  ASSERT_TRUE(pg_->Execute("INSERT INTO p VALUES (1, 9.99, '2024-03-01 12:00:00+00', '{a,b}'), "
                           "(2, NULL, NULL, NULL), (3, -0.01, '1999-12-31 23:59:59.5-08', '{}')").ok());
  auto source = PostgresQuerySource::Prepare(*pg_, "SELECT * FROM p ORDER BY id");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_TRUE(duck_->RegisterRowSource("pg_rows", source->get()).ok());
  std::string file = std::string(WEIR_TEST_PG_STATE) + "/p-" + db_.name() + ".parquet";
  Status copied = duck_->Execute("COPY (" + (*source)->SelectSql("pg_rows") + ") TO '" + file + "' (FORMAT parquet)");
  ASSERT_TRUE(copied.ok()) << copied.ToString() << "\n" << (*source)->SelectSql("pg_rows");
  EXPECT_EQ((*source)->rows_read(), 3);
  auto back = duck_->Query("SELECT id, CAST(price AS VARCHAR), CAST(sold_at AS VARCHAR), CAST(tags AS VARCHAR), "
                           "typeof(price) FROM read_parquet('" + file + "') ORDER BY id");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->rows.size(), 3u);
  EXPECT_EQ(back->rows[0][1], "9.99");
  EXPECT_EQ(back->rows[0][2], "2024-03-01 12:00:00+00");
  EXPECT_EQ(back->rows[0][3], "[a, b]");
  EXPECT_EQ(back->rows[0][4], "DECIMAL(12,2)");
  EXPECT_EQ(back->rows[1][1], std::nullopt);
  EXPECT_EQ(back->rows[2][2], "2000-01-01 07:59:59.5+00");
  EXPECT_EQ(back->rows[2][3], "[]");
  std::filesystem::remove(file);
}

TEST_F(PostgresSourceTest, BadQueriesAreClearUserErrors) {
  auto two = PostgresQuerySource::Prepare(*pg_, "SELECT 1; SELECT 2");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("must be one query"), std::string::npos);
  auto dup = PostgresQuerySource::Prepare(*pg_, "SELECT 1 AS a, 2 AS a");
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("two columns named 'a'"), std::string::npos);
  auto typo = PostgresQuerySource::Prepare(*pg_, "SELECT * FROM no_such_table");
  ASSERT_FALSE(typo.ok());
  EXPECT_NE(typo.status().message().find("relation \"no_such_table\" does not exist (at line 1, column 15"),
            std::string::npos)
      << typo.status().message();
}

TEST_F(PostgresSourceTest, AnErrorDuringTheCopyIsKeptWithItsKind) {
  // The division fails on the server once the COPY has sent rows.
  auto source = PostgresQuerySource::Prepare(*pg_, "SELECT 10 / (5000 - i) AS x FROM generate_series(1, 10000) i");
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  ASSERT_TRUE(duck_->RegisterRowSource("pg_rows", source->get()).ok());
  Status copied = duck_->Execute("CREATE TABLE t AS " + (*source)->SelectSql("pg_rows"));
  ASSERT_FALSE(copied.ok());
  ASSERT_FALSE((*source)->error().ok());
  EXPECT_NE((*source)->error().message().find("division by zero"), std::string::npos)
      << (*source)->error().ToString();
  EXPECT_EQ((*source)->error().code(), "postgres");
}

}  // namespace
}  // namespace weir
