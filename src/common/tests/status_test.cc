#include "common/status.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return UserError("not-positive", "expected a positive number, got " + std::to_string(v),
                               SourceLocation{"a.yml", 3, 7});
  return v;
}

Result<int> Doubled(int v) {
  WEIR_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status CheckBoth(int a, int b) {
  WEIR_TRY(ParsePositive(a));
  WEIR_TRY(ParsePositive(b));
  return OkStatus();
}

TEST(StatusTest, OkHasNoErrorFields) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), "ok");
  EXPECT_EQ(s.ToString(), "ok");
  EXPECT_FALSE(s.retryable());
}

TEST(StatusTest, ErrorCarriesKindCodeAndLocation) {
  Status s = UserError("unknown-key", "unknown key 'shedule'", SourceLocation{"p.yml", 14, 11});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kUser);
  EXPECT_EQ(s.ToString(), "p.yml:14:11: error[unknown-key]: unknown key 'shedule'");
  EXPECT_FALSE(s.retryable());
  EXPECT_TRUE(Fault("http-503", "service unavailable").retryable());
}

TEST(StatusTest, ContextAndLocationAreAddedOnce) {
  Status s = Fault("lock", "database is locked").WithContext("task load").At(SourceLocation{"x.yml", 2, 0});
  EXPECT_EQ(s.message(), "task load: database is locked");
  EXPECT_EQ(s.where().ToString(), "x.yml:2");
  EXPECT_EQ(s.At(SourceLocation{"other.yml", 9, 9}).where().file, "x.yml");
}

TEST(StatusTest, TryPropagatesFirstError) {
  EXPECT_TRUE(CheckBoth(1, 2).ok());
  Status s = CheckBoth(1, -4);
  EXPECT_EQ(s.code(), "not-positive");
  EXPECT_EQ(s.message(), "expected a positive number, got -4");
}

TEST(StatusTest, AssignOrReturnUnwrapsValue) {
  Result<int> ok = Doubled(21);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, 42);
  Result<int> bad = Doubled(0);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().where().line, 3);
}

TEST(StatusTest, CopiesAreIndependent) {
  Status a = UserError("a", "first");
  Status b = a;
  b = b.WithContext("ctx");
  EXPECT_EQ(a.message(), "first");
  EXPECT_EQ(b.message(), "ctx: first");
}

TEST(StatusDeathTest, CheckAbortsWithExpression) {
  EXPECT_DEATH(WEIR_CHECK(1 + 1 == 3), "1 \\+ 1 == 3");
}

}  // namespace
}  // namespace weir
