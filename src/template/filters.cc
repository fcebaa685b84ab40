#include "template/internal/filters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>

#include "template/internal/operators.h"
#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;
using Bound = std::vector<std::optional<TemplateValue>>;

Status ArgumentError(std::string message) { return UserError("template-argument", std::move(message)); }

Result<std::string> StringArgument(std::string_view what, const std::optional<TemplateValue>& value,
                                   std::string_view param, std::string fallback) {
  if (!value) return fallback;
  if (value->kind() != Kind::kString) {
    return ArgumentError(std::string(what) + ": '" + std::string(param) + "' must be a string, not " +
                         std::string(value->TypeName()));
  }
  return value->AsString();
}

Result<int64_t> IntArgument(std::string_view what, const std::optional<TemplateValue>& value, std::string_view param,
                            int64_t fallback) {
  if (!value || value->is_none()) return fallback;
  if (value->kind() != Kind::kInt && value->kind() != Kind::kBool) {
    return ArgumentError(std::string(what) + ": '" + std::string(param) + "' must be an integer, not " +
                         std::string(value->TypeName()));
  }
  return value->AsInt();
}

std::string AsciiCase(std::string text, bool upper) {
  for (char& c : text) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

Result<TemplateValue> Upper(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("upper", args, {}));
  return TemplateValue::String(AsciiCase(input.ToString(), true));
}

Result<TemplateValue> Lower(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("lower", args, {}));
  return TemplateValue::String(AsciiCase(input.ToString(), false));
}

// Python's str.strip: whitespace by default, else any of the given characters.
Result<TemplateValue> Trim(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("trim", args, {"chars"}));
  std::vector<std::string> strip_set = {" ", "\t", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x1f"};
  if (bound[0] && !bound[0]->is_none()) {
    WEIR_ASSIGN_OR_RETURN(std::string chars, StringArgument("trim", bound[0], "chars", ""));
    strip_set = SplitCodePoints(chars);
  }
  std::vector<std::string> text = SplitCodePoints(input.ToString());
  auto strip = [&](const std::string& c) { return std::find(strip_set.begin(), strip_set.end(), c) != strip_set.end(); };
  size_t begin = 0, end = text.size();
  while (begin < end && strip(text[begin])) ++begin;
  while (end > begin && strip(text[end - 1])) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) out += text[i];
  return TemplateValue::String(std::move(out));
}

// Python's str.replace, including its treatment of an empty `old`.
Result<TemplateValue> Replace(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("replace", args, {"old", "new", "count"}));
  if (!bound[0] || !bound[1]) return ArgumentError("replace: needs 'old' and 'new', as in replace('a', 'b')");
  std::string old_text = bound[0]->ToString(), new_text = bound[1]->ToString();
  WEIR_ASSIGN_OR_RETURN(int64_t count, IntArgument("replace", bound[2], "count", -1));
  std::string text = input.ToString(), out;
  if (old_text.empty()) {
    std::vector<std::string> chars = SplitCodePoints(text);
    for (size_t i = 0; i <= chars.size(); ++i) {
      if (count < 0 || static_cast<int64_t>(i) < count) out += new_text;
      if (i < chars.size()) out += chars[i];
      if (out.size() > kMaxValueBytes) return UserError("template-limit", "replace: result too large");
    }
    return TemplateValue::String(std::move(out));
  }
  size_t from = 0;
  for (int64_t done = 0; count < 0 || done < count; ++done) {
    size_t at = text.find(old_text, from);
    if (at == std::string::npos) break;
    out += text.substr(from, at - from) + new_text;
    from = at + old_text.size();
    if (out.size() > kMaxValueBytes) return UserError("template-limit", "replace: result too large");
  }
  return TemplateValue::String(out + text.substr(from));
}

Result<TemplateValue> Length(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("length", args, {}));
  switch (input.kind()) {
    case Kind::kString: return TemplateValue::Int(CountCodePoints(input.AsString()));
    case Kind::kList: return TemplateValue::Int(static_cast<int64_t>(input.AsList().size()));
    case Kind::kMap: return TemplateValue::Int(static_cast<int64_t>(input.AsMap().size()));
    default: return UserError("template-type", "length: " + std::string(input.TypeName()) + " has no length");
  }
}

Result<TemplateValue> Join(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("join", args, {"d", "attribute"}));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List items, IterationItems(input));
  std::string separator = bound[0] ? bound[0]->ToString() : "";
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    TemplateValue item = items[i];
    if (bound[1] && !bound[1]->is_none()) {
      std::optional<TemplateValue> field = LookupItem(item, *bound[1]);
      if (!field) return UserError("undefined-attribute", "join: an item has no attribute " + bound[1]->Repr());
      item = *field;
    }
    out += (i > 0 ? separator : "") + item.ToString();
    if (out.size() > kMaxValueBytes) return UserError("template-limit", "join: result too large");
  }
  return TemplateValue::String(std::move(out));
}

std::string StripWhitespace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Python's int(str): optional sign, digits with single '_' between them.
std::optional<int64_t> ParsePythonInt(std::string_view text) {
  std::string digits;
  size_t i = 0;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) digits += text[i++];
  for (; i < text.size(); ++i) {
    bool separator_ok = text[i] == '_' && i + 1 < text.size() && digits.size() > 0 && std::isdigit(static_cast<unsigned char>(digits.back())) &&
                        std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (separator_ok) continue;
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    digits += text[i];
  }
  if (!digits.empty() && digits[0] == '+') digits.erase(0, 1);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Python's float(str), which also takes inf and nan.
std::optional<double> ParsePythonFloat(std::string_view text) {
  std::string lower = AsciiCase(std::string(text), false);
  std::string_view body = lower;
  bool negative = !body.empty() && body[0] == '-';
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
  if (body == "inf" || body == "infinity") return negative ? -INFINITY : INFINITY;
  if (body == "nan") return NAN;
  if (body.empty() || body.find_first_of("_") != std::string_view::npos) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), value);
  if (ptr != body.data() + body.size() || (ec != std::errc() && ec != std::errc::result_out_of_range)) return std::nullopt;
  return negative ? -value : value;
}

// Jinja's int filter: numbers truncate, strings parse as int then as float,
// anything else (or a failed parse) gives the default.
Result<TemplateValue> Int(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("int", args, {"default", "base"}));
  TemplateValue fallback = bound[0] ? *bound[0] : TemplateValue::Int(0);
  if (bound[1]) return ArgumentError("int: 'base' is not supported yet");
  if (input.kind() == Kind::kInt || input.kind() == Kind::kBool) return TemplateValue::Int(input.AsInt());
  if (input.kind() == Kind::kFloat) {
    double v = std::trunc(input.AsFloat());
    if (!(v >= -9.2e18 && v <= 9.2e18)) return fallback;  // also NaN
    return TemplateValue::Int(static_cast<int64_t>(v));
  }
  if (input.kind() != Kind::kString) return fallback;
  std::string text = StripWhitespace(input.AsString());
  if (std::optional<int64_t> v = ParsePythonInt(text)) return TemplateValue::Int(*v);
  if (std::optional<double> f = ParsePythonFloat(text)) return Int(TemplateValue::Float(*f), args);
  return fallback;
}

Result<TemplateValue> Float(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("float", args, {"default"}));
  TemplateValue fallback = bound[0] ? *bound[0] : TemplateValue::Float(0.0);
  if (input.is_number()) return TemplateValue::Float(input.AsFloat());
  if (input.kind() != Kind::kString) return fallback;
  std::optional<double> v = ParsePythonFloat(StripWhitespace(input.AsString()));
  return v ? TemplateValue::Float(*v) : fallback;
}

Result<TemplateValue> String(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("string", args, {}));
  return TemplateValue::String(input.ToString());
}

Result<TemplateValue> ToJsonFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("tojson", args, {"indent"}));
  WEIR_ASSIGN_OR_RETURN(int64_t indent, IntArgument("tojson", bound[0], "indent", -1));
  WEIR_ASSIGN_OR_RETURN(std::string json, ToJson(input, static_cast<int>(std::clamp<int64_t>(indent, -1, 32))));
  return TemplateValue::String(std::move(json));
}

Result<TemplateValue> FirstOrLast(std::string_view what, const TemplateValue& input, const TemplateCallArgs& args,
                                  bool first) {
  WEIR_TRY(BindArguments(what, args, {}));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List items, IterationItems(input));
  if (items.empty()) return UserError("template-value", std::string(what) + ": the " + std::string(input.TypeName()) + " is empty");
  return first ? items.front() : items.back();
}

Result<TemplateValue> First(const TemplateValue& input, const TemplateCallArgs& args) {
  return FirstOrLast("first", input, args, true);
}
Result<TemplateValue> Last(const TemplateValue& input, const TemplateCallArgs& args) {
  return FirstOrLast("last", input, args, false);
}

Result<TemplateValue> ListFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("list", args, {}));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List items, IterationItems(input));
  return TemplateValue::FromList(std::move(items));
}

Result<TemplateValue> Abs(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("abs", args, {}));
  if (input.kind() == Kind::kFloat) return TemplateValue::Float(std::fabs(input.AsFloat()));
  if (!input.is_number()) return UserError("template-type", "abs: expected a number, not " + std::string(input.TypeName()));
  return input.AsInt() < 0 ? ApplyUnary(UnaryOp::kNegate, input) : TemplateValue::Int(input.AsInt());
}

const std::map<std::string_view, FilterFunction>& Filters() {
  static const auto* filters = new std::map<std::string_view, FilterFunction>{
      {"abs", Abs},         {"count", Length}, {"first", First}, {"float", Float},   {"int", Int},
      {"join", Join},       {"last", Last},    {"length", Length}, {"list", ListFilter}, {"lower", Lower},
      {"replace", Replace}, {"string", String}, {"tojson", ToJsonFilter}, {"trim", Trim}, {"upper", Upper},
  };
  return *filters;
}

}  // namespace

FilterFunction FindFilter(std::string_view name) {
  auto it = Filters().find(name);
  return it == Filters().end() ? nullptr : it->second;
}

std::vector<std::string> FilterNames() {
  std::vector<std::string> names = {"default", "d"};
  for (const auto& [name, function] : Filters()) names.emplace_back(name);
  return names;
}

bool IsDefaultFilter(std::string_view name) { return name == "default" || name == "d"; }

Result<TemplateValue> DefaultFilter(const std::optional<TemplateValue>& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("default", args, {"default_value", "boolean"}));
  bool use_default = !input || (bound[1] && bound[1]->Truthy() && !input->Truthy());
  if (!use_default) return *input;
  return bound[0] ? *bound[0] : TemplateValue::String("");
}

Result<std::vector<std::optional<TemplateValue>>> BindArguments(std::string_view what, const TemplateCallArgs& args,
                                                                std::initializer_list<std::string_view> params) {
  std::vector<std::string_view> names(params);
  if (args.positional.size() > names.size()) {
    return ArgumentError(std::string(what) + ": takes at most " + std::to_string(names.size()) + " argument" +
                         (names.size() == 1 ? "" : "s") + ", got " + std::to_string(args.positional.size()));
  }
  Bound bound(names.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = args.positional[i];
  for (const auto& [name, value] : args.keyword) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) return ArgumentError(std::string(what) + ": unknown argument '" + name + "'");
    size_t index = static_cast<size_t>(it - names.begin());
    if (bound[index]) return ArgumentError(std::string(what) + ": argument '" + name + "' given twice");
    bound[index] = value;
  }
  return bound;
}

}  // namespace weir::template_internal
