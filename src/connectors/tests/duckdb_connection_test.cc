#include <filesystem>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
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

// duckdb_value_varchar has no text for lists, structs or zoned times: the
// query is read again with its columns cast to VARCHAR, types kept.
TEST(DuckDbConnectionTest, NestedAndZonedValuesAreShownAsDuckDbPrintsThem) {
  auto db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("SET TimeZone = 'UTC'").ok());
  for (const std::vector<std::string>& parameters : {std::vector<std::string>{}, std::vector<std::string>{"x"}}) {
    std::string label = parameters.empty() ? "'x'" : "?";
    auto rows = (*db)->Query("SELECT " + label + " AS label, [[1, 2], [3]] AS nested, {'a': 1} AS s, "
                             "TIMESTAMPTZ '2024-01-01 10:00:00+05:30' AS tz, NULL::INTEGER[] AS none;",
                             parameters);
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(rows->columns, (std::vector<std::string>{"label", "nested", "s", "tz", "none"}));
    EXPECT_EQ(rows->types, (std::vector<std::string>{"VARCHAR", "LIST", "STRUCT", "TIMESTAMP WITH TIME ZONE", "LIST"}));
    ASSERT_EQ(rows->rows.size(), 1u);
    EXPECT_EQ(rows->rows[0][0], "x");
    EXPECT_EQ(rows->rows[0][1], "[[1, 2], [3]]");
    EXPECT_EQ(rows->rows[0][2], "{'a': 1}");
    EXPECT_EQ(rows->rows[0][3], "2024-01-01 04:30:00+00");
    EXPECT_EQ(rows->rows[0][4], std::nullopt);
  }
  // A statement that is not a query cannot be read again: a clear error.
  ASSERT_TRUE((*db)->Execute("CREATE TABLE t (l TIMESTAMPTZ)").ok());
  auto two = (*db)->Query("INSERT INTO t VALUES ('2024-01-01 10:00:00+00') RETURNING l");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("column 'l' has a value of type TIMESTAMP WITH TIME ZONE"), std::string::npos)
      << two.status().ToString();
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

TEST(DuckDbConnectionTest, BoundParametersAreValuesNeverSql) {
  auto db = DuckDbConnection::Open("");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("CREATE TABLE people (name VARCHAR); INSERT INTO people VALUES ('ann'), ('o''brien')").ok());
  auto found = (*db)->Query("SELECT count(*) FROM people WHERE name = ? OR name = ?", {"o'brien", "nobody"});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->rows[0][0], "1");
  // A value that would be an injection as text is just a string that matches nothing.
  auto injected = (*db)->Query("SELECT count(*) FROM people WHERE name = ?", {"x' OR '1'='1"});
  ASSERT_TRUE(injected.ok());
  EXPECT_EQ(injected->rows[0][0], "0");
  auto bad = (*db)->Query("SELECT * FROM nowhere WHERE x = ?", {"1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "sql");
}

}  // namespace
}  // namespace weir

namespace weir {
namespace {

TEST(DuckDbConnectorTest, TasksShareOneInstancePerFileAndReleaseIt) {
  std::string path = TempPath("shared.duckdb");
  DuckDbConnector connector;
  {
    auto a = connector.Connect(path);
    auto b = connector.Connect(path);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    ASSERT_TRUE((*a)->Execute("CREATE TABLE t AS SELECT 42 AS x").ok());
    EXPECT_EQ(*(*b)->QueryValue("SELECT x FROM t"), "42");
  }
  // Released: a separate database instance (as another process would) can open it.
  auto other = DuckDbConnection::Open(path);
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(*(*other)->QueryValue("SELECT count(*) FROM t"), "1");
}

TEST(DuckDbConnectorTest, FileLockedByAnotherProcessIsAFaultAfterWaiting) {
  std::string path = TempPath("locked.duckdb");
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t child = ::fork();  // the other process: holds the file for a while
  if (child == 0) {
    auto holder = DuckDbConnection::Open(path);
    char ok = holder.ok() ? 'y' : 'n';
    if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
    ::sleep(3);
    ::_exit(0);
  }
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ASSERT_EQ(ok, 'y');
  DuckDbConnector connector(DuckDbOptions{std::chrono::milliseconds(300)});
  auto start = std::chrono::steady_clock::now();
  auto blocked = connector.Connect(path);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().kind(), ErrorKind::kFault) << blocked.status().ToString();
  EXPECT_EQ(blocked.status().code(), "duckdb-locked");
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  // Once the other process is gone, the file opens.
  EXPECT_TRUE(connector.Connect(path).ok());
}

TEST(DuckDbConnectorTest, WritersOfOneFileTakeTurns) {
  std::string path = TempPath("writers.duckdb");
  DuckDbConnector connector;
  auto a = connector.Connect(path);
  auto b = connector.Connect(path);
  auto other = connector.Connect(TempPath("other.duckdb"));
  ASSERT_TRUE(a.ok() && b.ok() && other.ok());
  CancelToken cancel;
  auto soon = [] { return std::chrono::system_clock::now() + std::chrono::milliseconds(100); };
  {
    auto held = (*a)->LockForWrite(cancel, soon());
    ASSERT_TRUE(held.ok());
    auto waiting = (*b)->LockForWrite(cancel, soon());
    EXPECT_EQ(waiting.status().code(), "timeout");
    EXPECT_TRUE((*other)->LockForWrite(cancel, soon()).ok()) << "another file has its own writer";
  }
  EXPECT_TRUE((*b)->LockForWrite(cancel, soon()).ok());
}

TEST(DuckDbConnectorTest, LongQueryStopsAtItsDeadline) {
  auto db = DuckDbConnection::Open("");
  ASSERT_TRUE(db.ok());
  CancelToken cancel;
  auto start = std::chrono::steady_clock::now();
  Status s = (*db)->ExecuteUntil("SELECT count(*) FROM range(1000000000000) a",
                                 cancel, std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  EXPECT_EQ(s.code(), "timeout") << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DuckDbConnectorTest, AppenderWritesRows) {
  auto db = DuckDbConnection::Open("");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("CREATE TABLE r (i BIGINT, d DOUBLE, s VARCHAR, b BOOLEAN)").ok());
  auto appender = (*db)->Appender("", "r");
  ASSERT_TRUE(appender.ok()) << appender.status().ToString();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*appender)->AppendInt64(i).ok());
    ASSERT_TRUE((*appender)->AppendDouble(i * 1.5).ok());
    ASSERT_TRUE(i == 1 ? (*appender)->AppendNull().ok() : (*appender)->AppendText("v" + std::to_string(i)).ok());
    ASSERT_TRUE((*appender)->AppendBool(i % 2 == 0).ok());
    ASSERT_TRUE((*appender)->EndRow().ok());
  }
  ASSERT_TRUE((*appender)->Close().ok());
  auto rows = (*db)->Query("SELECT sum(i), sum(d), count(s), string_agg(s, ','), count(*) FILTER (WHERE b) FROM r");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->rows[0], (std::vector<std::optional<std::string>>{"3", "4.5", "2", "v0,v2", "2"}));
}

}  // namespace
}  // namespace weir
