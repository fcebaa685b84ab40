#include "template/value.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "template/internal/budget.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/unicode.h"
#include "template/internal/value_access.h"

namespace weir {

using template_internal::FormatPythonFloat;
using template_internal::PythonStringRepr;

namespace {

// Containers about to be destroyed by the outermost destructor running on
// this thread (see DestructionQueue).
thread_local std::vector<TemplateValue>* t_doomed = nullptr;

}  // namespace

// A container's destructor hands the children that die with it to the
// outermost destructor on the thread, which destroys them one after another:
// a list nested a million levels deep must not recurse a million times.
class DestructionQueue {
 public:
  DestructionQueue() : outermost_(t_doomed == nullptr) {
    if (outermost_) t_doomed = &queue_;
  }
  ~DestructionQueue() {
    if (!outermost_) return;
    while (!queue_.empty()) {
      TemplateValue doomed = std::move(queue_.back());
      queue_.pop_back();
    }  // each one's destructor may add its own children to queue_
    t_doomed = nullptr;
  }
  DestructionQueue(const DestructionQueue&) = delete;
  DestructionQueue& operator=(const DestructionQueue&) = delete;

  void Take(TemplateValue& value);

 private:
  bool outermost_;
  std::vector<TemplateValue> queue_;
};

struct TemplateValue::ListBox {
  explicit ListBox(List i) : items(std::move(i)) {}
  ~ListBox() {
    DestructionQueue queue;
    for (TemplateValue& item : items) queue.Take(item);
  }
  List items;
  std::atomic<bool> frozen{false};
};

struct TemplateValue::TupleBox {
  explicit TupleBox(List i) : items(std::move(i)) {}
  ~TupleBox() {
    DestructionQueue queue;
    for (TemplateValue& item : items) queue.Take(item);
  }
  List items;
  std::atomic<bool> frozen{false};  // all containers inside are frozen
};

struct TemplateValue::MapBox {
  explicit MapBox(TemplateMap m) : map(std::move(m)) {}
  ~MapBox() {
    DestructionQueue queue;
    for (auto& entry : map) queue.Take(entry.second);
  }
  TemplateMap map;
  std::atomic<bool> frozen{false};
};

struct TemplateValue::ObjectBox {
  ObjectBox(TemplateMap a, std::string d, bool n) : attributes(std::move(a)), display(std::move(d)), is_namespace(n) {}
  ~ObjectBox() {
    DestructionQueue queue;
    for (auto& entry : attributes) queue.Take(entry.second);
  }
  TemplateMap attributes;
  std::string display;
  bool is_namespace;
  std::shared_ptr<const TemplateMap> owner;  // kept alive with the object
  std::atomic<bool> frozen{false};
};

void DestructionQueue::Take(TemplateValue& value) {
  if (ValueAccess::IsLastHandleOnContainer(value)) t_doomed->push_back(std::move(value));
}

bool ValueAccess::IsLastHandleOnContainer(const TemplateValue& value) {
  return std::visit(
      [](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, std::shared_ptr<TemplateValue::ListBox>> ||
                      std::is_same_v<T, std::shared_ptr<TemplateValue::TupleBox>> ||
                      std::is_same_v<T, std::shared_ptr<TemplateValue::MapBox>> ||
                      std::is_same_v<T, std::shared_ptr<TemplateValue::ObjectBox>>) {
          return data.use_count() == 1;
        } else {
          return false;
        }
      },
      value.data_);
}

TemplateValue ValueAccess::ObjectWithOwner(TemplateMap attributes, std::string display,
                                           std::shared_ptr<const TemplateMap> owner) {
  auto box = std::make_shared<TemplateValue::ObjectBox>(std::move(attributes), std::move(display), false);
  box->owner = std::move(owner);
  return TemplateValue(TemplateValue::Data(std::move(box)));
}

const void* ValueAccess::Identity(const TemplateValue& value) {
  return std::visit(
      [](const auto& data) -> const void* {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, bool> || std::is_same_v<T, int64_t> ||
                      std::is_same_v<T, double> || std::is_same_v<T, std::string>) {
          return nullptr;
        } else {
          return data.get();
        }
      },
      value.data_);
}

namespace {
// The owner that marks an object as a Missing value.
const std::shared_ptr<const TemplateMap>& MissingTag() {
  static const auto* tag = new std::shared_ptr<const TemplateMap>(std::make_shared<const TemplateMap>());
  return *tag;
}
}  // namespace

TemplateValue ValueAccess::Missing(std::string reason) { return ObjectWithOwner({}, std::move(reason), MissingTag()); }

bool ValueAccess::IsMissing(const TemplateValue& value) {
  return value.kind() == TemplateValue::Kind::kObject &&
         std::get<std::shared_ptr<TemplateValue::ObjectBox>>(value.data_)->owner == MissingTag();
}

const std::string& ValueAccess::MissingReason(const TemplateValue& value) { return value.ObjectDisplay(); }

Result<bool> ValueAccess::Reaches(const TemplateValue& from, const void* target) {
  std::vector<const TemplateValue*> pending = {&from};
  std::unordered_set<const void*> visited;
  auto push_entries = [&](const TemplateMap& map) {
    for (const auto& entry : map) pending.push_back(&entry.second);
  };
  while (!pending.empty()) {
    const TemplateValue* value = pending.back();
    pending.pop_back();
    const void* identity = Identity(*value);
    if (identity == nullptr || value->kind() == TemplateValue::Kind::kCallable) continue;
    if (identity == target) return true;
    if (value->frozen()) continue;  // frozen containers hold frozen ones only
    if (!visited.insert(identity).second) continue;
    WEIR_TRY(template_internal::RenderBudget::Charge(template_internal::kCostPerContainerVisit));
    switch (value->kind()) {
      case TemplateValue::Kind::kList:
      case TemplateValue::Kind::kTuple:
        for (const TemplateValue& item : value->AsList()) pending.push_back(&item);
        break;
      case TemplateValue::Kind::kMap: push_entries(value->AsMap()); break;
      case TemplateValue::Kind::kObject: {
        push_entries(value->ObjectAttributes());
        const auto& owner = std::get<std::shared_ptr<TemplateValue::ObjectBox>>(value->data_)->owner;
        if (owner) push_entries(*owner);
        break;
      }
      default: break;
    }
  }
  return false;
}

std::function<std::optional<TemplateValue>()> ValueAccess::WeakHandle(const TemplateValue& value) {
  return std::visit(
      [&value](const auto& data) -> std::function<std::optional<TemplateValue>()> {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, std::shared_ptr<TemplateValue::ListBox>> ||
                      std::is_same_v<T, std::shared_ptr<TemplateValue::TupleBox>> ||
                      std::is_same_v<T, std::shared_ptr<TemplateValue::MapBox>> ||
                      std::is_same_v<T, std::shared_ptr<TemplateValue::ObjectBox>>) {
          std::weak_ptr<typename T::element_type> weak = data;
          return [weak]() -> std::optional<TemplateValue> {
            auto box = weak.lock();
            if (!box) return std::nullopt;
            return TemplateValue(TemplateValue::Data(std::move(box)));
          };
        } else {
          return [value]() -> std::optional<TemplateValue> { return value; };
        }
      },
      value.data_);
}

const TemplateValue::Data& ValueAccess::Storage(const TemplateValue& value) { return value.data_; }

const TemplateValue* TemplateCallArgs::Keyword(std::string_view name) const {
  for (const auto& [key, value] : keyword) {
    if (key == name) return &value;
  }
  return nullptr;
}

TemplateValue TemplateValue::Bool(bool value) { return TemplateValue(Data(value)); }
TemplateValue TemplateValue::Int(int64_t value) { return TemplateValue(Data(value)); }
TemplateValue TemplateValue::Float(double value) { return TemplateValue(Data(value)); }
TemplateValue TemplateValue::String(std::string value) { return TemplateValue(Data(std::move(value))); }

TemplateValue TemplateValue::FromList(List items) {
  return TemplateValue(Data(std::make_shared<ListBox>(std::move(items))));
}

TemplateValue TemplateValue::FromTuple(List items) {
  return TemplateValue(Data(std::make_shared<TupleBox>(std::move(items))));
}

TemplateValue TemplateValue::FromMap(TemplateMap map) {
  return TemplateValue(Data(std::make_shared<MapBox>(std::move(map))));
}

TemplateValue TemplateValue::Function(std::string name, TemplateFunction function, bool secret) {
  return FromCallable(TemplateCallable{std::move(name), std::move(function), secret, nullptr});
}

TemplateValue TemplateValue::FromCallable(TemplateCallable callable) {
  return TemplateValue(Data(std::make_shared<const TemplateCallable>(std::move(callable))));
}

TemplateValue TemplateValue::Object(TemplateMap attributes, std::string display) {
  return TemplateValue(Data(std::make_shared<ObjectBox>(std::move(attributes), std::move(display), false)));
}

TemplateValue TemplateValue::Namespace(TemplateMap attributes) {
  return TemplateValue(Data(std::make_shared<ObjectBox>(std::move(attributes), "", true)));
}

bool TemplateValue::is_number() const {
  Kind k = kind();
  return k == Kind::kBool || k == Kind::kInt || k == Kind::kFloat;
}

bool TemplateValue::is_sequence() const { return kind() == Kind::kList || kind() == Kind::kTuple; }

bool TemplateValue::is_namespace() const {
  return kind() == Kind::kObject && std::get<std::shared_ptr<ObjectBox>>(data_)->is_namespace;
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
  if (kind() == Kind::kTuple) return std::get<std::shared_ptr<TupleBox>>(data_)->items;
  WEIR_CHECK(kind() == Kind::kList);
  return std::get<std::shared_ptr<ListBox>>(data_)->items;
}

const TemplateMap& TemplateValue::AsMap() const {
  WEIR_CHECK(kind() == Kind::kMap);
  return std::get<std::shared_ptr<MapBox>>(data_)->map;
}

const TemplateCallable& TemplateValue::AsCallable() const {
  WEIR_CHECK(kind() == Kind::kCallable);
  return *std::get<std::shared_ptr<const TemplateCallable>>(data_);
}

const TemplateMap& TemplateValue::ObjectAttributes() const {
  WEIR_CHECK(kind() == Kind::kObject);
  return std::get<std::shared_ptr<ObjectBox>>(data_)->attributes;
}

const std::string& TemplateValue::ObjectDisplay() const {
  WEIR_CHECK(kind() == Kind::kObject);
  return std::get<std::shared_ptr<ObjectBox>>(data_)->display;
}

TemplateValue::List* TemplateValue::MutableList() const {
  if (kind() != Kind::kList) return nullptr;
  ListBox& box = *std::get<std::shared_ptr<ListBox>>(data_);
  return box.frozen.load(std::memory_order_relaxed) ? nullptr : &box.items;
}

TemplateMap* TemplateValue::MutableMap() const {
  if (kind() == Kind::kMap) {
    MapBox& box = *std::get<std::shared_ptr<MapBox>>(data_);
    return box.frozen.load(std::memory_order_relaxed) ? nullptr : &box.map;
  }
  if (is_namespace()) {
    ObjectBox& box = *std::get<std::shared_ptr<ObjectBox>>(data_);
    return box.frozen.load(std::memory_order_relaxed) ? nullptr : &box.attributes;
  }
  return nullptr;
}

bool TemplateValue::frozen() const {
  switch (kind()) {
    case Kind::kList: return std::get<std::shared_ptr<ListBox>>(data_)->frozen.load(std::memory_order_relaxed);
    case Kind::kTuple: return std::get<std::shared_ptr<TupleBox>>(data_)->frozen.load(std::memory_order_relaxed);
    case Kind::kMap: return std::get<std::shared_ptr<MapBox>>(data_)->frozen.load(std::memory_order_relaxed);
    case Kind::kObject: return std::get<std::shared_ptr<ObjectBox>>(data_)->frozen.load(std::memory_order_relaxed);
    default: return false;
  }
}

// Iterative, and stops at containers already frozen (whose contents are).
void TemplateValue::Freeze() const {
  std::vector<const TemplateValue*> pending = {this};
  auto push_all = [&](const auto& values) {
    for (const auto& value : values) pending.push_back(&value);
  };
  auto push_entries = [&](const TemplateMap& map) {
    for (const auto& entry : map) pending.push_back(&entry.second);
  };
  while (!pending.empty()) {
    const TemplateValue* value = pending.back();
    pending.pop_back();
    switch (value->kind()) {
      case Kind::kList: {
        ListBox& box = *std::get<std::shared_ptr<ListBox>>(value->data_);
        if (!box.frozen.exchange(true)) push_all(box.items);
        break;
      }
      case Kind::kTuple: {
        TupleBox& box = *std::get<std::shared_ptr<TupleBox>>(value->data_);
        if (!box.frozen.exchange(true)) push_all(box.items);
        break;
      }
      case Kind::kMap: {
        MapBox& box = *std::get<std::shared_ptr<MapBox>>(value->data_);
        if (!box.frozen.exchange(true)) push_entries(box.map);
        break;
      }
      case Kind::kObject: {
        ObjectBox& box = *std::get<std::shared_ptr<ObjectBox>>(value->data_);
        if (!box.frozen.exchange(true)) push_entries(box.attributes);
        break;
      }
      default: break;
    }
  }
}

bool TemplateValue::IsSameObject(const TemplateValue& other) const {
  if (kind() != other.kind()) return false;
  if (kind() == Kind::kNone) return true;
  if (kind() == Kind::kBool) return AsBool() == other.AsBool();
  // CPython keeps one object for each small integer.
  if (kind() == Kind::kInt) return AsInt() == other.AsInt() && AsInt() >= -5 && AsInt() <= 256;
  const void* identity = ValueAccess::Identity(*this);
  return identity != nullptr && identity == ValueAccess::Identity(other);
}

bool TemplateValue::Truthy() const {
  switch (kind()) {
    case Kind::kNone: return false;
    case Kind::kBool: return AsBool();
    case Kind::kInt: return AsInt() != 0;
    case Kind::kFloat: return AsFloat() != 0.0;
    case Kind::kString: return !AsString().empty();
    case Kind::kList:
    case Kind::kTuple: return !AsList().empty();
    case Kind::kMap: return !AsMap().empty();
    case Kind::kCallable:
    case Kind::kObject: return true;
  }
  return false;
}

std::string TemplateValue::ToString() const {
  std::string out;
  template_internal::AppendValueText(*this, false, SIZE_MAX, out).IgnoreError();
  return out;
}

std::string TemplateValue::Repr() const {
  std::string out;
  template_internal::AppendValueText(*this, true, SIZE_MAX, out).IgnoreError();
  return out;
}

std::string_view TemplateValue::TypeName() const {
  switch (kind()) {
    case Kind::kNone: return "none";
    case Kind::kBool: return "boolean";
    case Kind::kInt: return "integer";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kList: return "list";
    case Kind::kTuple: return "tuple";
    case Kind::kMap: return "map";
    case Kind::kCallable: return "function";
    case Kind::kObject: return is_namespace() ? "namespace" : "object";
  }
  return "value";
}

bool operator==(const TemplateValue& a, const TemplateValue& b) {
  Result<bool> equal = template_internal::ValuesEqual(a, b);
  return equal.ok() && *equal;
}

// Small maps (scopes, rows, keyword arguments) are searched in order; an
// index is built once a map grows past kIndexFrom entries.
size_t TemplateMap::Position(std::string_view key) const {
  if (index_.empty()) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (entries_[i].first == key) return i;
    }
    return kAbsent;
  }
  auto it = index_.find(key);
  return it == index_.end() ? kAbsent : it->second;
}

void TemplateMap::Set(std::string key, TemplateValue value) {
  size_t at = Position(key);
  if (at != kAbsent) {
    entries_[at].second = std::move(value);
    return;
  }
  if (!index_.empty()) {
    index_.emplace(key, entries_.size());
  } else if (entries_.size() + 1 > kIndexFrom) {
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
    index_.emplace(key, entries_.size());
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

const TemplateValue* TemplateMap::Find(std::string_view key) const {
  size_t at = Position(key);
  return at == kAbsent ? nullptr : &entries_[at].second;
}

TemplateValue* TemplateMap::FindMutable(std::string_view key) {
  size_t at = Position(key);
  return at == kAbsent ? nullptr : &entries_[at].second;
}

bool TemplateMap::Erase(std::string_view key) {
  size_t at = Position(key);
  if (at == kAbsent) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(at));
  index_.clear();
  if (entries_.size() > kIndexFrom) {
    for (size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  }
  return true;
}

void TemplateMap::Clear() {
  index_.clear();
  entries_.clear();
}

std::vector<std::string> TemplateMap::Keys() const {
  std::vector<std::string> keys;
  keys.reserve(entries_.size());
  for (const auto& entry : entries_) keys.push_back(entry.first);
  return keys;
}

}  // namespace weir
