// Python's methods of str, list, tuple and dict, as a template calls them:
// `'a,b'.split(',')`, `xs.append(1)`, `m.items()`.
#include <algorithm>
#include <map>

#include "template/internal/budget.h"
#include "template/internal/filters.h"
#include "template/internal/operators.h"
#include "template/internal/python_format.h"
#include "template/internal/text_ops.h"
#include "template/internal/unicode.h"
#include "template/internal/value_access.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;
using Bound = std::vector<std::optional<TemplateValue>>;

Status TypeError(std::string message) { return UserError("template-type", std::move(message)); }

Result<std::string> StringParam(std::string_view method, const std::optional<TemplateValue>& value, std::string_view param) {
  if (!value || value->kind() != Kind::kString) {
    return TypeError(std::string(method) + ": '" + std::string(param) + "' must be a string, not " +
                     std::string(value ? value->TypeName() : "missing"));
  }
  return value->AsString();
}

Result<std::optional<std::string>> OptionalString(std::string_view method, const std::optional<TemplateValue>& value,
                                                  std::string_view param) {
  if (!value || value->is_none()) return std::optional<std::string>();
  WEIR_ASSIGN_OR_RETURN(std::string text, StringParam(method, value, param));
  return std::optional<std::string>(std::move(text));
}

Result<int64_t> IntParam(std::string_view method, const std::optional<TemplateValue>& value, std::string_view param,
                         int64_t fallback) {
  if (!value) return fallback;
  if (value->kind() != Kind::kInt && value->kind() != Kind::kBool) {
    return TypeError(std::string(method) + ": '" + std::string(param) + "' must be an integer, not " +
                     std::string(value->TypeName()));
  }
  return value->AsInt();
}

Status Required(std::string_view method, const Bound& bound, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    if (!bound[i]) return UserError("template-argument", std::string(method) + "() takes at least " + std::to_string(count) + " argument" + (count == 1 ? "" : "s"));
  }
  return OkStatus();
}

TemplateValue Strings(const std::vector<std::string>& parts) {
  TemplateValue::List items;
  items.reserve(parts.size());
  for (const std::string& part : parts) items.push_back(TemplateValue::String(part));
  return TemplateValue::FromList(std::move(items));
}

// ---- str ----------------------------------------------------------------

template <std::string (*Transform)(std::string_view)>
Result<TemplateValue> CaseMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("string method", args, {}));
  return TemplateValue::String(Transform(self.AsString()));
}

template <bool kLeft, bool kRight>
Result<TemplateValue> StripMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("strip", args, {"chars"}));
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> chars, OptionalString("strip", bound[0], "chars"));
  return TemplateValue::String(Strip(self.AsString(), chars, kLeft, kRight));
}

template <bool kFromRight>
Result<TemplateValue> SplitMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("split", args, {"sep", "maxsplit"}));
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> sep, OptionalString("split", bound[0], "sep"));
  if (sep && sep->empty()) return UserError("template-value", "split: empty separator");
  WEIR_ASSIGN_OR_RETURN(int64_t max_split, IntParam("split", bound[1], "maxsplit", -1));
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(self.AsString().size()) * kCostPerItem));
  return Strings(Split(self.AsString(), sep, max_split, kFromRight));
}

Result<TemplateValue> SplitLinesMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("splitlines", args, {"keepends"}));
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(self.AsString().size()) * kCostPerItem));
  return Strings(SplitLines(self.AsString(), bound[0] && bound[0]->Truthy()));
}

Result<TemplateValue> ReplaceMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("replace", args, {"old", "new", "count"}));
  WEIR_TRY(Required("replace", bound, 2));
  WEIR_ASSIGN_OR_RETURN(std::string old_text, StringParam("replace", bound[0], "old"));
  WEIR_ASSIGN_OR_RETURN(std::string new_text, StringParam("replace", bound[1], "new"));
  WEIR_ASSIGN_OR_RETURN(int64_t count, IntParam("replace", bound[2], "count", -1));
  WEIR_ASSIGN_OR_RETURN(std::string out, Replace(self.AsString(), old_text, new_text, count, kMaxValueBytes));
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(out.size())));
  return TemplateValue::String(std::move(out));
}

template <bool kStart>
Result<TemplateValue> AffixMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  const char* name = kStart ? "startswith" : "endswith";
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments(name, args, {"prefix"}));
  WEIR_TRY(Required(name, bound, 1));
  std::vector<std::string> affixes;
  if (bound[0]->kind() == Kind::kTuple) {
    for (const TemplateValue& item : bound[0]->AsList()) {
      if (item.kind() != Kind::kString) return TypeError(std::string(name) + ": a tuple of strings is required");
      affixes.push_back(item.AsString());
    }
  } else {
    WEIR_ASSIGN_OR_RETURN(std::string affix, StringParam(name, bound[0], "prefix"));
    affixes.push_back(std::move(affix));
  }
  const std::string& text = self.AsString();
  for (const std::string& affix : affixes) {
    bool match = affix.size() <= text.size() &&
                 (kStart ? text.compare(0, affix.size(), affix) == 0
                         : text.compare(text.size() - affix.size(), affix.size(), affix) == 0);
    if (match) return TemplateValue::Bool(true);
  }
  return TemplateValue::Bool(false);
}

Result<TemplateValue> FormatMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(std::string out, BraceFormat(self.AsString(), args));
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> JoinMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("join", args, {"iterable"}));
  WEIR_TRY(Required("join", bound, 1));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List items, IterationItems(*bound[0]));
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].kind() != Kind::kString) {
      return TypeError("join: item " + std::to_string(i) + " is " + std::string(items[i].TypeName()) + ", not a string");
    }
    if (i > 0) out += self.AsString();
    out += items[i].AsString();
    if (out.size() > kMaxValueBytes) return UserError("template-limit", "join: result too large");
  }
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(out.size())));
  return TemplateValue::String(std::move(out));
}

template <int kWhich>  // 0 count, 1 find, 2 rfind, 3 index, 4 rindex
Result<TemplateValue> SearchMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  static constexpr const char* kNames[] = {"count", "find", "rfind", "index", "rindex"};
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments(kNames[kWhich], args, {"sub"}));
  WEIR_TRY(Required(kNames[kWhich], bound, 1));
  WEIR_ASSIGN_OR_RETURN(std::string part, StringParam(kNames[kWhich], bound[0], "sub"));
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(self.AsString().size())));
  if (kWhich == 0) return TemplateValue::Int(CountOccurrences(self.AsString(), part));
  int64_t at = Find(self.AsString(), part, kWhich == 2 || kWhich == 4);
  if (at < 0 && kWhich >= 3) return UserError("template-value", std::string(kNames[kWhich]) + ": substring not found");
  return TemplateValue::Int(at);
}

template <bool (*Predicate)(char)>
Result<TemplateValue> ClassMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("string test", args, {}));
  const std::string& text = self.AsString();
  return TemplateValue::Bool(!text.empty() && std::all_of(text.begin(), text.end(), Predicate));
}

bool IsDigitChar(char c) { return c >= '0' && c <= '9'; }
bool IsAlphaChar(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsAlnumChar(char c) { return IsDigitChar(c) || IsAlphaChar(c); }
bool IsSpaceChar(char c) { return IsPythonSpace(static_cast<unsigned char>(c)); }

// islower/isupper: some cased character and none of the other case.
template <bool kUpper>
Result<TemplateValue> CaseTest(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments(kUpper ? "isupper" : "islower", args, {}));
  bool cased = false;
  for (char c : self.AsString()) {
    bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
    if ((kUpper && lower) || (!kUpper && upper)) return TemplateValue::Bool(false);
    cased = cased || upper || lower;
  }
  return TemplateValue::Bool(cased);
}

template <char kAlign>
Result<TemplateValue> JustifyMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  const char* name = kAlign == '^' ? "center" : kAlign == '<' ? "ljust" : "rjust";
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments(name, args, {"width", "fillchar"}));
  WEIR_TRY(Required(name, bound, 1));
  WEIR_ASSIGN_OR_RETURN(int64_t width, IntParam(name, bound[0], "width", 0));
  std::string fill = " ";
  if (bound[1]) {
    WEIR_ASSIGN_OR_RETURN(fill, StringParam(name, bound[1], "fillchar"));
    if (CountCodePoints(fill) != 1) return TypeError(std::string(name) + ": the fill character must be exactly one character long");
  }
  WEIR_ASSIGN_OR_RETURN(std::string out, Justify(self.AsString(), width, fill, kAlign, kMaxValueBytes));
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> ZeroFill(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("zfill", args, {"width"}));
  WEIR_TRY(Required("zfill", bound, 1));
  WEIR_ASSIGN_OR_RETURN(int64_t width, IntParam("zfill", bound[0], "width", 0));
  const std::string& text = self.AsString();
  bool signed_text = !text.empty() && (text[0] == '+' || text[0] == '-');
  WEIR_ASSIGN_OR_RETURN(std::string padded, Justify(text.substr(signed_text ? 1 : 0), width - (signed_text ? 1 : 0), "0", '>', kMaxValueBytes));
  return TemplateValue::String((signed_text ? text.substr(0, 1) : "") + padded);
}

template <bool kFromRight>
Result<TemplateValue> PartitionMethod(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("partition", args, {"sep"}));
  WEIR_TRY(Required("partition", bound, 1));
  WEIR_ASSIGN_OR_RETURN(std::string sep, StringParam("partition", bound[0], "sep"));
  if (sep.empty()) return UserError("template-value", "partition: empty separator");
  const std::string& text = self.AsString();
  size_t at = kFromRight ? text.rfind(sep) : text.find(sep);
  auto s = [](std::string v) { return TemplateValue::String(std::move(v)); };
  if (at == std::string::npos) {
    return kFromRight ? TemplateValue::FromTuple({s(""), s(""), s(text)}) : TemplateValue::FromTuple({s(text), s(""), s("")});
  }
  return TemplateValue::FromTuple({s(text.substr(0, at)), s(sep), s(text.substr(at + sep.size()))});
}

template <bool kPrefix>
Result<TemplateValue> RemoveAffix(const TemplateValue& self, const TemplateCallArgs& args) {
  const char* name = kPrefix ? "removeprefix" : "removesuffix";
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments(name, args, {"affix"}));
  WEIR_TRY(Required(name, bound, 1));
  WEIR_ASSIGN_OR_RETURN(std::string affix, StringParam(name, bound[0], "affix"));
  std::string text = self.AsString();
  if (affix.size() <= text.size()) {
    if (kPrefix && text.compare(0, affix.size(), affix) == 0) text.erase(0, affix.size());
    if (!kPrefix && text.compare(text.size() - affix.size(), affix.size(), affix) == 0) text.erase(text.size() - affix.size());
  }
  return TemplateValue::String(std::move(text));
}

// ---- list and tuple -------------------------------------------------------

Result<TemplateValue::List*> Mutable(const TemplateValue& self, std::string_view method) {
  TemplateValue::List* items = self.MutableList();
  if (items == nullptr) {
    return TypeError("cannot " + std::string(method) + ": the list was given by the caller and cannot be changed; "
                     "copy it first with `| list`");
  }
  return items;
}

Status CheckGrowth(size_t size) {
  if (size > kMaxValueBytes / sizeof(TemplateValue)) return UserError("template-limit", "list too large");
  return RenderBudget::Charge(kCostPerItem);
}

// Containers are reference counted: one inside itself would never be freed.
Status CheckNotInside(const TemplateValue& container, const TemplateValue& value) {
  WEIR_ASSIGN_OR_RETURN(bool cycle, ValueAccess::Reaches(value, ValueAccess::Identity(container)));
  if (cycle) return UserError("template-value", "cannot put a " + std::string(container.TypeName()) + " inside itself");
  return OkStatus();
}

Result<TemplateValue> Append(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("append", args, {"item"}));
  WEIR_TRY(Required("append", bound, 1));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "append"));
  WEIR_TRY(CheckGrowth(items->size() + 1));
  WEIR_TRY(CheckNotInside(self, *bound[0]));
  items->push_back(*bound[0]);
  return TemplateValue::None();
}

Result<TemplateValue> Extend(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("extend", args, {"iterable"}));
  WEIR_TRY(Required("extend", bound, 1));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List more, IterationItems(*bound[0]));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "extend"));
  WEIR_TRY(CheckGrowth(items->size() + more.size()));
  for (const TemplateValue& item : more) WEIR_TRY(CheckNotInside(self, item));
  items->insert(items->end(), more.begin(), more.end());
  return TemplateValue::None();
}

Result<TemplateValue> Insert(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("insert", args, {"index", "item"}));
  WEIR_TRY(Required("insert", bound, 2));
  WEIR_ASSIGN_OR_RETURN(int64_t index, IntParam("insert", bound[0], "index", 0));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "insert"));
  WEIR_TRY(CheckGrowth(items->size() + 1));
  WEIR_TRY(CheckNotInside(self, *bound[1]));
  int64_t size = static_cast<int64_t>(items->size());
  if (index < 0) index = std::max<int64_t>(0, index + size);
  index = std::min(index, size);
  items->insert(items->begin() + index, *bound[1]);
  return TemplateValue::None();
}

Result<TemplateValue> Pop(const TemplateValue& self, const TemplateCallArgs& args) {
  if (self.kind() == Kind::kMap) {
    WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("pop", args, {"key", "default"}));
    WEIR_TRY(Required("pop", bound, 1));
    TemplateMap* map = self.MutableMap();
    if (map == nullptr) return TypeError("cannot pop: the map was given by the caller and cannot be changed");
    if (bound[0]->kind() == Kind::kString) {
      if (const TemplateValue* found = map->Find(bound[0]->AsString())) {
        TemplateValue value = *found;
        map->Erase(bound[0]->AsString());
        return value;
      }
    }
    if (bound[1]) return *bound[1];
    return UserError("undefined-attribute", "pop: no key " + bound[0]->Repr() + " in map");
  }
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("pop", args, {"index"}));
  WEIR_ASSIGN_OR_RETURN(int64_t index, IntParam("pop", bound[0], "index", -1));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "pop"));
  int64_t size = static_cast<int64_t>(items->size());
  if (size == 0) return UserError("template-value", "pop from an empty list");
  if (index < 0) index += size;
  if (index < 0 || index >= size) return UserError("undefined-attribute", "pop: index out of range");
  TemplateValue value = (*items)[static_cast<size_t>(index)];
  items->erase(items->begin() + index);
  return value;
}

Result<size_t> IndexOf(const TemplateValue::List& items, const TemplateValue& item) {
  for (size_t i = 0; i < items.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(bool same, ValuesEqual(items[i], item));
    if (same) return i;
  }
  return UserError("template-value", item.Repr() + " is not in the list");
}

Result<TemplateValue> Remove(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("remove", args, {"item"}));
  WEIR_TRY(Required("remove", bound, 1));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "remove"));
  WEIR_ASSIGN_OR_RETURN(size_t at, IndexOf(*items, *bound[0]));
  items->erase(items->begin() + static_cast<std::ptrdiff_t>(at));
  return TemplateValue::None();
}

Result<TemplateValue> ListIndex(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("index", args, {"item"}));
  WEIR_TRY(Required("index", bound, 1));
  WEIR_ASSIGN_OR_RETURN(size_t at, IndexOf(self.AsList(), *bound[0]));
  return TemplateValue::Int(static_cast<int64_t>(at));
}

Result<TemplateValue> ListCount(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("count", args, {"item"}));
  WEIR_TRY(Required("count", bound, 1));
  int64_t n = 0;
  for (const TemplateValue& item : self.AsList()) {
    WEIR_ASSIGN_OR_RETURN(bool same, ValuesEqual(item, *bound[0]));
    n += same ? 1 : 0;
  }
  return TemplateValue::Int(n);
}

Result<TemplateValue> Reverse(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("reverse", args, {}));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "reverse"));
  std::reverse(items->begin(), items->end());
  return TemplateValue::None();
}

Result<TemplateValue> SortInPlace(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("sort", args, {"reverse"}));
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "sort"));
  TemplateValue::List sorted = *items;
  WEIR_TRY(SortValues(sorted, bound[0] && bound[0]->Truthy()));
  *items = std::move(sorted);
  return TemplateValue::None();
}

Result<TemplateValue> Copy(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("copy", args, {}));
  if (self.kind() == Kind::kMap) return TemplateValue::FromMap(self.AsMap());
  return TemplateValue::FromList(self.AsList());
}

Result<TemplateValue> Clear(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("clear", args, {}));
  if (self.kind() == Kind::kMap) {
    TemplateMap* map = self.MutableMap();
    if (map == nullptr) return TypeError("cannot clear: the map was given by the caller and cannot be changed");
    map->Clear();
    return TemplateValue::None();
  }
  WEIR_ASSIGN_OR_RETURN(TemplateValue::List* items, Mutable(self, "clear"));
  items->clear();
  return TemplateValue::None();
}

// ---- dict -----------------------------------------------------------------

Result<TemplateMap*> MutableMap(const TemplateValue& self, std::string_view method) {
  TemplateMap* map = self.MutableMap();
  if (map == nullptr) {
    return TypeError("cannot " + std::string(method) + ": the map was given by the caller and cannot be changed; "
                     "copy it first with `dict(m)`");
  }
  return map;
}

template <int kWhich>  // 0 items, 1 keys, 2 values
Result<TemplateValue> MapView(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments(kWhich == 0 ? "items" : kWhich == 1 ? "keys" : "values", args, {}));
  WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(self.AsMap().size()) * kCostPerItem));
  TemplateValue::List items;
  items.reserve(self.AsMap().size());
  for (const auto& [key, value] : self.AsMap()) {
    if (kWhich == 0) items.push_back(TemplateValue::FromTuple({TemplateValue::String(key), value}));
    if (kWhich == 1) items.push_back(TemplateValue::String(key));
    if (kWhich == 2) items.push_back(value);
  }
  return TemplateValue::FromList(std::move(items));
}

Result<TemplateValue> Get(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("get", args, {"key", "default"}));
  WEIR_TRY(Required("get", bound, 1));
  if (bound[0]->kind() == Kind::kString) {
    if (const TemplateValue* found = self.AsMap().Find(bound[0]->AsString())) return *found;
  }
  return bound[1] ? *bound[1] : TemplateValue::None();
}

Result<TemplateValue> SetDefault(const TemplateValue& self, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("setdefault", args, {"key", "default"}));
  WEIR_TRY(Required("setdefault", bound, 1));
  if (bound[0]->kind() != Kind::kString) return TypeError("setdefault: map keys must be strings");
  if (const TemplateValue* found = self.AsMap().Find(bound[0]->AsString())) return *found;
  WEIR_ASSIGN_OR_RETURN(TemplateMap* map, MutableMap(self, "setdefault"));
  TemplateValue value = bound[1] ? *bound[1] : TemplateValue::None();
  WEIR_TRY(CheckNotInside(self, value));
  map->Set(bound[0]->AsString(), value);
  return value;
}

Result<TemplateValue> Update(const TemplateValue& self, const TemplateCallArgs& args) {
  if (args.positional.size() > 1) return UserError("template-argument", "update() takes at most 1 positional argument");
  WEIR_ASSIGN_OR_RETURN(TemplateMap* map, MutableMap(self, "update"));
  TemplateMap incoming;
  if (!args.positional.empty()) {
    const TemplateValue& other = args.positional[0];
    if (other.kind() == Kind::kMap) {
      incoming = other.AsMap();
    } else if (other.is_sequence()) {
      for (const TemplateValue& pair : other.AsList()) {
        if (!pair.is_sequence() || pair.AsList().size() != 2 || pair.AsList()[0].kind() != Kind::kString) {
          return TypeError("update: each item must be a (string key, value) pair");
        }
        incoming.Set(pair.AsList()[0].AsString(), pair.AsList()[1]);
      }
    } else {
      return TypeError("update: expected a map, not " + std::string(other.TypeName()));
    }
  }
  for (const auto& [key, value] : args.keyword) incoming.Set(key, value);
  WEIR_TRY(CheckGrowth(map->size() + incoming.size()));
  WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(incoming.size()) * kCostPerItem));
  for (const auto& [key, value] : incoming) WEIR_TRY(CheckNotInside(self, value));
  for (const auto& [key, value] : incoming) map->Set(key, value);
  return TemplateValue::None();
}

using MethodTable = std::map<std::string_view, MethodFunction>;

const MethodTable& StringMethods() {
  static const auto* methods = new MethodTable{
      {"upper", CaseMethod<AsciiUpper>},       {"lower", CaseMethod<AsciiLower>},
      {"casefold", CaseMethod<AsciiLower>},    {"title", CaseMethod<PythonTitle>},
      {"capitalize", CaseMethod<Capitalize>},  {"swapcase", CaseMethod<SwapCase>},
      {"strip", StripMethod<true, true>},      {"lstrip", StripMethod<true, false>},
      {"rstrip", StripMethod<false, true>},    {"split", SplitMethod<false>},
      {"rsplit", SplitMethod<true>},           {"splitlines", SplitLinesMethod},
      {"replace", ReplaceMethod},              {"startswith", AffixMethod<true>},
      {"endswith", AffixMethod<false>},        {"format", FormatMethod},
      {"join", JoinMethod},                    {"count", SearchMethod<0>},
      {"find", SearchMethod<1>},               {"rfind", SearchMethod<2>},
      {"index", SearchMethod<3>},              {"rindex", SearchMethod<4>},
      {"isdigit", ClassMethod<IsDigitChar>},   {"isdecimal", ClassMethod<IsDigitChar>},
      {"isnumeric", ClassMethod<IsDigitChar>}, {"isalpha", ClassMethod<IsAlphaChar>},
      {"isalnum", ClassMethod<IsAlnumChar>},   {"isspace", ClassMethod<IsSpaceChar>},
      {"islower", CaseTest<false>},            {"isupper", CaseTest<true>},
      {"center", JustifyMethod<'^'>},          {"ljust", JustifyMethod<'<'>},
      {"rjust", JustifyMethod<'>'>},           {"zfill", ZeroFill},
      {"partition", PartitionMethod<false>},   {"rpartition", PartitionMethod<true>},
      {"removeprefix", RemoveAffix<true>},     {"removesuffix", RemoveAffix<false>},
  };
  return *methods;
}

const MethodTable& ListMethods() {
  static const auto* methods = new MethodTable{
      {"append", Append}, {"extend", Extend}, {"insert", Insert},       {"pop", Pop},   {"remove", Remove},
      {"index", ListIndex}, {"count", ListCount}, {"reverse", Reverse}, {"sort", SortInPlace}, {"copy", Copy},
      {"clear", Clear},
  };
  return *methods;
}

const MethodTable& TupleMethods() {
  static const auto* methods = new MethodTable{{"index", ListIndex}, {"count", ListCount}};
  return *methods;
}

const MethodTable& MapMethods() {
  static const auto* methods = new MethodTable{
      {"items", MapView<0>}, {"keys", MapView<1>}, {"values", MapView<2>}, {"get", Get},     {"update", Update},
      {"pop", Pop},          {"setdefault", SetDefault}, {"copy", Copy},   {"clear", Clear},
  };
  return *methods;
}

}  // namespace

MethodFunction FindMethod(const TemplateValue& object, std::string_view name) {
  const MethodTable* table = nullptr;
  switch (object.kind()) {
    case Kind::kString: table = &StringMethods(); break;
    case Kind::kList: table = &ListMethods(); break;
    case Kind::kTuple: table = &TupleMethods(); break;
    case Kind::kMap: table = &MapMethods(); break;
    default: return nullptr;
  }
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

TemplateValue BoundMethod(const TemplateValue& object, std::string_view name, MethodFunction method) {
  std::string full_name = std::string(object.TypeName()) + "." + std::string(name);
  return TemplateValue::Function(full_name, [handle = ValueAccess::WeakHandle(object), method, full_name](
                                                const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<TemplateValue> self = handle();
    if (!self) return UserError("template-value", full_name + ": its object no longer exists");
    return method(*self, args);
  });
}

}  // namespace weir::template_internal
