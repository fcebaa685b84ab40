#include "template/value.h"

#include <cmath>

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(TemplateValueTest, PrintsAsPythonStr) {
  EXPECT_EQ(TemplateValue().ToString(), "None");
  EXPECT_EQ(TemplateValue::Bool(true).ToString(), "True");
  EXPECT_EQ(TemplateValue::Int(-42).ToString(), "-42");
  EXPECT_EQ(TemplateValue::String("plain").ToString(), "plain");
  EXPECT_EQ(TemplateValue::String("plain").Repr(), "'plain'");
}

TEST(TemplateValueTest, FloatsPrintAsPythonRepr) {
  struct Case {
    double value;
    const char* text;
  };
  for (const Case& c : {Case{1.0, "1.0"}, Case{0.5, "0.5"}, Case{-0.0, "-0.0"}, Case{0.1 + 0.2, "0.30000000000000004"},
                        Case{1e15, "1000000000000000.0"}, Case{1e16, "1e+16"}, Case{1.5e16, "1.5e+16"},
                        Case{1e-4, "0.0001"}, Case{1e-5, "1e-05"}, Case{1.5e-7, "1.5e-07"}, Case{1e100, "1e+100"},
                        Case{123456789.123, "123456789.123"}, Case{INFINITY, "inf"}, Case{-INFINITY, "-inf"},
                        Case{NAN, "nan"}}) {
    EXPECT_EQ(TemplateValue::Float(c.value).ToString(), c.text);
  }
}

TEST(TemplateValueTest, StringReprChoosesQuotesAndEscapes) {
  EXPECT_EQ(TemplateValue::String("it's").Repr(), "\"it's\"");
  EXPECT_EQ(TemplateValue::String("a'b\"c").Repr(), "'a\\'b\"c'");
  EXPECT_EQ(TemplateValue::String("t\tn\n\\\x01").Repr(), "'t\\tn\\n\\\\\\x01'");
  EXPECT_EQ(TemplateValue::String("Grüße").Repr(), "'Grüße'");
}

TEST(TemplateValueTest, ContainersPrintTheirItemsRepr) {
  TemplateMap map;
  map.Set("b", TemplateValue::Int(1));
  map.Set("a", TemplateValue::FromList({TemplateValue::String("x"), TemplateValue(), TemplateValue::Bool(false)}));
  EXPECT_EQ(TemplateValue::FromMap(map).ToString(), "{'b': 1, 'a': ['x', None, False]}");
}

TEST(TemplateValueTest, MapKeepsInsertionOrderAndReplacesInPlace) {
  TemplateMap map;
  map.Set("z", TemplateValue::Int(1));
  map.Set("a", TemplateValue::Int(2));
  map.Set("z", TemplateValue::Int(3));
  EXPECT_EQ(map.Keys(), (std::vector<std::string>{"z", "a"}));
  EXPECT_EQ(map.Find("z")->AsInt(), 3);
  EXPECT_EQ(map.Find("nope"), nullptr);
}

TEST(TemplateValueTest, EqualityFollowsPython) {
  EXPECT_EQ(TemplateValue::Int(1), TemplateValue::Float(1.0));
  EXPECT_EQ(TemplateValue::Bool(true), TemplateValue::Int(1));
  EXPECT_FALSE(TemplateValue::String("1") == TemplateValue::Int(1));
  TemplateMap a, b;
  a.Set("x", TemplateValue::Int(1));
  a.Set("y", TemplateValue::Int(2));
  b.Set("y", TemplateValue::Int(2));
  b.Set("x", TemplateValue::Int(1));
  EXPECT_EQ(TemplateValue::FromMap(a), TemplateValue::FromMap(b));  // order does not matter
  EXPECT_EQ(TemplateValue::FromList({TemplateValue::Int(1)}), TemplateValue::FromList({TemplateValue::Float(1.0)}));
}

TEST(TemplateValueTest, Truthiness) {
  EXPECT_FALSE(TemplateValue().Truthy());
  EXPECT_FALSE(TemplateValue::Int(0).Truthy());
  EXPECT_FALSE(TemplateValue::Float(0.0).Truthy());
  EXPECT_FALSE(TemplateValue::String("").Truthy());
  EXPECT_FALSE(TemplateValue::FromList({}).Truthy());
  EXPECT_FALSE(TemplateValue::FromMap({}).Truthy());
  EXPECT_TRUE(TemplateValue::String("0").Truthy());
  EXPECT_TRUE(TemplateValue::Function("f", nullptr).Truthy());
}

TEST(TemplateValueTest, CopiesShareContainers) {
  TemplateValue list = TemplateValue::FromList({TemplateValue::Int(1)});
  TemplateValue copy = list;
  EXPECT_EQ(&list.AsList(), &copy.AsList());
}

}  // namespace
}  // namespace weir
