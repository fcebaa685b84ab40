#include <gtest/gtest.h>

#include "graph/internal/glob.h"

namespace weir::graph_internal {
namespace {

TEST(GlobTest, StarMatchesAnyRunIncludingDotsAndSlashes) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "shop.staging/stg_sales"));
  EXPECT_TRUE(GlobMatch("stg_*", "stg_"));
  EXPECT_TRUE(GlobMatch("stg_*", "stg_sales"));
  EXPECT_FALSE(GlobMatch("stg_*", "staging.stg_sales"));
  EXPECT_TRUE(GlobMatch("*.finance.*", "shop.marts.finance.fct_orders"));
  EXPECT_FALSE(GlobMatch("*.finance.*", "shop.marts.finance"));
  EXPECT_TRUE(GlobMatch("*a*b*c", "xxaybzc"));
  EXPECT_TRUE(GlobMatch("*ab", "aab"));  // the star must give back what it took
  EXPECT_FALSE(GlobMatch("*a*b*c", "xxaybz"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
}

TEST(GlobTest, QuestionMarkIsExactlyOneCharacter) {
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "ac"));
  EXPECT_FALSE(GlobMatch("a?c", "abbc"));
}

TEST(GlobTest, SetsRangesAndNegation) {
  EXPECT_TRUE(GlobMatch("[abc]x", "bx"));
  EXPECT_FALSE(GlobMatch("[abc]x", "dx"));
  EXPECT_TRUE(GlobMatch("v[0-9]", "v7"));
  EXPECT_FALSE(GlobMatch("v[0-9]", "vx"));
  EXPECT_TRUE(GlobMatch("[!c]*", "orders"));
  EXPECT_FALSE(GlobMatch("[!c]*", "customers"));
  EXPECT_TRUE(GlobMatch("[]a]", "]"));    // ']' first belongs to the set
  EXPECT_TRUE(GlobMatch("[!]a]", "b"));
  EXPECT_FALSE(GlobMatch("[!]a]", "]"));
  EXPECT_TRUE(GlobMatch("[a-]", "-"));    // '-' last is literal
  EXPECT_FALSE(GlobMatch("[z-a]", "m"));  // a reversed range is empty
}

TEST(GlobTest, UnclosedBracketIsLiteralAndThereAreNoEscapes) {
  EXPECT_TRUE(GlobMatch("a[", "a["));
  EXPECT_TRUE(GlobMatch("[ab", "[ab"));
  EXPECT_FALSE(GlobMatch("[ab", "a"));
  EXPECT_TRUE(GlobMatch("a\\b", "a\\b"));
  EXPECT_FALSE(GlobMatch("Stg_*", "stg_sales"));  // case counts
}

TEST(GlobTest, HasWildcard) {
  EXPECT_TRUE(HasWildcard("stg_*"));
  EXPECT_TRUE(HasWildcard("a?"));
  EXPECT_TRUE(HasWildcard("[ab]"));
  EXPECT_FALSE(HasWildcard("staging.stg_sales"));
}

}  // namespace
}  // namespace weir::graph_internal
