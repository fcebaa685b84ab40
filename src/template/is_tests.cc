// Tests (`x is odd`) and builtin functions (range, dict, namespace, joiner).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>

#include "common/text.h"

#include "template/internal/budget.h"
#include "template/internal/filters.h"
#include "template/internal/operators.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

// Tests that look at the value only.
template <bool (*Predicate)(const TemplateValue&)>
Result<bool> Simple(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("test", args, {}));
  return Predicate(input);
}

bool IsNone(const TemplateValue& v) { return v.is_none(); }
bool IsTrue(const TemplateValue& v) { return v.kind() == Kind::kBool && v.AsBool(); }
bool IsFalse(const TemplateValue& v) { return v.kind() == Kind::kBool && !v.AsBool(); }
bool IsBoolean(const TemplateValue& v) { return v.kind() == Kind::kBool; }
bool IsString(const TemplateValue& v) { return v.kind() == Kind::kString; }
bool IsNumber(const TemplateValue& v) { return v.is_number(); }
bool IsInteger(const TemplateValue& v) { return v.kind() == Kind::kInt; }
bool IsFloat(const TemplateValue& v) { return v.kind() == Kind::kFloat; }
bool IsMapping(const TemplateValue& v) { return v.kind() == Kind::kMap; }
bool IsIterable(const TemplateValue& v) {
  return v.kind() == Kind::kString || v.is_sequence() || v.kind() == Kind::kMap;
}
bool IsCallable(const TemplateValue& v) {
  return v.kind() == Kind::kCallable || SpecialMethod(v, "__call__").has_value();
}
bool IsEscaped(const TemplateValue&) { return false; }  // no Markup values here
bool IsLower(const TemplateValue& v) {
  std::string text = v.ToString();
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'a' && c <= 'z'; }) &&
         std::none_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}
bool IsUpper(const TemplateValue& v) {
  std::string text = v.ToString();
  return std::any_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; }) &&
         std::none_of(text.begin(), text.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}
bool IsFilterName(const TemplateValue& v) {
  return v.kind() == Kind::kString && (IsDefaultFilter(v.AsString()) || FindFilter(v.AsString()) != nullptr);
}
bool IsTestName(const TemplateValue& v) {
  return v.kind() == Kind::kString && (v.AsString() == "defined" || v.AsString() == "undefined" || FindTest(v.AsString()) != nullptr);
}

Result<bool> SameAs(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(auto bound, BindArguments("sameas", args, {"other"}));
  if (!bound[0]) return UserError("template-argument", "sameas: needs a value to compare with");
  return input.IsSameObject(*bound[0]);
}

Result<bool> Parity(const TemplateValue& input, const TemplateCallArgs& args, int64_t remainder) {
  WEIR_TRY(BindArguments(remainder == 0 ? "even" : "odd", args, {}));
  if (!input.is_number()) return UserError("template-type", "even/odd: expected a number, not " + std::string(input.TypeName()));
  WEIR_ASSIGN_OR_RETURN(TemplateValue mod, ApplyBinary(BinaryOp::kMod, input, TemplateValue::Int(2)));
  return mod == TemplateValue::Int(remainder);
}
Result<bool> Even(const TemplateValue& input, const TemplateCallArgs& args) { return Parity(input, args, 0); }
Result<bool> Odd(const TemplateValue& input, const TemplateCallArgs& args) { return Parity(input, args, 1); }

Result<bool> DivisibleBy(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(auto bound, BindArguments("divisibleby", args, {"num"}));
  if (!bound[0]) return UserError("template-argument", "divisibleby: needs a number, as in divisibleby(3)");
  if (!input.is_number() || !bound[0]->is_number()) return UserError("template-type", "divisibleby: expected numbers");
  WEIR_ASSIGN_OR_RETURN(TemplateValue mod, ApplyBinary(BinaryOp::kMod, input, *bound[0]));
  return mod == TemplateValue::Int(0);
}

template <CompareOp Op>
Result<bool> Compare(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(auto bound, BindArguments("test", args, {"other"}));
  if (!bound[0]) return UserError("template-argument", "comparison test: needs a value to compare with");
  return ApplyCompare(Op, input, *bound[0]);
}

Result<bool> In(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(auto bound, BindArguments("in", args, {"seq"}));
  if (!bound[0]) return UserError("template-argument", "in: needs a sequence, as in `is in [1, 2]`");
  return ApplyCompare(CompareOp::kIn, input, *bound[0]);
}

const std::map<std::string_view, TestFunction>& Tests() {
  static const auto* tests = new std::map<std::string_view, TestFunction>{
      {"none", Simple<IsNone>}, {"true", Simple<IsTrue>}, {"false", Simple<IsFalse>},
      {"boolean", Simple<IsBoolean>}, {"string", Simple<IsString>}, {"number", Simple<IsNumber>},
      {"integer", Simple<IsInteger>}, {"float", Simple<IsFloat>}, {"mapping", Simple<IsMapping>},
      {"iterable", Simple<IsIterable>}, {"sequence", Simple<IsIterable>}, {"callable", Simple<IsCallable>},
      {"even", Even}, {"odd", Odd}, {"divisibleby", DivisibleBy}, {"in", In},
      {"eq", Compare<CompareOp::kEq>}, {"equalto", Compare<CompareOp::kEq>}, {"==", Compare<CompareOp::kEq>},
      {"ne", Compare<CompareOp::kNe>}, {"!=", Compare<CompareOp::kNe>}, {"lt", Compare<CompareOp::kLt>},
      {"le", Compare<CompareOp::kLe>}, {"gt", Compare<CompareOp::kGt>}, {"ge", Compare<CompareOp::kGe>},
      {"<", Compare<CompareOp::kLt>}, {"<=", Compare<CompareOp::kLe>}, {">", Compare<CompareOp::kGt>},
      {">=", Compare<CompareOp::kGe>}, {"lessthan", Compare<CompareOp::kLt>}, {"greaterthan", Compare<CompareOp::kGt>},
      {"sameas", SameAs}, {"escaped", Simple<IsEscaped>}, {"lower", Simple<IsLower>}, {"upper", Simple<IsUpper>},
      {"filter", Simple<IsFilterName>}, {"test", Simple<IsTestName>},
  };
  return *tests;
}

constexpr int64_t kMaxRange = 1'000'000;

Result<TemplateValue> Range(const TemplateCallArgs& args) {
  if (!args.keyword.empty()) return UserError("template-argument", "range: takes no keyword arguments");
  std::vector<int64_t> n;
  for (const TemplateValue& arg : args.positional) {
    if (arg.kind() != Kind::kInt && arg.kind() != Kind::kBool) {
      return UserError("template-type", "range: expected integers, not " + std::string(arg.TypeName()));
    }
    n.push_back(arg.AsInt());
  }
  if (n.empty() || n.size() > 3) return UserError("template-argument", "range: takes 1 to 3 integers (start, stop, step)");
  int64_t start = n.size() == 1 ? 0 : n[0], stop = n.size() == 1 ? n[0] : n[1], step = n.size() == 3 ? n[2] : 1;
  if (step == 0) return UserError("template-value", "range: step must not be zero");
  // Long double avoids overflow in (stop - start) for extreme 64-bit bounds.
  long double count = std::ceil((static_cast<long double>(stop) - start) / step);
  if (count > kMaxRange) return UserError("template-limit", "range: more than " + std::to_string(kMaxRange) + " items");
  WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(std::max<long double>(count, 0)) * kCostPerItem));
  TemplateValue::List items;
  for (int64_t i = 0; i < static_cast<int64_t>(count); ++i) items.push_back(TemplateValue::Int(start + i * step));
  return TemplateValue::FromList(std::move(items));
}

// Python's dict(mapping_or_pairs, **keywords), also what namespace() takes.
Result<TemplateMap> DictArguments(std::string_view what, const TemplateCallArgs& args) {
  if (args.positional.size() > 1) return UserError("template-argument", std::string(what) + ": takes at most one positional argument");
  TemplateMap map;
  if (!args.positional.empty()) {
    const TemplateValue& from = args.positional[0];
    if (from.kind() == Kind::kMap) {
      map = from.AsMap();
    } else if (from.is_sequence()) {
      for (const TemplateValue& pair : from.AsList()) {
        if (!pair.is_sequence() || pair.AsList().size() != 2 || pair.AsList()[0].kind() != Kind::kString) {
          return UserError("template-type", std::string(what) + ": each item must be a (string key, value) pair");
        }
        map.Set(pair.AsList()[0].AsString(), pair.AsList()[1]);
      }
    } else if (from.is_namespace()) {
      map = from.ObjectAttributes();
    } else {
      return UserError("template-type", std::string(what) + ": expected a map or (key, value) pairs, not " + std::string(from.TypeName()));
    }
  }
  for (const auto& [name, value] : args.keyword) map.Set(name, value);
  return map;
}

Result<TemplateValue> Dict(const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(TemplateMap map, DictArguments("dict", args));
  return TemplateValue::FromMap(std::move(map));
}

Result<TemplateValue> NamespaceBuiltin(const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(TemplateMap map, DictArguments("namespace", args));
  return TemplateValue::Namespace(std::move(map));
}

// joiner(sep=', '): a function that returns '' the first time, then sep.
Result<TemplateValue> Joiner(const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(auto bound, BindArguments("joiner", args, {"sep"}));
  TemplateValue separator = bound[0] ? *bound[0] : TemplateValue::String(", ");
  auto used = std::make_shared<bool>(false);
  return TemplateValue::Function("joiner", [separator, used](const TemplateCallArgs& call) -> Result<TemplateValue> {
    WEIR_TRY(BindArguments("joiner", call, {}));
    if (!*used) {
      *used = true;
      return TemplateValue::String("");
    }
    return separator;
  });
}

Result<TemplateValue> ReturnOutsideEvaluator(const TemplateCallArgs&) {
  return UserError("template-value", "return() can only be called inside a macro");
}

const std::map<std::string_view, TemplateValue>& Builtins() {
  static const auto* builtins = new std::map<std::string_view, TemplateValue>{
      {"range", TemplateValue::Function("range", Range)},
      {"dict", TemplateValue::Function("dict", Dict)},
      {"namespace", TemplateValue::Function("namespace", NamespaceBuiltin)},
      {"joiner", TemplateValue::Function("joiner", Joiner)},
  };
  return *builtins;
}

}  // namespace

TestFunction FindTest(std::string_view name) {
  auto it = Tests().find(name);
  return it == Tests().end() ? nullptr : it->second;
}

std::vector<std::string> TestNames() {
  std::vector<std::string> names = {"defined", "undefined"};
  for (const auto& [name, test] : Tests()) names.emplace_back(name);
  return names;
}

const TemplateValue* FindBuiltin(std::string_view name) {
  auto it = Builtins().find(name);
  return it == Builtins().end() ? nullptr : &it->second;
}

const TemplateValue& ReturnBuiltin() {
  static const auto* value = new TemplateValue(TemplateValue::Function("return", ReturnOutsideEvaluator));
  return *value;
}

Result<bool> ApplyNamedTest(std::string_view name, const TemplateValue& input, const TemplateCallArgs& args) {
  if (name == "defined" || name == "undefined") return name == "defined";
  TestFunction test = FindTest(name);
  if (test == nullptr) {
    return UserError("unknown-test", "unknown test '" + std::string(name) + "'" + DidYouMean(name, TestNames()));
  }
  return test(input, args);
}

std::vector<std::string> BuiltinNames() {
  std::vector<std::string> names;
  for (const auto& [name, value] : Builtins()) names.emplace_back(name);
  return names;
}

}  // namespace weir::template_internal
