// Objects made in C++ with Python's special methods (__add__, __eq__,
// __lt__, __call__, __repr__, ...): the operators, calls, sorting and repr
// a template applies to them.
#include <gtest/gtest.h>

#include "template/template.h"

namespace weir {
namespace {

using Kind = TemplateValue::Kind;

// A whole number of cents: `cents(5) + cents(7)` is cents(12), cents + int
// adds cents, int * cents scales, and anything else is declined with a
// template-type error (Python's NotImplemented).
TemplateValue Cents(int64_t amount);

std::optional<int64_t> AmountOf(const TemplateValue& value) {
  if (value.kind() != Kind::kObject) return std::nullopt;
  const TemplateValue* amount = value.ObjectAttributes().Find("amount");
  if (amount == nullptr) return std::nullopt;
  return amount->AsInt();
}

Status Declined() { return UserError("template-type", "unsupported operand for cents"); }

TemplateValue Method(const std::string& name, std::function<Result<TemplateValue>(const TemplateValue&)> body) {
  return TemplateValue::Function(name, [body](const TemplateCallArgs& args) -> Result<TemplateValue> {
    return body(args.positional.empty() ? TemplateValue::None() : args.positional[0]);
  });
}

TemplateValue Cents(int64_t amount) {
  TemplateMap attributes;
  attributes.Set("amount", TemplateValue::Int(amount));
  attributes.Set("__add__", Method("__add__", [amount](const TemplateValue& other) -> Result<TemplateValue> {
    if (std::optional<int64_t> cents = AmountOf(other)) return Cents(amount + *cents);
    if (other.kind() == Kind::kInt) return Cents(amount + other.AsInt());
    return Declined();
  }));
  attributes.Set("__rmul__", Method("__rmul__", [amount](const TemplateValue& other) -> Result<TemplateValue> {
    if (other.kind() == Kind::kInt) return Cents(amount * other.AsInt());
    return Declined();
  }));
  attributes.Set("__neg__", Method("__neg__", [amount](const TemplateValue&) -> Result<TemplateValue> {
    return Cents(-amount);
  }));
  attributes.Set("__eq__", Method("__eq__", [amount](const TemplateValue& other) -> Result<TemplateValue> {
    std::optional<int64_t> cents = AmountOf(other);
    return TemplateValue::Bool(cents && *cents == amount);
  }));
  attributes.Set("__lt__", Method("__lt__", [amount](const TemplateValue& other) -> Result<TemplateValue> {
    std::optional<int64_t> cents = AmountOf(other);
    if (!cents) return UserError("template-type", "cents compare only with cents");
    return TemplateValue::Bool(amount < *cents);
  }));
  attributes.Set("__repr__", Method("__repr__", [amount](const TemplateValue&) -> Result<TemplateValue> {
    return TemplateValue::String("Cents(" + std::to_string(amount) + ")");
  }));
  return TemplateValue::Object(std::move(attributes), std::to_string(amount) + "c");
}

TemplateContext MoneyContext() {
  TemplateContext context;
  context.Set("five", Cents(5));
  context.Set("seven", Cents(7));
  context.Set("plain", TemplateValue::Object(TemplateMap(), "plain"));
  // A class-like object: callable, with attributes of its own.
  TemplateMap type;
  type.Set("zero", Cents(0));
  type.Set("__call__", TemplateValue::Function("cents", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.size() != 1 || args.positional[0].kind() != Kind::kInt) {
      return UserError("template-argument", "cents() takes a number");
    }
    return Cents(args.positional[0].AsInt());
  }));
  context.Set("cents", TemplateValue::Object(std::move(type), "<class 'cents'>"));
  return context;
}

std::string Render(std::string_view text) {
  Result<std::string> out = RenderTemplate(text, SourceLocation{"m.sql", 1, 1}, MoneyContext());
  return out.ok() ? *out : "error: " + out.status().ToString();
}

TEST(TemplateSpecialMethodsTest, ArithmeticUsesTheObjectsMethods) {
  EXPECT_EQ(Render("{{ five + seven }}"), "12c");
  EXPECT_EQ(Render("{{ five + 3 }}"), "8c");
  EXPECT_EQ(Render("{{ 3 * seven }}"), "21c");  // the reflected __rmul__
  EXPECT_EQ(Render("{{ -five }}"), "-5c");
  EXPECT_EQ(Render("{{ (five + seven).amount }}"), "12");
}

TEST(TemplateSpecialMethodsTest, DeclinedOperandsAreTypeErrors) {
  std::string out = Render("{{ five + 'x' }}");
  EXPECT_NE(out.find("error[template-type]"), std::string::npos) << out;
  EXPECT_NE(out.find("m.sql:1:9"), std::string::npos) << out;  // at the operator
  out = Render("{{ seven * five }}");  // neither __mul__ nor a reflected one that takes it
  EXPECT_NE(out.find("error[template-type]"), std::string::npos) << out;
  out = Render("{{ plain + 1 }}");  // no methods at all
  EXPECT_NE(out.find("unsupported operand types for '+': object and int"), std::string::npos) << out;
}

TEST(TemplateSpecialMethodsTest, ComparisonsAndSorting) {
  EXPECT_EQ(Render("{{ five == cents(5) }} {{ five != seven }} {{ five == 5 }}"), "True True False");
  EXPECT_EQ(Render("{{ five < seven }} {{ seven <= five }} {{ seven > five }} {{ five >= cents(5) }}"),
            "True False True True");
  EXPECT_EQ(Render("{{ [seven, five, cents(6)] | sort | join(',') }}"), "5c,6c,7c");
  EXPECT_EQ(Render("{{ [seven, five] | max }} {{ cents(6) in [five, cents(6)] }}"), "7c True");
  std::string out = Render("{{ five < 3 }}");
  EXPECT_NE(out.find("cents compare only with cents"), std::string::npos) << out;
}

TEST(TemplateSpecialMethodsTest, CallableObjectsKeepTheirAttributes) {
  EXPECT_EQ(Render("{{ cents(4) + cents.zero }}"), "4c");
  EXPECT_EQ(Render("{{ cents is callable }} {{ five is callable }}"), "True False");
  std::string out = Render("{{ five(1) }}");
  EXPECT_NE(out.find("is not a function"), std::string::npos) << out;
  Result<TemplateValue> called =
      CallTemplateValue(*MoneyContext().Find("cents"), TemplateCallArgs{{TemplateValue::Int(9)}, {}}, MoneyContext());
  ASSERT_TRUE(called.ok()) << called.status().ToString();
  EXPECT_EQ(called->ToString(), "9c");
}

TEST(TemplateSpecialMethodsTest, ReprUsesDunderRepr) {
  EXPECT_EQ(Render("{{ [five, seven] }} {{ five }} {{ five | string }}"), "[Cents(5), Cents(7)] 5c 5c");
  EXPECT_EQ(Render("{{ plain }} {{ [plain] }}"), "plain [plain]");
}

}  // namespace
}  // namespace weir
