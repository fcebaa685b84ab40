#include <gtest/gtest.h>

#include "connectors/connectors.h"

namespace weir {
namespace {

TEST(SqlTextTest, QuotesLiteralsAndIdentifiers) {
  EXPECT_EQ(SqlString("it's"), "'it''s'");
  EXPECT_EQ(SqlIdentifier("a\"b"), "\"a\"\"b\"");
  EXPECT_EQ(SqlQualifiedName("analytics.sales"), "\"analytics\".\"sales\"");
  EXPECT_EQ(SqlQualifiedName("sales"), "\"sales\"");
}

TEST(SqlTextTest, SplitsOnTopLevelSemicolonsOnly) {
  std::string script =
      "CREATE TABLE t (x VARCHAR); -- a comment; with a semicolon\n"
      "INSERT INTO t VALUES ('a;b'), (\"c;d\");\n"
      "/* block; comment */ SELECT $q$dollar;quoted$q$ AS v;\n"
      "  ;  -- only a comment\n";
  std::vector<std::string> parts = SplitSqlStatements(script);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "CREATE TABLE t (x VARCHAR)");
  EXPECT_NE(parts[1].find("('a;b'), (\"c;d\")"), std::string::npos);
  EXPECT_NE(parts[2].find("$q$dollar;quoted$q$ AS v"), std::string::npos);
  EXPECT_EQ(SplitSqlStatements("SELECT 'it''s; fine'").size(), 1u);
  EXPECT_TRUE(SplitSqlStatements(" ; -- nothing\n").empty());
}

}  // namespace
}  // namespace weir
