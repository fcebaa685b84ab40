// The selector syntax: how criteria are read, and every error.
#include <gtest/gtest.h>

#include "graph/internal/selection_spec.h"
#include "graph/selection.h"

namespace weir::graph_internal {
namespace {

Criterion Parse(const std::string& text) {
  Result<Criterion> c = ParseCriterion(text);
  if (!c.ok()) {
    ADD_FAILURE() << text << ": " << c.status().ToString();
    return {};
  }
  return std::move(c).value();
}

TEST(SelectionParseTest, OperatorsMethodAndValue) {
  Criterion c = Parse("2+tag:nightly+3");
  EXPECT_EQ(c.method, SelectorMethod::kTag);
  EXPECT_EQ(c.value, "nightly");
  EXPECT_TRUE(c.parents);
  EXPECT_EQ(c.parents_depth, 2);
  EXPECT_TRUE(c.children);
  EXPECT_EQ(c.children_depth, 3);
  EXPECT_FALSE(c.childrens_parents);

  c = Parse("+stg_sales+");
  EXPECT_EQ(c.method, SelectorMethod::kFqn);
  EXPECT_EQ(c.value, "stg_sales");
  EXPECT_EQ(c.parents_depth, kUnlimitedDepth);
  EXPECT_EQ(c.children_depth, kUnlimitedDepth);

  c = Parse("@stg_sales");
  EXPECT_TRUE(c.childrens_parents);
  EXPECT_FALSE(c.parents);
  EXPECT_FALSE(c.children);

  c = Parse("@+stg_sales");  // dbt's pattern allows both prefixes
  EXPECT_TRUE(c.childrens_parents);
  EXPECT_TRUE(c.parents);
}

TEST(SelectionParseTest, PlusInsideANameIsPartOfIt) {
  Criterion c = Parse("a+b");
  EXPECT_EQ(c.value, "a+b");
  EXPECT_FALSE(c.children);
  c = Parse("x+1+");
  EXPECT_EQ(c.value, "x+1");
  EXPECT_TRUE(c.children);
  EXPECT_EQ(c.children_depth, kUnlimitedDepth);
  c = Parse("2020_sales");  // digits not followed by '+' are a name
  EXPECT_EQ(c.value, "2020_sales");
  EXPECT_FALSE(c.parents);
}

TEST(SelectionParseTest, DefaultMethodFollowsTheValue) {
  EXPECT_EQ(Parse("stg_sales").method, SelectorMethod::kFqn);
  EXPECT_EQ(Parse("staging.stg_sales").method, SelectorMethod::kFqn);
  EXPECT_EQ(Parse("models/staging").method, SelectorMethod::kPath);
  EXPECT_EQ(Parse("stg_sales.sql").method, SelectorMethod::kFile);
  EXPECT_EQ(Parse("country_codes.CSV").method, SelectorMethod::kFile);
  EXPECT_EQ(Parse("load.py").method, SelectorMethod::kFile);
  EXPECT_EQ(Parse("models/stg_sales.sql").method, SelectorMethod::kPath);
}

TEST(SelectionParseTest, ValuesAreCheckedAndSplit) {
  Criterion c = Parse("config.meta.owner:finance-team");
  EXPECT_EQ(c.method, SelectorMethod::kConfig);
  EXPECT_EQ(c.config_key, "meta.owner");
  EXPECT_EQ(c.value, "finance-team");
  EXPECT_EQ(Parse("source:raw").parts, (std::vector<std::string>{"*", "raw", "*"}));
  EXPECT_EQ(Parse("source:raw.sales").parts, (std::vector<std::string>{"*", "raw", "sales"}));
  EXPECT_EQ(Parse("source:pkg.raw.sales").parts, (std::vector<std::string>{"pkg", "raw", "sales"}));
  EXPECT_EQ(Parse("path:./models//staging/").parts, (std::vector<std::string>{"models", "staging"}));
  EXPECT_EQ(Parse("shop.staging.stg_*").parts, (std::vector<std::string>{"shop", "staging", "stg_*"}));
  EXPECT_EQ(Parse("resource_type:unit_test").resource_type, ResourceType::kUnitTest);
  EXPECT_EQ(Parse("test_type:data").test_type, TestTypeFilter::kData);
  EXPECT_EQ(Parse("0+x").parents_depth, 0);
  EXPECT_EQ(Parse("tag:a:b").value, "a:b");
}

// Each bad selector, and a piece of the reason it must give.
struct BadCase {
  std::string select;
  std::string reason;
};

class SelectionErrorTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(SelectionErrorTest, NamesTheSelectorAndWhy) {
  const BadCase& bad = GetParam();
  Result<NodeSelector> selector = ParseNodeSelection({bad.select}, {});
  ASSERT_FALSE(selector.ok()) << bad.select;
  EXPECT_EQ(selector.status().code(), "bad-selector");
  EXPECT_EQ(selector.status().kind(), ErrorKind::kUser);
  const std::string& message = selector.status().message();
  EXPECT_NE(message.find("--select"), std::string::npos) << message;
  EXPECT_NE(message.find(bad.reason), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    SelectionParseTest, SelectionErrorTest,
    ::testing::Values(
        BadCase{"tag:", "bad selector 'tag:' in --select: 'tag:' needs a value"},
        BadCase{"foo:bar", "unknown method 'foo'"},
        BadCase{"tagg:nightly", "unknown method 'tagg'; did you mean 'tag'?"},
        BadCase{"state:modified", "the method 'state' is not supported by Weir yet"},
        BadCase{"1+", "there is no name after the graph operators"},
        BadCase{"+", "there is no name after the graph operators"},
        BadCase{"@", "there is no name after the graph operators"},
        BadCase{"+tag:+", "'tag:' needs a value"},
        BadCase{"@stg_sales+", "'@' and a trailing '+' cannot be combined"},
        BadCase{"2@stg_sales", "'@' takes no depth"},
        BadCase{"9999999+stg_sales", "the depth 9999999 is too large"},
        BadCase{"stg_sales+1234567", "the depth 1234567 is too large"},
        BadCase{"config:table", "'config' needs a key"},
        BadCase{"config.:table", "the config key '' has an empty part"},
        BadCase{"config.meta.:x", "the config key 'meta.' has an empty part"},
        BadCase{"tag.color:red", "the method 'tag' takes no '.color'"},
        BadCase{"source:a.b.c.d", "a source is 'source_name', 'source_name.table' or 'package.source_name.table'"},
        BadCase{"source:raw.", "a source has an empty part"},
        BadCase{"resource_type:models", "unknown resource type 'models'; did you mean 'model'?"},
        BadCase{"test_type:integration", "unknown test type 'integration'"},
        BadCase{"path:/etc/passwd", "a path is relative to the project root"},
        BadCase{"path:./", "the path names no folder or file"},
        BadCase{"staging..stg_sales", "a dotted name has an empty part"},
        BadCase{"tag:a,,tag:b", "empty selector between commas in --select 'tag:a,,tag:b'"},
        BadCase{"tag:a,", "empty selector between commas"},
        BadCase{"tag:a,foo:b", "bad selector 'foo:b' in --select 'tag:a,foo:b': unknown method 'foo'"},
        BadCase{"", "empty --select value"},
        BadCase{"   ", "empty --select value"}));

TEST(SelectionParseTest, ErrorsInExcludeNameIt) {
  Result<NodeSelector> selector = ParseNodeSelection({"stg_sales"}, {"tag:"});
  ASSERT_FALSE(selector.ok());
  EXPECT_NE(selector.status().message().find("bad selector 'tag:' in --exclude"), std::string::npos)
      << selector.status().message();
}

TEST(SelectionParseTest, IndirectSelectionNames) {
  EXPECT_EQ(*ParseIndirectSelection("eager"), IndirectSelection::kEager);
  EXPECT_EQ(*ParseIndirectSelection("cautious"), IndirectSelection::kCautious);
  EXPECT_EQ(*ParseIndirectSelection("buildable"), IndirectSelection::kBuildable);
  EXPECT_EQ(*ParseIndirectSelection("empty"), IndirectSelection::kEmpty);
  Result<IndirectSelection> bad = ParseIndirectSelection("lazy");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), "bad-selector");
  EXPECT_NE(bad.status().message().find("unknown --indirect-selection 'lazy'"), std::string::npos);
}

TEST(SelectionParseTest, ResourceTypeNamesRoundTrip) {
  for (std::string_view name : {"model", "seed", "snapshot", "analysis", "test", "unit_test", "source", "exposure",
                                "metric", "semantic_model", "saved_query", "function"}) {
    std::optional<ResourceType> type = ParseResourceType(name);
    ASSERT_TRUE(type) << name;
    EXPECT_EQ(ResourceTypeName(*type), name);
  }
  EXPECT_FALSE(ParseResourceType("Model"));
}

}  // namespace
}  // namespace weir::graph_internal
