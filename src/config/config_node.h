// ConfigNode: a YAML value together with where it was written.
//
// The loader builds this tree itself (from yaml-cpp's events) so that every
// value keeps its file:line:column counted from 1, duplicate keys are found,
// and no YAML library type leaks past config. Immutable once loaded.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "template/value.h"

namespace weir {

class ConfigNode {
 public:
  enum class Kind { kNull, kScalar, kSequence, kMap };
  using Entry = std::pair<ConfigNode, ConfigNode>;

  ConfigNode() = default;
  static ConfigNode Null(SourceLocation where);
  static ConfigNode Scalar(std::string value, bool quoted, SourceLocation where);
  static ConfigNode Sequence(std::vector<ConfigNode> items, SourceLocation where);
  static ConfigNode Map(std::vector<Entry> entries, SourceLocation where);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_scalar() const { return kind_ == Kind::kScalar; }
  bool is_sequence() const { return kind_ == Kind::kSequence; }
  bool is_map() const { return kind_ == Kind::kMap; }
  const SourceLocation& where() const { return where_; }

  const std::string& scalar() const { return scalar_; }  // "" unless a scalar
  bool quoted() const { return quoted_; }                 // written in quotes
  const std::vector<ConfigNode>& items() const { return items_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const ConfigNode* Find(std::string_view key) const;     // map lookup

  // "a string", "a list", "a mapping", "null": for wrong-type messages.
  std::string_view Describe() const;

  // Typed reads: a wrong type is a UserError("wrong-type") at this node,
  // naming `what` ("'retries'") and what was expected.
  Result<std::string> AsString(std::string_view what) const;
  Result<bool> AsBool(std::string_view what) const;
  Result<int64_t> AsInt(std::string_view what) const;
  // A string, or a list of strings (a single string counts as a list of one).
  Result<std::vector<std::string>> AsStringList(std::string_view what) const;

 private:
  Kind kind_ = Kind::kNull;
  SourceLocation where_;
  std::string scalar_;
  bool quoted_ = false;
  std::vector<ConfigNode> items_;
  std::vector<Entry> entries_;
};

// The value as templates see it: unquoted scalars typed as YAML 1.1 reads
// them (PyYAML, which dbt and Airflow use): null/~/empty, true/false/yes/no/
// on/off, integers, floats (1.5, 1e3, .inf, .nan); the rest strings.
TemplateValue ToTemplateValue(const ConfigNode& node);

// A YAML file read into a tree. Parse errors end the file (root is null);
// duplicate keys are reported and the first value kept.
struct YamlDocument {
  ConfigNode root;
  std::vector<Status> errors;
};

// `display_path` is the path shown in locations (relative to the project).
YamlDocument ParseYaml(std::string_view text, const std::string& display_path);

}  // namespace weir
