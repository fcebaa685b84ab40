// String and number filters, the filter registry and argument binding; the
// sequence filters are in filters_seq.cc.
#include "template/internal/filters.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "template/internal/budget.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/python_format.h"
#include "template/internal/text_ops.h"
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

constexpr char kUpper[] = "upper", kLower[] = "lower", kCapitalize[] = "capitalize", kTitle[] = "title";

template <std::string (*Transform)(std::string_view), const char* kName>
Result<TemplateValue> TextFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments(kName, args, {}));
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  return TemplateValue::String(Transform(text));
}

// Jinja's title filter: words start after '-', whitespace or an opening
// bracket (unlike str.title, "they're" stays "They're").
std::string JinjaTitle(std::string_view text) {
  std::string out(text);
  bool word_start = true;
  for (char& c : out) {
    bool boundary = c == '-' || c == '(' || c == '{' || c == '[' || c == '<' || IsPythonSpace(static_cast<unsigned char>(c));
    if (boundary) {
      word_start = true;
      continue;
    }
    if (word_start) {
      c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
    } else {
      c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) word_start = false;
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Python's str.strip: whitespace by default, else any of the given characters.
Result<TemplateValue> Trim(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("trim", args, {"chars"}));
  std::optional<std::string> chars;
  if (bound[0] && !bound[0]->is_none()) {
    WEIR_ASSIGN_OR_RETURN(chars, StringArgument("trim", bound[0], "chars", ""));
  }
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  return TemplateValue::String(Strip(text, chars, true, true));
}

// Python's str.replace, including its treatment of an empty `old`.
Result<TemplateValue> ReplaceFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("replace", args, {"old", "new", "count"}));
  if (!bound[0] || !bound[1]) return ArgumentError("replace: needs 'old' and 'new', as in replace('a', 'b')");
  WEIR_ASSIGN_OR_RETURN(std::string old_text, ValueText(*bound[0]));
  WEIR_ASSIGN_OR_RETURN(std::string new_text, ValueText(*bound[1]));
  WEIR_ASSIGN_OR_RETURN(int64_t count, IntArgument("replace", bound[2], "count", -1));
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  WEIR_ASSIGN_OR_RETURN(std::string out, Replace(text, old_text, new_text, count, kMaxValueBytes));
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(out.size())));
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> LengthFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("length", args, {}));
  Result<int64_t> length = Length(input);
  if (!length.ok()) return length.status().WithContext("length");
  return TemplateValue::Int(*length);
}

std::string StripWhitespace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Python's int(str, base): optional sign, a 0x/0o/0b prefix that matches the
// base (any, for base 0), digits with single '_' between them.
std::optional<int64_t> ParsePythonInt(std::string_view text, int base) {
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.size() > 2 && text[0] == '0') {
    char p = static_cast<char>(text[1] | 0x20);
    int prefixed = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefixed != 0 && (base == 0 || base == prefixed)) {
      base = prefixed;
      text.remove_prefix(2);
      if (!text.empty() && text[0] == '_') text.remove_prefix(1);
    }
  }
  if (base == 0) base = 10;
  std::string digits = negative ? "-" : "";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '_' && i > 0 && i + 1 < text.size() && text[i - 1] != '_' && text[i + 1] != '_') continue;
    digits += text[i];
  }
  if (digits.empty() || digits == "-") return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return value;
}

// Python's float(str), which also takes inf and nan.
std::optional<double> ParsePythonFloat(std::string_view text) {
  std::string lower = AsciiLower(text);
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
  WEIR_ASSIGN_OR_RETURN(int64_t base, IntArgument("int", bound[1], "base", 10));
  if (base != 0 && (base < 2 || base > 36)) return ArgumentError("int: 'base' must be 0 or 2 to 36");
  if (input.kind() == Kind::kInt || input.kind() == Kind::kBool) return TemplateValue::Int(input.AsInt());
  if (input.kind() == Kind::kFloat) {
    double v = std::trunc(input.AsFloat());
    if (!(v >= -9.2e18 && v <= 9.2e18)) return fallback;  // also NaN
    return TemplateValue::Int(static_cast<int64_t>(v));
  }
  if (input.kind() != Kind::kString) return fallback;
  std::string text = StripWhitespace(input.AsString());
  if (std::optional<int64_t> v = ParsePythonInt(text, static_cast<int>(base))) return TemplateValue::Int(*v);
  if (std::optional<double> f = ParsePythonFloat(text)) {
    double v = std::trunc(*f);
    if (!(v >= -9.2e18 && v <= 9.2e18)) return fallback;
    return TemplateValue::Int(static_cast<int64_t>(v));
  }
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
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  return TemplateValue::String(std::move(text));
}

Result<TemplateValue> ToJsonFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("tojson", args, {"indent"}));
  WEIR_ASSIGN_OR_RETURN(int64_t indent, IntArgument("tojson", bound[0], "indent", -1));
  WEIR_ASSIGN_OR_RETURN(std::string json, ToJson(input, static_cast<int>(std::clamp<int64_t>(indent, -1, 32))));
  return TemplateValue::String(std::move(json));
}

Result<TemplateValue> Abs(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("abs", args, {}));
  if (input.kind() == Kind::kFloat) return TemplateValue::Float(std::fabs(input.AsFloat()));
  if (!input.is_number()) return UserError("template-type", "abs: expected a number, not " + std::string(input.TypeName()));
  return input.AsInt() < 0 ? ApplyUnary(UnaryOp::kNegate, input) : TemplateValue::Int(input.AsInt());
}

// Python's round(x, n) on the exact binary value, ties to even: what
// printf's %.*f does.
double RoundHalfEven(double value, int64_t precision) {
  if (!std::isfinite(value)) return value;
  if (precision < 0) {
    double scale = std::pow(10.0, static_cast<double>(-precision));
    return std::nearbyint(value / scale) * scale;
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), value);
  return std::strtod(buf, nullptr);
}

Result<TemplateValue> Round(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("round", args, {"precision", "method"}));
  WEIR_ASSIGN_OR_RETURN(int64_t precision, IntArgument("round", bound[0], "precision", 0));
  WEIR_ASSIGN_OR_RETURN(std::string method, StringArgument("round", bound[1], "method", "common"));
  if (method != "common" && method != "ceil" && method != "floor") {
    return ArgumentError("round: method must be 'common', 'ceil' or 'floor', not '" + method + "'");
  }
  if (!input.is_number()) return UserError("template-type", "round: expected a number, not " + std::string(input.TypeName()));
  if (method == "common") {
    if (input.kind() != Kind::kFloat) return TemplateValue::Int(input.AsInt());  // round(int, n) is the int
    return TemplateValue::Float(RoundHalfEven(input.AsFloat(), precision));
  }
  double scale = std::pow(10.0, static_cast<double>(std::clamp<int64_t>(precision, -308, 308)));
  double scaled = input.AsFloat() * scale;
  return TemplateValue::Float((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Result<TemplateValue> Center(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("center", args, {"width"}));
  WEIR_ASSIGN_OR_RETURN(int64_t width, IntArgument("center", bound[0], "width", 80));
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  WEIR_ASSIGN_OR_RETURN(std::string out, Justify(text, width, " ", '^', kMaxValueBytes));
  return TemplateValue::String(std::move(out));
}

// len(re.findall(r"\w+", s)); non-ASCII counts as a word character.
Result<TemplateValue> WordCount(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("wordcount", args, {}));
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  int64_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool word_char = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80;
    if (word_char && !in_word) ++words;
    in_word = word_char;
  }
  return TemplateValue::Int(words);
}

Result<TemplateValue> Truncate(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("truncate", args, {"length", "killwords", "end", "leeway"}));
  WEIR_ASSIGN_OR_RETURN(int64_t length, IntArgument("truncate", bound[0], "length", 255));
  bool kill_words = bound[1] && bound[1]->Truthy();
  WEIR_ASSIGN_OR_RETURN(std::string end, StringArgument("truncate", bound[2], "end", "..."));
  WEIR_ASSIGN_OR_RETURN(int64_t leeway, IntArgument("truncate", bound[3], "leeway", 5));
  int64_t end_length = CountCodePoints(end);
  if (length < end_length) return ArgumentError("truncate: 'length' must be at least the length of 'end'");
  if (leeway < 0) return ArgumentError("truncate: 'leeway' must not be negative");
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  if (CountCodePoints(text) <= length + leeway) return TemplateValue::String(std::move(text));
  std::vector<std::string> chars = SplitCodePoints(text);
  std::string kept;
  for (int64_t i = 0; i < length - end_length; ++i) kept += chars[static_cast<size_t>(i)];
  if (!kill_words) {
    size_t space = kept.rfind(' ');
    if (space != std::string::npos) kept.resize(space);
  }
  return TemplateValue::String(kept + end);
}

Result<TemplateValue> Indent(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("indent", args, {"width", "first", "blank"}));
  std::string indention = "    ";
  if (bound[0] && bound[0]->kind() == Kind::kString) {
    indention = bound[0]->AsString();
  } else {
    WEIR_ASSIGN_OR_RETURN(int64_t width, IntArgument("indent", bound[0], "width", 4));
    if (width > 1024) return ArgumentError("indent: width over 1024");
    indention = std::string(static_cast<size_t>(std::max<int64_t>(width, 0)), ' ');
  }
  bool first = bound[1] && bound[1]->Truthy(), blank = bound[2] && bound[2]->Truthy();
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  std::vector<std::string> lines = SplitLines(text + "\n", false);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += "\n";
      if (blank || !lines[i].empty()) out += indention;
    }
    out += lines[i];
    if (out.size() > kMaxValueBytes) return UserError("template-limit", "indent: result too large");
  }
  if (first) out = indention + out;
  return TemplateValue::String(std::move(out));
}

// `'%s-%s' | format(a, b)`: printf-style, as Jinja's filter does.
Result<TemplateValue> FormatFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  if (!args.positional.empty() && !args.keyword.empty()) {
    return ArgumentError("format: give positional or keyword arguments, not both");
  }
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  if (!args.keyword.empty()) {
    TemplateMap values;
    for (const auto& [key, value] : args.keyword) values.Set(key, value);
    return PercentFormat(text, TemplateValue::FromMap(std::move(values)));
  }
  return PercentFormat(text, TemplateValue::FromTuple(args.positional));
}

Result<TemplateValue> Escape(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("escape", args, {}));
  WEIR_ASSIGN_OR_RETURN(std::string text, ValueText(input));
  return TemplateValue::String(HtmlEscape(text));
}

const std::map<std::string_view, FilterFunction>& Filters() {
  static const auto* filters = [] {
    auto* map = new std::map<std::string_view, FilterFunction>{
        {"abs", Abs},
        {"capitalize", TextFilter<Capitalize, kCapitalize>},
        {"center", Center},
        {"count", LengthFilter},
        {"e", Escape},
        {"escape", Escape},
        {"float", Float},
        {"forceescape", Escape},
        {"format", FormatFilter},
        {"indent", Indent},
        {"int", Int},
        {"length", LengthFilter},
        {"lower", TextFilter<AsciiLower, kLower>},
        {"replace", ReplaceFilter},
        {"round", Round},
        {"safe", String},
        {"string", String},
        {"title", TextFilter<JinjaTitle, kTitle>},
        {"tojson", ToJsonFilter},
        {"trim", Trim},
        {"truncate", Truncate},
        {"upper", TextFilter<AsciiUpper, kUpper>},
        {"wordcount", WordCount},
    };
    AddSequenceFilters(*map);
    return map;
  }();
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

Result<TemplateValue> ApplyNamedFilter(std::string_view name, const TemplateValue& input, const TemplateCallArgs& args) {
  if (IsDefaultFilter(name)) return DefaultFilter(input, args);
  FilterFunction filter = FindFilter(name);
  if (filter == nullptr) {
    return UserError("unknown-filter", "unknown filter '" + std::string(name) + "'" + DidYouMean(name, FilterNames()));
  }
  WEIR_TRY(RenderBudget::Charge(kCostPerStep));
  return filter(input, args);
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
