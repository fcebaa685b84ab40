#include "template/value.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "template/internal/format.h"
#include "template/internal/unicode.h"

namespace weir {

using template_internal::FormatPythonFloat;
using template_internal::PythonStringRepr;

TemplateValue TemplateValue::Bool(bool value) { return TemplateValue(Data(value)); }
TemplateValue TemplateValue::Int(int64_t value) { return TemplateValue(Data(value)); }
TemplateValue TemplateValue::Float(double value) { return TemplateValue(Data(value)); }
TemplateValue TemplateValue::String(std::string value) { return TemplateValue(Data(std::move(value))); }

TemplateValue TemplateValue::FromList(List items) {
  return TemplateValue(Data(std::make_shared<const List>(std::move(items))));
}

TemplateValue TemplateValue::FromMap(TemplateMap map) {
  return TemplateValue(Data(std::make_shared<const TemplateMap>(std::move(map))));
}

TemplateValue TemplateValue::Function(std::string name, TemplateFunction function, bool secret) {
  return TemplateValue(Data(std::make_shared<const TemplateCallable>(
      TemplateCallable{std::move(name), std::move(function), secret})));
}

bool TemplateValue::is_number() const {
  Kind k = kind();
  return k == Kind::kBool || k == Kind::kInt || k == Kind::kFloat;
}

bool TemplateValue::AsBool() const {
  WEIR_CHECK(kind() == Kind::kBool);
  return std::get<bool>(data_);
}

int64_t TemplateValue::AsInt() const {
  if (kind() == Kind::kBool) return std::get<bool>(data_) ? 1 : 0;
  WEIR_CHECK(kind() == Kind::kInt);
  return std::get<int64_t>(data_);
}

double TemplateValue::AsFloat() const {
  if (kind() == Kind::kFloat) return std::get<double>(data_);
  return static_cast<double>(AsInt());
}

const std::string& TemplateValue::AsString() const {
  WEIR_CHECK(kind() == Kind::kString);
  return std::get<std::string>(data_);
}

const TemplateValue::List& TemplateValue::AsList() const {
  WEIR_CHECK(kind() == Kind::kList);
  return *std::get<std::shared_ptr<const List>>(data_);
}

const TemplateMap& TemplateValue::AsMap() const {
  WEIR_CHECK(kind() == Kind::kMap);
  return *std::get<std::shared_ptr<const TemplateMap>>(data_);
}

const TemplateCallable& TemplateValue::AsCallable() const {
  WEIR_CHECK(kind() == Kind::kCallable);
  return *std::get<std::shared_ptr<const TemplateCallable>>(data_);
}

bool TemplateValue::Truthy() const {
  switch (kind()) {
    case Kind::kNone: return false;
    case Kind::kBool: return AsBool();
    case Kind::kInt: return AsInt() != 0;
    case Kind::kFloat: return AsFloat() != 0.0;
    case Kind::kString: return !AsString().empty();
    case Kind::kList: return !AsList().empty();
    case Kind::kMap: return !AsMap().empty();
    case Kind::kCallable: return true;
  }
  return false;
}

std::string TemplateValue::ToString() const {
  switch (kind()) {
    case Kind::kNone: return "None";
    case Kind::kBool: return AsBool() ? "True" : "False";
    case Kind::kInt: return std::to_string(AsInt());
    case Kind::kFloat: return FormatPythonFloat(AsFloat());
    case Kind::kString: return AsString();
    case Kind::kList: {
      std::string out = "[";
      for (const TemplateValue& item : AsList()) out += (out.size() > 1 ? ", " : "") + item.Repr();
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      for (const auto& [key, item] : AsMap()) out += (out.size() > 1 ? ", " : "") + PythonStringRepr(key) + ": " + item.Repr();
      return out + "}";
    }
    case Kind::kCallable: return "<function " + AsCallable().name + ">";
  }
  return "";
}

std::string TemplateValue::Repr() const {
  return kind() == Kind::kString ? PythonStringRepr(AsString()) : ToString();
}

std::string_view TemplateValue::TypeName() const {
  switch (kind()) {
    case Kind::kNone: return "none";
    case Kind::kBool: return "boolean";
    case Kind::kInt: return "integer";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kList: return "list";
    case Kind::kMap: return "map";
    case Kind::kCallable: return "function";
  }
  return "value";
}

bool operator==(const TemplateValue& a, const TemplateValue& b) {
  using Kind = TemplateValue::Kind;
  if (a.is_number() && b.is_number()) {
    if (a.kind() != Kind::kFloat && b.kind() != Kind::kFloat) return a.AsInt() == b.AsInt();
    return a.AsFloat() == b.AsFloat();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Kind::kNone: return true;
    case Kind::kString: return a.AsString() == b.AsString();
    case Kind::kList: return a.AsList() == b.AsList();
    case Kind::kMap: {
      if (a.AsMap().size() != b.AsMap().size()) return false;
      for (const auto& [key, item] : a.AsMap()) {
        const TemplateValue* other = b.AsMap().Find(key);
        if (other == nullptr || !(*other == item)) return false;
      }
      return true;
    }
    case Kind::kCallable: return &a.AsCallable() == &b.AsCallable();
    default: return false;
  }
}

void TemplateMap::Set(std::string key, TemplateValue value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

const TemplateValue* TemplateMap::Find(std::string_view key) const {
  auto it = index_.find(std::string(key));
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

std::vector<std::string> TemplateMap::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(entries_.size());
  for (const auto& entry : entries_) keys.push_back(entry.first);
  return keys;
}

namespace template_internal {

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

}  // namespace template_internal
}  // namespace weir
