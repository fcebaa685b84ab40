// PostgresConnection against the private cluster: queries with bound
// parameters, logins, errors with SQLSTATE and position, cancel and
// deadline, COPY in both directions.
#include <chrono>
#include <thread>

#include "connectors/tests/postgres_test_cluster.h"

namespace weir {
namespace {

using testing_pg::MustConnect;
using testing_pg::TestDatabase;

TEST(PostgresConnectionTest, BindsParametersAsValuesAndReadsNulls) {
  TestDatabase db;
  auto pg = MustConnect(db.params());
  ASSERT_NE(pg, nullptr);
  ASSERT_TRUE(pg->Execute("CREATE TABLE t (id int, name text); INSERT INTO t VALUES (1, 'a'), (2, NULL)").ok());
  auto rows = pg->Query("SELECT id, name, $1::text AS p, $2::text AS q FROM t ORDER BY id",
                        {"x'); DROP TABLE t; --", std::nullopt});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"id", "name", "p", "q"}));
  EXPECT_EQ(rows->types[0], "23");  // int4
  ASSERT_EQ(rows->rows.size(), 2u);
  EXPECT_EQ(rows->rows[0][0], "1");
  EXPECT_EQ(rows->rows[1][1], std::nullopt);
  EXPECT_EQ(rows->rows[0][2], "x'); DROP TABLE t; --");
  EXPECT_EQ(rows->rows[0][3], std::nullopt);
  auto still = pg->Query("SELECT count(*) FROM t");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->rows[0][0], "2");
  EXPECT_TRUE(pg->idle());
}

TEST(PostgresConnectionTest, SessionsAreInUtcWithIsoDates) {
  TestDatabase db;
  auto pg = MustConnect(db.params());
  ASSERT_NE(pg, nullptr);
  auto rows = pg->Query("SELECT TIMESTAMPTZ '2024-01-01 10:00:00+05:30', DATE '2024-02-03', 0.1::float8");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(rows->rows[0][0], "2024-01-01 04:30:00+00");
  EXPECT_EQ(rows->rows[0][1], "2024-02-03");
  EXPECT_EQ(rows->rows[0][2], "0.1");  // the shortest text that reads back as the same double
}

TEST(PostgresConnectionTest, PasswordLoginsWorkAndABadPasswordIsAUserErrorThatHidesIt) {
  PostgresParams params = testing_pg::ClusterParams();
  params.user = "weir_etl";
  params.password = "etl-secret";
  auto pg = MustConnect(params);
  ASSERT_NE(pg, nullptr);
  auto who = pg->Query("SELECT current_user");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->rows[0][0], "weir_etl");

  params.password = "wrong-secret-value";
  CancelToken never;
  auto refused = PostgresConnection::Open(params, never, TimePoint::max());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), "postgres-auth") << refused.status().ToString();
  EXPECT_EQ(refused.status().kind(), ErrorKind::kUser);
  EXPECT_NE(refused.status().message().find("weir_etl@127.0.0.1:"), std::string::npos) << refused.status().message();
  EXPECT_EQ(refused.status().message().find("wrong-secret-value"), std::string::npos) << refused.status().message();
}

TEST(PostgresConnectionTest, NoServerIsARetryableFault) {
  PostgresParams params = testing_pg::ClusterParams();
  params.port = 1;  // nothing listens there
  CancelToken never;
  auto refused = PostgresConnection::Open(params, never, TimePoint::max());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), "postgres-connection") << refused.status().ToString();
  EXPECT_TRUE(refused.status().retryable());
}

TEST(PostgresConnectionTest, ErrorsNameTheSqlstateAndWhereInTheStatement) {
  TestDatabase db;
  auto pg = MustConnect(db.params());
  ASSERT_NE(pg, nullptr);
  auto missing = pg->Describe("SELECT id,\n       nope\nFROM (VALUES (1)) v(id)");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), "postgres");
  EXPECT_NE(missing.status().message().find("column \"nope\" does not exist (at line 2, column 8 of the statement)"),
            std::string::npos)
      << missing.status().message();
  EXPECT_NE(missing.status().message().find("[SQLSTATE 42703]"), std::string::npos);

  ASSERT_TRUE(pg->Execute("CREATE TABLE k (id int PRIMARY KEY); INSERT INTO k VALUES (1)").ok());
  Status duplicate = pg->Execute("INSERT INTO k VALUES (1)");
  EXPECT_EQ(duplicate.kind(), ErrorKind::kUser);
  EXPECT_NE(duplicate.message().find("Key (id)=(1) already exists"), std::string::npos) << duplicate.message();
  // The connection is usable after an error.
  auto after = pg->Query("SELECT count(*) FROM k");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->rows[0][0], "1");
}

TEST(PostgresConnectionTest, ACancelStopsTheStatementOnTheServerAndTheConnectionLivesOn) {
  TestDatabase db;
  auto pg = MustConnect(db.params());
  ASSERT_NE(pg, nullptr);
  CancelToken cancel;
  pg->SetLimits(&cancel, TimePoint::max());
  std::thread stopper([&cancel] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel.Cancel();
  });
  auto started = std::chrono::steady_clock::now();
  Status slept = pg->Execute("SELECT pg_sleep(30)");
  stopper.join();
  EXPECT_EQ(slept.kind(), ErrorKind::kCancelled) << slept.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
  pg->SetLimits(nullptr, TimePoint::max());
  auto after = pg->Query("SELECT 1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();

  pg->SetLimits(nullptr, std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  Status late = pg->Execute("SELECT pg_sleep(30)");
  EXPECT_EQ(late.code(), "timeout") << late.ToString();
  EXPECT_TRUE(late.retryable());
}

TEST(PostgresConnectionTest, CopiesRowsInAndOut) {
  TestDatabase db;
  auto pg = MustConnect(db.params());
  ASSERT_NE(pg, nullptr);
  ASSERT_TRUE(pg->Execute("CREATE TABLE c (id int, label text)").ok());
  ASSERT_TRUE(pg->StartCopyIn("COPY c FROM STDIN").ok());
  std::string expected;
  for (int i = 1; i <= 5000; ++i) {
    std::string line = std::to_string(i) + "\t" + (i % 10 == 0 ? "\\N" : "row " + std::to_string(i)) + "\n";
    expected += line;
    ASSERT_TRUE(pg->WriteCopyData(line).ok());
  }
  auto copied = pg->EndCopyIn();
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(*copied, 5000);

  ASSERT_TRUE(pg->StartCopyOut("COPY (SELECT * FROM c ORDER BY id) TO STDOUT").ok());
  std::string back;
  std::string_view row;
  for (;;) {
    auto more = pg->ReadCopyData(&row);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    if (!*more) break;
    back += row;
  }
  EXPECT_EQ(back, expected);
  // A bad row fails the COPY with the server's message, and nothing is kept.
  ASSERT_TRUE(pg->StartCopyIn("COPY c FROM STDIN").ok());
  ASSERT_TRUE(pg->WriteCopyData("1\tok\nnot-a-number\tx\n").ok());
  auto bad = pg->EndCopyIn();
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("invalid input syntax for type integer"), std::string::npos)
      << bad.status().message();
  auto count = pg->Query("SELECT count(*) FROM c");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], "5000");
}

}  // namespace
}  // namespace weir
