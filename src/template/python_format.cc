// Python's printf-style `%` formatting and str.format(), following
// Objects/unicodeobject.c and Python/formatter_unicode.c.
#include "template/internal/python_format.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

#include "template/internal/budget.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

Status FormatTypeError(std::string message) { return UserError("template-type", std::move(message)); }
Status FormatValueError(std::string message) { return UserError("template-value", std::move(message)); }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Flags and sizes shared by both formatting styles.
struct Spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', '=' or 0 for the type's default
  char sign = '-';  // '-', '+' or ' '
  bool alternate = false;  // '#'
  bool zero = false;
  int64_t width = -1;
  int64_t precision = -1;
  char grouping = 0;  // ',' or '_'
  char type = 0;
};

Status CheckSize(int64_t n) {
  if (n > static_cast<int64_t>(kMaxValueBytes)) {
    return UserError("template-limit", "format width or precision over " + std::to_string(kMaxValueBytes) + " characters");
  }
  return OkStatus();
}

std::string Pad(std::string body, const Spec& spec, char default_align, size_t sign_prefix_length) {
  int64_t length = CountCodePoints(body);
  if (spec.width <= length) return body;
  size_t missing = static_cast<size_t>(spec.width - length);
  char align = spec.align ? spec.align : default_align;
  std::string fill_unit(1, spec.fill);
  auto repeat = [&](size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += fill_unit;
    return out;
  };
  switch (align) {
    case '<': return body + repeat(missing);
    case '^': return repeat(missing / 2) + body + repeat(missing - missing / 2);
    case '=': return body.substr(0, sign_prefix_length) + repeat(missing) + body.substr(sign_prefix_length);
    default: return repeat(missing) + body;
  }
}

// Digits of |value| in `base`, with grouping every `group` digits.
std::string UnsignedDigits(uint64_t value, int base, bool upper, char grouping, int group) {
  static constexpr char kLower[] = "0123456789abcdef", kUpper[] = "0123456789ABCDEF";
  std::string digits;
  int count = 0;
  do {
    if (grouping && count > 0 && count % group == 0) digits.insert(digits.begin(), grouping);
    digits.insert(digits.begin(), (upper ? kUpper : kLower)[value % static_cast<uint64_t>(base)]);
    value /= static_cast<uint64_t>(base);
    ++count;
  } while (value != 0);
  return digits;
}

uint64_t Magnitude(int64_t value) {
  return value < 0 ? static_cast<uint64_t>(-(value + 1)) + 1 : static_cast<uint64_t>(value);
}

std::string SignOf(bool negative, char sign) {
  if (negative) return "-";
  if (sign == '+') return "+";
  if (sign == ' ') return " ";
  return "";
}

// snprintf of one double with a printf conversion (e, f, g and upper case).
std::string PrintfDouble(double value, int64_t precision, char conversion, bool alternate) {
  std::string format = std::string("%") + (alternate ? "#" : "") + ".*" + conversion;
  int p = static_cast<int>(std::min<int64_t>(precision, 1000));
  int n = std::snprintf(nullptr, 0, format.c_str(), p, std::fabs(value));
  std::string out(static_cast<size_t>(n) + 1, '\0');
  std::snprintf(out.data(), out.size(), format.c_str(), p, std::fabs(value));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Inserts a grouping character every three digits of the integer part.
std::string GroupIntegerPart(std::string number, char grouping) {
  if (!grouping) return number;
  size_t end = number.find_first_not_of("0123456789");
  if (end == std::string::npos) end = number.size();
  for (size_t k = end; k > 3; k -= 3) number.insert(k - 3, 1, grouping);
  return number;
}

// ---- printf style -------------------------------------------------------

class PercentFormatter {
 public:
  PercentFormatter(std::string_view format, const TemplateValue& values) : format_(format), values_(values) {
    if (values.kind() == Kind::kTuple) {
      args_ = &values.AsList();
    } else {
      single_.push_back(values);
      args_ = &single_;
    }
  }

  Result<std::string> Run() {
    std::string out;
    for (size_t i = 0; i < format_.size();) {
      size_t percent = format_.find('%', i);
      if (percent == std::string_view::npos) {
        out.append(format_.substr(i));
        break;
      }
      out.append(format_.substr(i, percent - i));
      i = percent + 1;
      WEIR_TRY(Conversion(i, out));
      if (out.size() > kMaxValueBytes) return UserError("template-limit", "formatted string too large");
    }
    // Python skips this check for anything with items but a tuple or string.
    bool has_items = values_.kind() == Kind::kMap || values_.kind() == Kind::kList;
    if (next_ < args_->size() && !has_items) {
      return FormatTypeError("not all arguments converted during string formatting");
    }
    return out;
  }

 private:
  Status Conversion(size_t& i, std::string& out) {
    if (i >= format_.size()) return FormatValueError("incomplete format");
    std::optional<TemplateValue> keyed;
    if (format_[i] == '(') {
      WEIR_ASSIGN_OR_RETURN(keyed, MappingValue(i));
    }
    Spec spec;
    for (; i < format_.size(); ++i) {
      char c = format_[i];
      if (c == '-') spec.align = '<';
      else if (c == '+') spec.sign = '+';
      else if (c == ' ') spec.sign = spec.sign == '+' ? '+' : ' ';
      else if (c == '#') spec.alternate = true;
      else if (c == '0') spec.zero = true;
      else break;
    }
    WEIR_ASSIGN_OR_RETURN(spec.width, Number(i, keyed.has_value()));
    if (spec.width < -1) {  // '*' with a negative value means left-justified
      spec.align = '<';
      spec.width = -spec.width;
    }
    if (i < format_.size() && format_[i] == '.') {
      ++i;
      WEIR_ASSIGN_OR_RETURN(spec.precision, Number(i, keyed.has_value()));
      if (spec.precision < 0) spec.precision = 0;
    }
    WEIR_TRY(CheckSize(spec.width));
    WEIR_TRY(CheckSize(spec.precision));
    while (i < format_.size() && (format_[i] == 'h' || format_[i] == 'l' || format_[i] == 'L')) ++i;
    if (i >= format_.size()) return FormatValueError("incomplete format");
    char type = format_[i++];
    if (type == '%') {
      out += '%';
      return OkStatus();
    }
    TemplateValue value;
    if (keyed) {
      value = *keyed;
    } else {
      WEIR_ASSIGN_OR_RETURN(value, NextArgument());
    }
    spec.type = type;
    WEIR_ASSIGN_OR_RETURN(std::string text, Convert(value, spec));
    out += text;
    return OkStatus();
  }

  Result<TemplateValue> MappingValue(size_t& i) {
    if (values_.kind() != Kind::kMap) return FormatTypeError("format requires a mapping");
    int depth = 1;
    size_t start = ++i;
    for (; i < format_.size() && depth > 0; ++i) {
      if (format_[i] == '(') ++depth;
      if (format_[i] == ')') --depth;
    }
    if (depth > 0) return FormatValueError("incomplete format key");
    used_mapping_ = true;
    std::string key(format_.substr(start, i - 1 - start));
    const TemplateValue* found = values_.AsMap().Find(key);
    if (found == nullptr) return UserError("undefined-attribute", "no key " + PythonStringRepr(key) + " in the format's map");
    return *found;
  }

  // Digits, '*' (the next argument) or nothing (-1).
  Result<int64_t> Number(size_t& i, bool keyed) {
    if (i < format_.size() && format_[i] == '*') {
      ++i;
      if (keyed) return FormatTypeError("* wants int");
      WEIR_ASSIGN_OR_RETURN(TemplateValue n, NextArgument());
      if (n.kind() != Kind::kInt && n.kind() != Kind::kBool) return FormatTypeError("* wants int");
      return n.AsInt();
    }
    if (i >= format_.size() || !IsDigit(format_[i])) return -1;
    int64_t n = 0;
    while (i < format_.size() && IsDigit(format_[i])) {
      if (n > static_cast<int64_t>(kMaxValueBytes)) return UserError("template-limit", "format width too large");
      n = n * 10 + (format_[i++] - '0');
    }
    return n;
  }

  Result<TemplateValue> NextArgument() {
    if (used_mapping_ && values_.kind() == Kind::kMap) return FormatTypeError("format requires a mapping");
    if (next_ >= args_->size()) return FormatTypeError("not enough arguments for format string");
    return (*args_)[next_++];
  }

  Result<std::string> Convert(const TemplateValue& value, Spec spec) {
    switch (spec.type) {
      case 's':
      case 'r':
      case 'a': {
        std::string text;
        WEIR_TRY(AppendValueText(value, spec.type != 's', kMaxValueBytes, text));
        if (spec.precision >= 0 && spec.precision < CountCodePoints(text)) {
          std::string cut;
          size_t offset = 0;
          for (int64_t k = 0; k < spec.precision; ++k) {
            std::string_view cp = CodePointAt(text, offset);
            cut += cp;
            offset += cp.size();
          }
          text = std::move(cut);
        }
        return Pad(std::move(text), spec, '>', 0);
      }
      case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': {
        int64_t n = 0;
        if (value.kind() == Kind::kFloat && (spec.type == 'd' || spec.type == 'i' || spec.type == 'u')) {
          double t = std::trunc(value.AsFloat());
          if (!(t >= -9.2e18 && t <= 9.2e18)) return FormatValueError("cannot convert float to a 64-bit integer");
          n = static_cast<int64_t>(t);
        } else if (value.kind() == Kind::kInt || value.kind() == Kind::kBool) {
          n = value.AsInt();
        } else {
          return FormatTypeError(std::string("%") + spec.type + " format: " +
                                 (spec.type == 'd' || spec.type == 'i' || spec.type == 'u' ? "a real number" : "an integer") +
                                 " is required, not " + std::string(value.TypeName()));
        }
        return IntegerText(n, spec);
      }
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': {
        if (!value.is_number()) return FormatTypeError("must be real number, not " + std::string(value.TypeName()));
        return FloatText(value.AsFloat(), spec);
      }
      case 'c': {
        std::string text;
        if (value.kind() == Kind::kString && CountCodePoints(value.AsString()) == 1) {
          text = value.AsString();
        } else if (value.kind() == Kind::kInt && value.AsInt() >= 0 && value.AsInt() <= 0x10FFFF) {
          AppendUtf8(text, static_cast<uint32_t>(value.AsInt()));
        } else {
          return FormatTypeError("%c requires an int or a single character");
        }
        return Pad(std::move(text), spec, '>', 0);
      }
      default:
        return FormatValueError(std::string("unsupported format character '") + spec.type + "'");
    }
  }

  static std::string IntegerText(int64_t n, const Spec& spec) {
    int base = spec.type == 'o' ? 8 : (spec.type == 'x' || spec.type == 'X') ? 16 : 10;
    std::string digits = UnsignedDigits(Magnitude(n), base, spec.type == 'X', 0, 3);
    if (spec.precision > static_cast<int64_t>(digits.size())) digits.insert(0, static_cast<size_t>(spec.precision) - digits.size(), '0');
    std::string prefix = SignOf(n < 0, spec.sign);
    if (spec.alternate && base == 8) prefix += "0o";
    if (spec.alternate && base == 16) prefix += spec.type == 'X' ? "0X" : "0x";
    return Finish(prefix, digits, spec);
  }

  static std::string FloatText(double value, const Spec& spec) {
    std::string prefix = SignOf(std::signbit(value) && !std::isnan(value), spec.sign);
    std::string digits = PrintfDouble(value, spec.precision < 0 ? 6 : spec.precision, spec.type, spec.alternate);
    Spec padded = spec;
    if (!std::isfinite(value)) padded.zero = false;
    return Finish(prefix, digits, padded);
  }

  // Sign and prefix, then zeros (flag 0) or spaces up to the width.
  static std::string Finish(const std::string& prefix, const std::string& digits, const Spec& spec) {
    int64_t length = static_cast<int64_t>(prefix.size() + digits.size());
    if (spec.width <= length) return prefix + digits;
    size_t missing = static_cast<size_t>(spec.width - length);
    if (spec.align == '<') return prefix + digits + std::string(missing, ' ');
    if (spec.zero) return prefix + std::string(missing, '0') + digits;
    return std::string(missing, ' ') + prefix + digits;
  }

  std::string_view format_;
  const TemplateValue& values_;
  TemplateValue::List single_;
  const TemplateValue::List* args_;
  size_t next_ = 0;
  bool used_mapping_ = false;
};

// ---- str.format ---------------------------------------------------------

Result<Spec> ParseFormatSpec(std::string_view text) {
  Spec spec;
  size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
  size_t first = text.empty() ? 0 : CodePointAt(text, 0).size();
  if (first < text.size() && is_align(text[first]) && first == 1) {
    spec.fill = text[0];
    spec.align = text[1];
    i = 2;
  } else if (!text.empty() && is_align(text[0])) {
    spec.align = text[0];
    i = 1;
  } else if (first > 1 && first < text.size() && is_align(text[first])) {
    return FormatValueError("format fill characters must be ASCII here");
  }
  if (i < text.size() && (text[i] == '+' || text[i] == '-' || text[i] == ' ')) spec.sign = text[i++];
  if (i < text.size() && text[i] == '#') {
    spec.alternate = true;
    ++i;
  }
  if (i < text.size() && text[i] == '0') {
    spec.zero = true;
    if (!spec.align) {
      spec.fill = '0';
      spec.align = '=';
    }
    ++i;
  }
  auto digits = [&]() -> Result<int64_t> {
    if (i >= text.size() || !IsDigit(text[i])) return -1;
    int64_t n = 0;
    while (i < text.size() && IsDigit(text[i])) {
      if (n > static_cast<int64_t>(kMaxValueBytes)) return UserError("template-limit", "format width too large");
      n = n * 10 + (text[i++] - '0');
    }
    return n;
  };
  WEIR_ASSIGN_OR_RETURN(spec.width, digits());
  if (i < text.size() && (text[i] == ',' || text[i] == '_')) spec.grouping = text[i++];
  if (i < text.size() && text[i] == '.') {
    ++i;
    WEIR_ASSIGN_OR_RETURN(spec.precision, digits());
    if (spec.precision < 0) return FormatValueError("format specifier missing precision");
  }
  WEIR_TRY(CheckSize(spec.width));
  WEIR_TRY(CheckSize(spec.precision));
  if (i < text.size()) spec.type = text[i++];
  if (i < text.size()) return FormatValueError("invalid format specifier '" + std::string(text) + "'");
  return spec;
}

Result<std::string> FormatString(const std::string& text, const Spec& spec) {
  if (spec.type && spec.type != 's') return FormatValueError(std::string("unknown format code '") + spec.type + "' for a string");
  if (spec.sign != '-') return FormatValueError("sign not allowed in string format specifier");
  if (spec.align == '=') return FormatValueError("'=' alignment not allowed in string format specifier");
  std::string body = text;
  if (spec.precision >= 0 && spec.precision < CountCodePoints(body)) {
    std::string cut;
    size_t offset = 0;
    for (int64_t k = 0; k < spec.precision; ++k) {
      std::string_view cp = CodePointAt(body, offset);
      cut += cp;
      offset += cp.size();
    }
    body = std::move(cut);
  }
  return Pad(std::move(body), spec, '<', 0);
}

Result<std::string> FormatFloat(double value, Spec spec) {
  std::string sign = SignOf(std::signbit(value) && !std::isnan(value), spec.sign);
  std::string body;
  char type = spec.type;
  bool percent = type == '%';
  if (percent) {
    value *= 100;
    type = 'f';
  }
  if (!std::isfinite(value)) {
    body = std::isnan(value) ? "nan" : "inf";
    if (type == 'E' || type == 'F' || type == 'G') body = std::isnan(value) ? "NAN" : "INF";
  } else if (type == 0 && spec.precision < 0) {
    body = FormatPythonFloat(std::fabs(value));
  } else if (type == 0) {
    // Like 'g', but fixed notation keeps a digit after the point.
    body = PrintfDouble(value, spec.precision == 0 ? 1 : spec.precision, 'g', false);
    if (body.find_first_of(".e") == std::string::npos) body += ".0";
  } else if (type == 'n') {
    body = PrintfDouble(value, spec.precision < 0 ? 6 : spec.precision, 'g', spec.alternate);
  } else {
    body = PrintfDouble(value, spec.precision < 0 ? 6 : spec.precision, type, spec.alternate);
  }
  if (std::isfinite(value)) body = GroupIntegerPart(body, spec.grouping);
  if (percent) body += '%';
  return Pad(sign + body, spec, '>', sign.size());
}

Result<std::string> FormatInteger(int64_t value, const Spec& spec) {
  char type = spec.type ? spec.type : 'd';
  if (type == 'e' || type == 'E' || type == 'f' || type == 'F' || type == 'g' || type == 'G' || type == '%') {
    return FormatFloat(static_cast<double>(value), spec);
  }
  if (spec.precision >= 0) return FormatValueError("precision not allowed in integer format specifier");
  if (type == 'c') {
    if (value < 0 || value > 0x10FFFF) return FormatValueError("%c arg not in range(0x110000)");
    std::string text;
    AppendUtf8(text, static_cast<uint32_t>(value));
    return Pad(std::move(text), spec, '>', 0);
  }
  int base = 10;
  std::string prefix;
  switch (type) {
    case 'd': case 'n': break;
    case 'b': base = 2; prefix = "0b"; break;
    case 'o': base = 8; prefix = "0o"; break;
    case 'x': base = 16; prefix = "0x"; break;
    case 'X': base = 16; prefix = "0X"; break;
    default: return FormatValueError(std::string("unknown format code '") + type + "' for an integer");
  }
  std::string sign = SignOf(value < 0, spec.sign) + (spec.alternate ? prefix : "");
  std::string digits = UnsignedDigits(Magnitude(value), base, type == 'X', spec.grouping, base == 10 ? 3 : 4);
  return Pad(sign + digits, spec, '>', sign.size());
}

Result<std::string> FormatOne(const TemplateValue& value, std::string_view spec_text) {
  if (spec_text.empty()) return ValueText(value);
  WEIR_ASSIGN_OR_RETURN(Spec spec, ParseFormatSpec(spec_text));
  switch (value.kind()) {
    case Kind::kString: return FormatString(value.AsString(), spec);
    case Kind::kBool:
      if (!spec.type || spec.type == 's') return FormatString(value.AsBool() ? "True" : "False", spec);
      return FormatInteger(value.AsInt(), spec);
    case Kind::kInt: return FormatInteger(value.AsInt(), spec);
    case Kind::kFloat: {
      if (spec.type && std::string_view("eEfFgGn%").find(spec.type) == std::string_view::npos) {
        return FormatValueError(std::string("unknown format code '") + spec.type + "' for a float");
      }
      return FormatFloat(value.AsFloat(), spec);
    }
    default:
      return FormatTypeError("unsupported format string passed to " + std::string(value.TypeName()));
  }
}

class BraceFormatter {
 public:
  explicit BraceFormatter(const TemplateCallArgs& args) : args_(args) {}

  Result<std::string> Run(std::string_view format, int depth) {
    if (depth > 2) return FormatValueError("Max string recursion exceeded");
    std::string out;
    for (size_t i = 0; i < format.size();) {
      char c = format[i];
      if (c == '}') {
        if (i + 1 < format.size() && format[i + 1] == '}') {
          out += '}';
          i += 2;
          continue;
        }
        return FormatValueError("Single '}' encountered in format string");
      }
      if (c != '{') {
        out += c;
        ++i;
        continue;
      }
      if (i + 1 < format.size() && format[i + 1] == '{') {
        out += '{';
        i += 2;
        continue;
      }
      size_t end = FieldEnd(format, i + 1);
      if (end == std::string_view::npos) return FormatValueError("expected '}' before end of string");
      WEIR_ASSIGN_OR_RETURN(std::string field, Field(format.substr(i + 1, end - i - 1), depth));
      out += field;
      if (out.size() > kMaxValueBytes) return UserError("template-limit", "formatted string too large");
      i = end + 1;
    }
    return out;
  }

 private:
  // The '}' that closes a field opened before `from`, skipping nested {...}.
  static size_t FieldEnd(std::string_view format, size_t from) {
    int depth = 1;
    for (size_t k = from; k < format.size(); ++k) {
      if (format[k] == '{') ++depth;
      if (format[k] == '}' && --depth == 0) return k;
    }
    return std::string_view::npos;
  }

  Result<std::string> Field(std::string_view field, int depth) {
    size_t name_end = 0;
    while (name_end < field.size() && field[name_end] != '!' && field[name_end] != ':') {
      if (field[name_end] == '[') {
        size_t close = field.find(']', name_end);
        if (close == std::string_view::npos) return FormatValueError("expected '}' before end of string");
        name_end = close;
      }
      ++name_end;
    }
    std::string_view name = field.substr(0, name_end);
    char conversion = 0;
    std::string_view spec;
    size_t rest = name_end;
    if (rest < field.size() && field[rest] == '!') {
      if (rest + 1 >= field.size()) return FormatValueError("end of string while looking for conversion specifier");
      conversion = field[rest + 1];
      rest += 2;
      if (rest < field.size() && field[rest] != ':') return FormatValueError("expected ':' after conversion specifier");
    }
    if (rest < field.size()) spec = field.substr(rest + 1);
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, Resolve(name));
    std::string spec_text(spec);
    if (spec_text.find('{') != std::string::npos) {
      WEIR_ASSIGN_OR_RETURN(spec_text, Run(spec, depth + 1));
    }
    if (conversion == 'r' || conversion == 'a' || conversion == 's') {
      std::string text;
      WEIR_TRY(AppendValueText(value, conversion != 's', kMaxValueBytes, text));
      value = TemplateValue::String(std::move(text));
    } else if (conversion != 0) {
      return FormatValueError(std::string("unknown conversion specifier ") + conversion);
    }
    return FormatOne(value, spec_text);
  }

  Result<TemplateValue> Resolve(std::string_view name) {
    size_t first_end = name.find_first_of(".[");
    std::string_view head = name.substr(0, first_end);
    TemplateValue value;
    if (head.empty() || IsDigit(head[0])) {
      size_t index = 0;
      if (head.empty()) {
        if (manual_) return FormatValueError("cannot switch from manual field specification to automatic field numbering");
        automatic_ = true;
        index = next_++;
      } else {
        if (automatic_) return FormatValueError("cannot switch from automatic field numbering to manual field specification");
        manual_ = true;
        for (char c : head) {
          if (!IsDigit(c) || index > 1'000'000) return FormatValueError("invalid field number");
          index = index * 10 + static_cast<size_t>(c - '0');
        }
      }
      if (index >= args_.positional.size()) {
        return UserError("undefined-attribute", "format: replacement index " + std::to_string(index) + " out of range");
      }
      value = args_.positional[index];
    } else {
      const TemplateValue* found = args_.Keyword(head);
      if (found == nullptr) return UserError("undefined-attribute", "format: no argument named '" + std::string(head) + "'");
      value = *found;
    }
    for (size_t k = first_end; k != std::string_view::npos && k < name.size();) {
      if (name[k] == '.') {
        size_t next = name.find_first_of(".[", k + 1);
        std::string_view attribute = name.substr(k + 1, next == std::string_view::npos ? std::string_view::npos : next - k - 1);
        std::optional<TemplateValue> found;
        if (value.kind() == Kind::kObject) found = LookupAttribute(value, attribute);
        if (!found) return UserError("undefined-attribute", "format: " + std::string(value.TypeName()) + " has no attribute '" + std::string(attribute) + "'");
        value = *found;
        k = next;
      } else if (name[k] == '[') {
        size_t close = name.find(']', k);
        std::string_view key = name.substr(k + 1, close - k - 1);
        TemplateValue key_value = TemplateValue::String(std::string(key));
        if (!key.empty() && key.find_first_not_of("0123456789") == std::string_view::npos && key.size() < 10) {
          key_value = TemplateValue::Int(std::stoll(std::string(key)));
        }
        std::optional<TemplateValue> found = LookupItem(value, key_value);
        if (!found) return UserError("undefined-attribute", "format: no item " + key_value.Repr() + " in " + std::string(value.TypeName()));
        value = *found;
        k = close + 1;
      } else {
        return FormatValueError("Only '.' or '[' may follow ']' in format field specifier");
      }
    }
    return value;
  }

  const TemplateCallArgs& args_;
  size_t next_ = 0;
  bool automatic_ = false;
  bool manual_ = false;
};

}  // namespace

Result<TemplateValue> PercentFormat(std::string_view format, const TemplateValue& values) {
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(format.size())));
  WEIR_ASSIGN_OR_RETURN(std::string out, PercentFormatter(format, values).Run());
  return TemplateValue::String(std::move(out));
}

Result<std::string> BraceFormat(std::string_view format, const TemplateCallArgs& args) {
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(format.size())));
  return BraceFormatter(args).Run(format, 0);
}

}  // namespace weir::template_internal
