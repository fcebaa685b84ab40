// Python's str() and repr() of values (see internal/format.h).
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "template/internal/budget.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/unicode.h"
#include "template/internal/value_access.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

// Prints one value; `path_` holds the containers being printed, so that one
// that contains itself prints as [...] instead of recursing forever.
class ValuePrinter {
 public:
  ValuePrinter(size_t limit, std::string& out) : limit_(limit), out_(out) {}

  Status Print(const TemplateValue& value, bool repr) {
    switch (value.kind()) {
      case Kind::kNone: return Add("None");
      case Kind::kBool: return Add(value.AsBool() ? "True" : "False");
      case Kind::kInt: return Add(std::to_string(value.AsInt()));
      case Kind::kFloat: return Add(FormatPythonFloat(value.AsFloat()));
      case Kind::kString: return repr ? Add(PythonStringRepr(value.AsString())) : Add(value.AsString());
      case Kind::kCallable: {
        const TemplateCallable& callable = value.AsCallable();
        return Add(callable.macro ? "<Macro " + PythonStringRepr(callable.name) + ">" : "<function " + callable.name + ">");
      }
      case Kind::kObject:
        if (!value.is_namespace()) return PrintObject(value, repr);
        WEIR_TRY(Add("<Namespace "));
        WEIR_TRY(Nested(value, "{...}", [&] { return PrintEntries(value.ObjectAttributes()); }));
        return Add(">");
      case Kind::kList: return Nested(value, "[...]", [&] { return PrintItems(value.AsList(), "[", "]", false); });
      case Kind::kTuple: return Nested(value, "(...)", [&] { return PrintItems(value.AsList(), "(", ")", true); });
      case Kind::kMap: return Nested(value, "{...}", [&] { return PrintEntries(value.AsMap()); });
    }
    return OkStatus();
  }

 private:
  // An object prints its display; its repr is its __repr__() when it has one.
  Status PrintObject(const TemplateValue& value, bool repr) {
    std::optional<TemplateValue> method = repr ? SpecialMethod(value, "__repr__") : std::nullopt;
    if (!method) return Add(value.ObjectDisplay());
    WEIR_ASSIGN_OR_RETURN(TemplateValue text, method->AsCallable().function(TemplateCallArgs{}));
    return Add(text.kind() == Kind::kString ? text.AsString() : value.ObjectDisplay());
  }

  template <typename F>
  Status Nested(const TemplateValue& value, std::string_view cycle, F print) {
    const void* identity = ValueAccess::Identity(value);
    for (const void* open : path_) {
      if (open == identity) return Add(cycle);
    }
    if (path_.size() >= static_cast<size_t>(kMaxValueNesting)) {
      return UserError("template-limit", "value nested more than " + std::to_string(kMaxValueNesting) + " levels deep");
    }
    path_.push_back(identity);
    Status status = print();
    path_.pop_back();
    return status;
  }

  Status PrintItems(const TemplateValue::List& items, std::string_view open, std::string_view close, bool tuple) {
    WEIR_TRY(Add(open));
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) WEIR_TRY(Add(", "));
      WEIR_TRY(Print(items[i], true));
    }
    if (tuple && items.size() == 1) WEIR_TRY(Add(","));
    return Add(close);
  }

  Status PrintEntries(const TemplateMap& map) {
    WEIR_TRY(Add("{"));
    bool first = true;
    for (const auto& [key, item] : map) {
      if (!first) WEIR_TRY(Add(", "));
      first = false;
      WEIR_TRY(Add(PythonStringRepr(key)));
      WEIR_TRY(Add(": "));
      WEIR_TRY(Print(item, true));
    }
    return Add("}");
  }

  Status Add(std::string_view text) {
    WEIR_TRY(RenderBudget::Charge(kCostPerItem + CostOfBytes(text.size())));
    if (out_.size() + text.size() > limit_) {
      out_.append(text.substr(0, limit_ > out_.size() ? limit_ - out_.size() : 0));
      return UserError("template-limit", "text larger than " + std::to_string(limit_ >> 20) + " MiB");
    }
    out_.append(text);
    return OkStatus();
  }

  size_t limit_;
  std::string& out_;
  std::vector<const void*> path_;
};

}  // namespace

Status AppendValueText(const TemplateValue& value, bool repr, size_t limit, std::string& out) {
  return ValuePrinter(limit, out).Print(value, repr);
}

Result<std::string> ValueText(const TemplateValue& value) {
  if (value.kind() == Kind::kString) return value.AsString();
  std::string out;
  WEIR_TRY(AppendValueText(value, false, kMaxValueBytes, out));
  return out;
}

std::string FormatPythonFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(end - buf));  // "-1.2345e+02"
  std::string sign = sci.front() == '-' ? "-" : "";
  if (!sign.empty()) sci.remove_prefix(1);
  size_t e_at = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_at)) {
    if (c != '.') digits += c;
  }
  int exponent = std::atoi(std::string(sci.substr(e_at + 1)).c_str());
  if (exponent < -4 || exponent >= 16) {
    std::string out = sign + digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    std::string exp_digits = std::to_string(std::abs(exponent));
    if (exp_digits.size() < 2) exp_digits.insert(0, "0");
    return out + (exponent < 0 ? "e-" : "e+") + exp_digits;
  }
  if (exponent < 0) return sign + "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
  size_t int_digits = static_cast<size_t>(exponent) + 1;
  if (digits.size() <= int_digits) return sign + digits + std::string(int_digits - digits.size(), '0') + ".0";
  return sign + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

std::string PythonStringRepr(std::string_view text) {
  char quote = text.find('\'') != std::string_view::npos && text.find('"') == std::string_view::npos ? '"' : '\'';
  std::string out(1, quote);
  for (size_t i = 0; i < text.size();) {
    size_t start = i;
    uint32_t code = NextCodePoint(text, i);
    if (code == '\\' || code == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += static_cast<char>(code);
    } else if (code == '\n') {
      out += "\\n";
    } else if (code == '\r') {
      out += "\\r";
    } else if (code == '\t') {
      out += "\\t";
    } else if (code < 0x20 || (code >= 0x7F && code <= 0xA0) || code == 0xAD) {
      out += "\\x" + Hex(code, 2);
    } else {
      out += text.substr(start, i - start);
    }
  }
  return out + quote;
}

}  // namespace weir::template_internal
