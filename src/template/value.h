// TemplateValue: what a template expression evaluates to, with Python's
// semantics (Jinja is Python underneath): none, bool, int, float, string,
// list, tuple, map, callable and object.
//
// Values are handles, cheap to copy. Lists, maps and namespaces are shared
// with Python's reference semantics: `{% set b = a %}{% do b.append(1) %}`
// changes `a` too. Every evaluation of a literal (`[]`, `{}`) makes a fresh
// container, so one Template rendered from several threads never shares one.
// A container given to a TemplateContext is frozen (deeply): renders read it
// concurrently and a template that tries to change it gets a template-type
// error; copy it first (`xs | list`, `dict(m)`). A function that returns
// the same container to several renders must Freeze() it. Tuples, strings
// and objects other than namespaces are immutable. Containers are reference
// counted, so a template cannot put one inside itself (template-value).
//
// Maps keep insertion order, as Python dicts do, so `{% for k in m %}` and
// `{{ m }}` print keys in the order they were added (`tojson` sorts them, as
// Jinja does). Map keys are strings.
//
// Thread safety: reading a value from several threads is safe; changing an
// unfrozen container while another thread reads it is not.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
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

namespace template_internal {
struct MacroClosure;
}

// Arguments of a call such as `secret('api_token')` or `var('x', default=1)`,
// already evaluated.
struct TemplateCallArgs {
  std::vector<TemplateValue> positional;
  std::vector<std::pair<std::string, TemplateValue>> keyword;

  // The keyword argument `name`, or null.
  const TemplateValue* Keyword(std::string_view name) const;
};

// A function callable from a template. Errors it returns are reported at the
// call's location unless they carry a location already.
using TemplateFunction = std::function<Result<TemplateValue>(const TemplateCallArgs&)>;

struct TemplateCallable {
  std::string name;
  // For a macro, renders it (for C++ callers such as a function given a
  // `caller`): valid while the render that made the value runs, on its
  // thread. Prefer CallTemplateValue (template.h), which works for every
  // callable.
  TemplateFunction function;
  bool secret = false;  // its results render as '***' in a redacted rendering
  // Set for macros: templates call them through the evaluator (call depth,
  // the caller's names, `caller`, return()) instead of through `function`.
  std::shared_ptr<const template_internal::MacroClosure> macro;
};

class TemplateValue {
 public:
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kList, kMap, kCallable, kTuple, kObject };
  using List = std::vector<TemplateValue>;

  TemplateValue() = default;  // none
  static TemplateValue None() { return TemplateValue(); }
  static TemplateValue Bool(bool value);
  static TemplateValue Int(int64_t value);
  static TemplateValue Float(double value);
  static TemplateValue String(std::string value);
  static TemplateValue FromList(List items);
  static TemplateValue FromTuple(List items);
  static TemplateValue FromMap(TemplateMap map);
  static TemplateValue Function(std::string name, TemplateFunction function, bool secret = false);
  static TemplateValue FromCallable(TemplateCallable callable);
  // An object such as dbt's relation `this`: `{{ this }}` and `~` print
  // `display`, `this.schema` reads an attribute, methods are callables among
  // the attributes. Not a string, a mapping or iterable; immutable.
  static TemplateValue Object(TemplateMap attributes, std::string display);
  // Jinja's namespace(): an object whose attributes `{% set ns.x = 1 %}` may
  // assign; prints as <Namespace {...}>.
  static TemplateValue Namespace(TemplateMap attributes);

  Kind kind() const { return static_cast<Kind>(data_.index()); }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_number() const;    // bool, int or float, as in Python where bool is an int
  bool is_sequence() const;  // list or tuple
  bool is_namespace() const;

  // Accessors; calling one for the wrong kind is a bug (WEIR_CHECK).
  bool AsBool() const;
  int64_t AsInt() const;  // also accepts bool
  double AsFloat() const;  // also accepts bool and int
  const std::string& AsString() const;
  const List& AsList() const;  // list or tuple
  const TemplateMap& AsMap() const;
  const TemplateCallable& AsCallable() const;
  const TemplateMap& ObjectAttributes() const;  // object or namespace
  const std::string& ObjectDisplay() const;     // object ("" for a namespace)

  // The contents of a list, or of a map or a namespace's attributes, to
  // change in place; null for other kinds and for frozen containers.
  List* MutableList() const;
  TemplateMap* MutableMap() const;
  // Freezes this container and every container inside it (see the top).
  void Freeze() const;
  bool frozen() const;  // false for scalars and callables
  // Python's `is`: the same container or callable; for scalars, equal
  // none or bool values, or equal integers from -5 to 256 (CPython's cache).
  bool IsSameObject(const TemplateValue& other) const;

  bool Truthy() const;                 // Python's bool(x)
  std::string ToString() const;        // Python's str(x): what `{{ x }}` prints
  std::string Repr() const;            // Python's repr(x): strings quoted
  std::string_view TypeName() const;   // "string", "list", ... for messages

  // Python's ==. Values nested too deeply to compare (over 200 levels, or
  // containing themselves on both sides) compare unequal.
  friend bool operator==(const TemplateValue& a, const TemplateValue& b);

 private:
  // The shared containers (value.cc).
  struct ListBox;
  struct TupleBox;
  struct MapBox;
  struct ObjectBox;

  using Data = std::variant<std::monostate, bool, int64_t, double, std::string, std::shared_ptr<ListBox>,
                            std::shared_ptr<MapBox>, std::shared_ptr<const TemplateCallable>,
                            std::shared_ptr<TupleBox>, std::shared_ptr<ObjectBox>>;
  explicit TemplateValue(Data data) : data_(std::move(data)) {}
  friend struct ValueAccess;  // value.cc: boxes, freezing, destruction
  Data data_;
};

// Heterogeneous lookup, so that Find(string_view) does not allocate.
struct TemplateKeyHash {
  using is_transparent = void;
  size_t operator()(std::string_view key) const { return std::hash<std::string_view>{}(key); }
};

// String-keyed map in insertion order; Set() on an existing key keeps its
// place. Small maps need no index.
class TemplateMap {
 public:
  using Entry = std::pair<std::string, TemplateValue>;

  void Set(std::string key, TemplateValue value);
  const TemplateValue* Find(std::string_view key) const;
  TemplateValue* FindMutable(std::string_view key);
  bool Erase(std::string_view key);  // false when absent; O(size)
  void Clear();
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  std::vector<std::string> Keys() const;
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }
  std::vector<Entry>::iterator begin() { return entries_.begin(); }
  std::vector<Entry>::iterator end() { return entries_.end(); }

 private:
  static constexpr size_t kIndexFrom = 12;
  static constexpr size_t kAbsent = static_cast<size_t>(-1);
  size_t Position(std::string_view key) const;

  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t, TemplateKeyHash, std::equal_to<>> index_;  // empty while small
};

// JSON text as a value (objects as maps in their order, arrays as lists);
// nullopt when the text is not JSON.
std::optional<TemplateValue> TemplateValueFromJson(std::string_view text);

}  // namespace weir
