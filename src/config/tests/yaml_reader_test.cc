#include <gtest/gtest.h>

#include "config/config_node.h"

namespace weir {
namespace {

TEST(YamlReaderTest, KeepsPositionsFromOne) {
  YamlDocument doc = ParseYaml("a: 1\nlist:\n  - x\n  - 'quoted'\nnested: {k: v}\n", "f.yml");
  ASSERT_TRUE(doc.errors.empty());
  const ConfigNode& root = doc.root;
  ASSERT_TRUE(root.is_map());
  EXPECT_EQ(root.Find("a")->where().ToString(), "f.yml:1:4");
  const ConfigNode* list = root.Find("list");
  ASSERT_TRUE(list->is_sequence());
  EXPECT_EQ(list->items()[1].scalar(), "quoted");
  EXPECT_TRUE(list->items()[1].quoted());
  EXPECT_FALSE(list->items()[0].quoted());
  EXPECT_EQ(list->items()[1].where().ToString(), "f.yml:4:5");
  EXPECT_EQ(root.Find("nested")->Find("k")->where().ToString(), "f.yml:5:13");
}

TEST(YamlReaderTest, ReportsDuplicateKeysAndKeepsFirst) {
  YamlDocument doc = ParseYaml("a: 1\nb: 2\na: 3\n", "d.yml");
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].code(), "duplicate-key");
  EXPECT_EQ(doc.errors[0].where().ToString(), "d.yml:3:1");
  EXPECT_NE(doc.errors[0].message().find("d.yml:1:1"), std::string::npos);
  EXPECT_EQ(doc.root.Find("a")->scalar(), "1");
}

TEST(YamlReaderTest, SyntaxErrorHasLocation) {
  YamlDocument doc = ParseYaml("a: 1\nb: [1, 2\n", "s.yml");
  ASSERT_EQ(doc.errors.size(), 1u);
  EXPECT_EQ(doc.errors[0].code(), "yaml-syntax");
  EXPECT_EQ(doc.errors[0].where().file, "s.yml");
  EXPECT_GE(doc.errors[0].where().line, 2);
}

TEST(YamlReaderTest, NullsAliasesAndTypedReads) {
  YamlDocument doc = ParseYaml("n:\nt: ~\nbase: &b {x: 1}\ncopy: *b\nflag: yes\nnum: '5'\n", "n.yml");
  ASSERT_TRUE(doc.errors.empty());
  EXPECT_TRUE(doc.root.Find("n")->is_null());
  EXPECT_TRUE(doc.root.Find("t")->is_null());
  EXPECT_EQ(doc.root.Find("copy")->Find("x")->scalar(), "1");
  EXPECT_TRUE(*doc.root.Find("flag")->AsBool("flag"));
  Result<int64_t> quoted_number = doc.root.Find("num")->AsInt("'num'");
  EXPECT_EQ(quoted_number.status().code(), "wrong-type");
  EXPECT_EQ(quoted_number.status().message(), "'num' must be a whole number, got '5'");
}

TEST(YamlReaderTest, EmptyFileIsNull) {
  YamlDocument doc = ParseYaml("", "e.yml");
  EXPECT_TRUE(doc.errors.empty());
  EXPECT_TRUE(doc.root.is_null());
  EXPECT_EQ(doc.root.where().file, "e.yml");
}

}  // namespace
}  // namespace weir
