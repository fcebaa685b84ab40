#include "config/internal/fields.h"

#include <algorithm>

#include "common/text.h"
#include "schedule/schedule.h"

namespace weir::config_internal {

MapFields::MapFields(const ConfigNode& node, std::string what, std::vector<std::string> allowed,
                     std::vector<Status>& errors)
    : node_(node), what_(std::move(what)), errors_(errors) {
  if (!node.is_map()) {
    Add(UserError("wrong-type", what_ + " must be a mapping of keys, got " + std::string(node.Describe()),
                  node.where()));
    return;
  }
  for (const auto& [key, value] : node.entries()) {
    if (std::find(allowed.begin(), allowed.end(), key.scalar()) != allowed.end()) continue;
    Add(UserError("unknown-key", "unknown key '" + key.scalar() + "' in " + what_ + DidYouMean(key.scalar(), allowed),
                  key.where()));
  }
}

void MapFields::Add(Status s) {
  if (!s.ok()) errors_.push_back(std::move(s));
}

const ConfigNode* MapFields::Get(const std::string& key) const {
  if (!node_.is_map()) return nullptr;
  const ConfigNode* value = node_.Find(key);
  return value != nullptr && !value->is_null() ? value : nullptr;
}

const ConfigNode* MapFields::Require(const std::string& key) {
  const ConfigNode* value = Get(key);
  if (value == nullptr && node_.is_map()) {
    Add(UserError("missing-key", what_ + " needs the key '" + key + "'", node_.where()));
  }
  return value;
}

std::optional<std::string> MapFields::String(const std::string& key) {
  const ConfigNode* value = Get(key);
  if (value == nullptr) return std::nullopt;
  Result<std::string> s = value->AsString("'" + key + "'");
  Add(s.status());
  return s.ok() ? std::optional(*s) : std::nullopt;
}

std::optional<bool> MapFields::Bool(const std::string& key) {
  const ConfigNode* value = Get(key);
  if (value == nullptr) return std::nullopt;
  Result<bool> b = value->AsBool("'" + key + "'");
  Add(b.status());
  return b.ok() ? std::optional(*b) : std::nullopt;
}

std::optional<int64_t> MapFields::Int(const std::string& key, int64_t min_value) {
  const ConfigNode* value = Get(key);
  if (value == nullptr) return std::nullopt;
  Result<int64_t> n = value->AsInt("'" + key + "'");
  if (n.ok() && *n < min_value) {
    Add(UserError("out-of-range", "'" + key + "' must be at least " + std::to_string(min_value) + ", got " +
                                      std::to_string(*n), value->where()));
    return std::nullopt;
  }
  Add(n.status());
  return n.ok() ? std::optional(*n) : std::nullopt;
}

std::optional<std::chrono::milliseconds> MapFields::Duration(const std::string& key) {
  const ConfigNode* value = Get(key);
  if (value == nullptr) return std::nullopt;
  Result<std::string> text = value->AsString("'" + key + "'");
  if (!text.ok()) {
    Add(text.status());
    return std::nullopt;
  }
  Result<std::chrono::milliseconds> d = ParseDuration(*text);
  Add(d.status().At(value->where()));
  return d.ok() ? std::optional(*d) : std::nullopt;
}

std::optional<std::vector<std::string>> MapFields::StringList(const std::string& key) {
  const ConfigNode* value = Get(key);
  if (value == nullptr) return std::nullopt;
  auto list = value->AsStringList("'" + key + "'");
  Add(list.status());
  return list.ok() ? std::optional(*list) : std::nullopt;
}

std::optional<std::string> MapFields::Choice(const std::string& key, const std::vector<std::string>& choices) {
  std::optional<std::string> s = String(key);
  if (!s) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *s) != choices.end()) return s;
  Add(UserError("bad-value", "'" + key + "' must be " + QuotedList(choices) + ", got '" + *s + "'" +
                                 DidYouMean(*s, choices), Get(key)->where()));
  return std::nullopt;
}

}  // namespace weir::config_internal
