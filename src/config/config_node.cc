#include "config/config_node.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <set>

namespace weir {

ConfigNode ConfigNode::Null(SourceLocation where) {
  ConfigNode n;
  n.where_ = std::move(where);
  return n;
}

ConfigNode ConfigNode::Scalar(std::string value, bool quoted, SourceLocation where) {
  ConfigNode n;
  n.kind_ = Kind::kScalar;
  n.scalar_ = std::move(value);
  n.quoted_ = quoted;
  n.where_ = std::move(where);
  return n;
}

ConfigNode ConfigNode::Sequence(std::vector<ConfigNode> items, SourceLocation where) {
  ConfigNode n;
  n.kind_ = Kind::kSequence;
  n.items_ = std::move(items);
  n.where_ = std::move(where);
  return n;
}

ConfigNode ConfigNode::Map(std::vector<Entry> entries, SourceLocation where) {
  ConfigNode n;
  n.kind_ = Kind::kMap;
  n.entries_ = std::move(entries);
  n.where_ = std::move(where);
  return n;
}

const ConfigNode* ConfigNode::Find(std::string_view key) const {
  for (const Entry& e : entries_) {
    if (e.first.scalar() == key) return &e.second;
  }
  return nullptr;
}

std::string_view ConfigNode::Describe() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kScalar: return "a scalar";
    case Kind::kSequence: return "a list";
    case Kind::kMap: return "a mapping";
  }
  return "a value";
}

namespace {
Status WrongType(const ConfigNode& node, std::string_view what, std::string_view expected) {
  std::string got = node.is_scalar() ? "'" + node.scalar() + "'" : std::string(node.Describe());
  return UserError("wrong-type", std::string(what) + " must be " + std::string(expected) + ", got " + got,
                   node.where());
}
}  // namespace

Result<std::string> ConfigNode::AsString(std::string_view what) const {
  if (!is_scalar()) return WrongType(*this, what, "a string");
  return scalar_;
}

Result<bool> ConfigNode::AsBool(std::string_view what) const {
  if (is_scalar() && !quoted_) {
    if (scalar_ == "true" || scalar_ == "True" || scalar_ == "yes") return true;
    if (scalar_ == "false" || scalar_ == "False" || scalar_ == "no") return false;
  }
  return WrongType(*this, what, "true or false");
}

Result<int64_t> ConfigNode::AsInt(std::string_view what) const {
  int64_t value = 0;
  if (is_scalar() && !quoted_) {
    const char* end = scalar_.data() + scalar_.size();
    auto [ptr, ec] = std::from_chars(scalar_.data(), end, value);
    if (ec == std::errc() && ptr == end && !scalar_.empty()) return value;
  }
  return WrongType(*this, what, "a whole number");
}

Result<std::vector<std::string>> ConfigNode::AsStringList(std::string_view what) const {
  if (is_scalar()) return std::vector<std::string>{scalar_};
  if (!is_sequence()) return WrongType(*this, what, "a list of strings");
  std::vector<std::string> out;
  for (const ConfigNode& item : items_) {
    if (!item.is_scalar()) return WrongType(item, std::string(what) + " items", "strings");
    out.push_back(item.scalar());
  }
  return out;
}

}  // namespace weir

namespace weir {
namespace {

std::optional<TemplateValue> TypedScalar(const std::string& s) {
  static const std::set<std::string> kNull = {"", "~", "null", "Null", "NULL"};
  static const std::set<std::string> kTrue = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const std::set<std::string> kFalse = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  if (kNull.count(s)) return TemplateValue::None();
  if (kTrue.count(s)) return TemplateValue::Bool(true);
  if (kFalse.count(s)) return TemplateValue::Bool(false);
  const char* end = s.data() + s.size();
  int64_t whole = 0;
  if (auto [ptr, ec] = std::from_chars(s.data() + (s[0] == '+'), end, whole); ec == std::errc() && ptr == end) {
    return TemplateValue::Int(whole);
  }
  if (s == ".inf" || s == "+.inf" || s == ".Inf") return TemplateValue::Float(HUGE_VAL);
  if (s == "-.inf" || s == "-.Inf") return TemplateValue::Float(-HUGE_VAL);
  if (s == ".nan" || s == ".NaN") return TemplateValue::Float(NAN);
  bool looks_numeric = s.find_first_not_of("0123456789.eE+-") == std::string::npos &&
                       s.find_first_of("0123456789") != std::string::npos;
  double real = 0;
  if (auto [ptr, ec] = std::from_chars(s.data() + (s[0] == '+'), end, real);
      looks_numeric && ec == std::errc() && ptr == end) {
    return TemplateValue::Float(real);
  }
  return std::nullopt;
}

}  // namespace

TemplateValue ToTemplateValue(const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return TemplateValue::None();
    case ConfigNode::Kind::kScalar: {
      if (!node.quoted()) {
        if (std::optional<TemplateValue> typed = TypedScalar(node.scalar())) return *typed;
      }
      return TemplateValue::String(node.scalar());
    }
    case ConfigNode::Kind::kSequence: {
      TemplateValue::List items;
      for (const ConfigNode& item : node.items()) items.push_back(ToTemplateValue(item));
      return TemplateValue::FromList(std::move(items));
    }
    case ConfigNode::Kind::kMap: {
      TemplateMap map;
      for (const auto& [k, v] : node.entries()) map.Set(k.scalar(), ToTemplateValue(v));
      return TemplateValue::FromMap(std::move(map));
    }
  }
  return TemplateValue::None();
}

}  // namespace weir
