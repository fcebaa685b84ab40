// TemplateValue: what a template expression evaluates to, with Python's
// semantics (Jinja is Python underneath): none, bool, int, float, string,
// list, map and callable.
//
// Values are immutable and cheap to copy: lists, maps and callables are
// shared. Maps keep insertion order, as Python dicts do, so `{% for k in m %}`
// and `{{ m }}` print keys in the order they were added (`tojson` sorts them,
// as Jinja does). Map keys are strings. Thread-safe to read concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace weir {

class TemplateValue;
class TemplateMap;

// Arguments of a call such as `secret('api_token')` or `var('x', default=1)`,
// already evaluated.
struct TemplateCallArgs {
  std::vector<TemplateValue> positional;
  std::vector<std::pair<std::string, TemplateValue>> keyword;
};

// A function callable from a template. Errors it returns are reported at the
// call's location unless they carry a location already.
using TemplateFunction = std::function<Result<TemplateValue>(const TemplateCallArgs&)>;

struct TemplateCallable {
  std::string name;
  TemplateFunction function;
  bool secret = false;  // its results render as '***' in a redacted rendering
};

class TemplateValue {
 public:
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kList, kMap, kCallable };
  using List = std::vector<TemplateValue>;

  TemplateValue() = default;  // none
  static TemplateValue None() { return TemplateValue(); }
  static TemplateValue Bool(bool value);
  static TemplateValue Int(int64_t value);
  static TemplateValue Float(double value);
  static TemplateValue String(std::string value);
  static TemplateValue FromList(List items);
  static TemplateValue FromMap(TemplateMap map);
  static TemplateValue Function(std::string name, TemplateFunction function, bool secret = false);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_number() const;  // bool, int or float, as in Python where bool is an int

  // Accessors; calling one for the wrong kind is a bug (WEIR_CHECK).
  bool AsBool() const;
  int64_t AsInt() const;  // also accepts bool
  double AsFloat() const;  // also accepts bool and int
  const std::string& AsString() const;
  const List& AsList() const;
  const TemplateMap& AsMap() const;
  const TemplateCallable& AsCallable() const;

  bool Truthy() const;                 // Python's bool(x)
  std::string ToString() const;        // Python's str(x): what `{{ x }}` prints
  std::string Repr() const;            // Python's repr(x): strings quoted
  std::string_view TypeName() const;   // "string", "list", ... for messages

  friend bool operator==(const TemplateValue& a, const TemplateValue& b);  // Python's ==

 private:
  using Data = std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<const List>,
                            std::shared_ptr<const TemplateMap>, std::shared_ptr<const TemplateCallable>>;
  explicit TemplateValue(Data data) : data_(std::move(data)) {}
  Data data_;
};

// String-keyed map in insertion order; Set() on an existing key keeps its place.
class TemplateMap {
 public:
  using Entry = std::pair<std::string, TemplateValue>;

  void Set(std::string key, TemplateValue value);
  const TemplateValue* Find(std::string_view key) const;
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<std::string> Keys() const;
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace weir
