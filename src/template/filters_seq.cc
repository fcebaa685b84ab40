// Sequence filters: map, select, reject, selectattr, rejectattr, unique,
// sort, dictsort, batch, slice, sum, min, max, first, last, list, join,
// reverse, items and attr, with Jinja's argument lists.
#include <algorithm>
#include <unordered_set>

#include "template/internal/budget.h"
#include "template/internal/filters.h"
#include "template/internal/format.h"
#include "template/internal/operators.h"
#include "template/internal/text_ops.h"
#include "template/internal/unicode.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;
using Bound = std::vector<std::optional<TemplateValue>>;
using List = TemplateValue::List;

Status ArgumentError(std::string message) { return UserError("template-argument", std::move(message)); }

// Jinja's make_attrgetter: `attribute` is an index or a dotted path whose
// numeric parts are indexes ('address.city', 'items.0'); nullopt when a
// part is missing.
class AttributeGetter {
 public:
  static Result<AttributeGetter> Make(std::string_view what, const std::optional<TemplateValue>& attribute) {
    AttributeGetter getter;
    if (!attribute || attribute->is_none()) return getter;
    if (attribute->kind() == Kind::kInt) {
      getter.parts_.push_back(*attribute);
      return getter;
    }
    if (attribute->kind() != Kind::kString) {
      return ArgumentError(std::string(what) + ": 'attribute' must be a string or an integer");
    }
    for (const std::string& part : Split(attribute->AsString(), std::string("."), -1, false)) {
      bool numeric = !part.empty() && part.size() < 18 && part.find_first_not_of("0123456789") == std::string::npos;
      getter.parts_.push_back(numeric ? TemplateValue::Int(std::stoll(part)) : TemplateValue::String(part));
    }
    return getter;
  }

  bool empty() const { return parts_.empty(); }

  std::optional<TemplateValue> Get(const TemplateValue& item) const {
    std::optional<TemplateValue> value = item;
    for (const TemplateValue& part : parts_) {
      std::optional<TemplateValue> next = LookupItem(*value, part);
      if (!next && part.kind() == Kind::kString) next = LookupAttribute(*value, part.AsString());
      if (!next) return std::nullopt;
      value = std::move(next);
    }
    return value;
  }

  Result<TemplateValue> GetOrFail(std::string_view what, const TemplateValue& item) const {
    std::optional<TemplateValue> value = Get(item);
    if (!value) {
      std::string path;
      for (const TemplateValue& part : parts_) path += (path.empty() ? "" : ".") + part.ToString();
      return UserError("undefined-attribute", std::string(what) + ": an item has no attribute '" + path + "'");
    }
    return *value;
  }

 private:
  std::vector<TemplateValue> parts_;
};

// Jinja's ignore_case: strings compare lowercased.
TemplateValue IgnoreCase(const TemplateValue& value) {
  return value.kind() == Kind::kString ? TemplateValue::String(AsciiLower(value.AsString())) : value;
}

// Items and their sort keys: the attribute (or the item), lowercased unless
// case_sensitive. Jinja's sort also accepts several attributes: 'a,b'.
Result<List> SortKeys(std::string_view what, const List& items, const std::optional<TemplateValue>& attribute,
                      bool case_sensitive) {
  std::vector<AttributeGetter> getters;
  if (attribute && attribute->kind() == Kind::kString && attribute->AsString().find(',') != std::string::npos) {
    for (const std::string& part : Split(attribute->AsString(), std::string(","), -1, false)) {
      WEIR_ASSIGN_OR_RETURN(AttributeGetter getter, AttributeGetter::Make(what, TemplateValue::String(part)));
      getters.push_back(std::move(getter));
    }
  } else {
    WEIR_ASSIGN_OR_RETURN(AttributeGetter getter, AttributeGetter::Make(what, attribute));
    getters.push_back(std::move(getter));
  }
  List keys;
  keys.reserve(items.size());
  for (const TemplateValue& item : items) {
    List parts;
    for (const AttributeGetter& getter : getters) {
      WEIR_ASSIGN_OR_RETURN(TemplateValue key, getter.GetOrFail(what, item));
      parts.push_back(case_sensitive ? key : IgnoreCase(key));
    }
    keys.push_back(parts.size() == 1 ? parts[0] : TemplateValue::FromList(std::move(parts)));
  }
  return keys;
}

Result<List> Items(const TemplateValue& input) {
  return IterationItems(input);
}

Result<TemplateValue> Map(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  List out;
  out.reserve(items.size());
  if (args.positional.empty() && args.Keyword("attribute") != nullptr) {
    std::optional<TemplateValue> fallback;
    for (const auto& [key, value] : args.keyword) {
      if (key == "default") fallback = value;
      else if (key != "attribute") return ArgumentError("map: unexpected argument '" + key + "'");
    }
    WEIR_ASSIGN_OR_RETURN(AttributeGetter getter, AttributeGetter::Make("map", *args.Keyword("attribute")));
    for (const TemplateValue& item : items) {
      std::optional<TemplateValue> value = getter.Get(item);
      if (!value && !fallback) {
        WEIR_ASSIGN_OR_RETURN(value, getter.GetOrFail("map", item));
      }
      out.push_back(value ? *value : *fallback);
    }
    return TemplateValue::FromList(std::move(out));
  }
  if (args.positional.empty() || args.positional[0].kind() != Kind::kString) {
    return ArgumentError("map: needs a filter name, as in map('upper'), or attribute='name'");
  }
  std::string name = args.positional[0].AsString();
  TemplateCallArgs rest{List(args.positional.begin() + 1, args.positional.end()), args.keyword};
  for (const TemplateValue& item : items) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, ApplyNamedFilter(name, item, rest));
    out.push_back(std::move(value));
  }
  return TemplateValue::FromList(std::move(out));
}

// select/reject and selectattr/rejectattr.
template <bool kKeep, bool kAttribute>
Result<TemplateValue> Select(const TemplateValue& input, const TemplateCallArgs& args) {
  const char* what = kAttribute ? (kKeep ? "selectattr" : "rejectattr") : (kKeep ? "select" : "reject");
  size_t offset = kAttribute ? 1 : 0;
  AttributeGetter getter;
  if (kAttribute) {
    if (args.positional.empty()) return ArgumentError(std::string(what) + ": needs an attribute name");
    WEIR_ASSIGN_OR_RETURN(getter, AttributeGetter::Make(what, args.positional[0]));
  }
  std::optional<std::string> test;
  if (args.positional.size() > offset) {
    if (args.positional[offset].kind() != Kind::kString) return ArgumentError(std::string(what) + ": the test must be a name");
    test = args.positional[offset].AsString();
  }
  TemplateCallArgs rest{List(args.positional.begin() + static_cast<std::ptrdiff_t>(std::min(args.positional.size(), offset + 1)),
                             args.positional.end()),
                        args.keyword};
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  List out;
  for (const TemplateValue& item : items) {
    std::optional<TemplateValue> value = kAttribute ? getter.Get(item) : std::optional<TemplateValue>(item);
    bool passes = false;
    if (test && (*test == "defined" || *test == "undefined")) {
      passes = value.has_value() == (*test == "defined");
    } else {
      if (!value) {
        WEIR_ASSIGN_OR_RETURN(value, getter.GetOrFail(what, item));
      }
      if (test) {
        WEIR_ASSIGN_OR_RETURN(passes, ApplyNamedTest(*test, *value, rest));
      } else {
        passes = value->Truthy();
      }
    }
    if (passes == kKeep) out.push_back(item);
  }
  return TemplateValue::FromList(std::move(out));
}

bool Hashable(const TemplateValue& value) {
  if (value.kind() == Kind::kList || value.kind() == Kind::kMap || value.is_namespace()) return false;
  if (value.kind() == Kind::kTuple) return std::all_of(value.AsList().begin(), value.AsList().end(), Hashable);
  return true;
}

Result<TemplateValue> Unique(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("unique", args, {"case_sensitive", "attribute"}));
  bool case_sensitive = bound[0] && bound[0]->Truthy();
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  WEIR_ASSIGN_OR_RETURN(List keys, SortKeys("unique", items, bound[1], case_sensitive));
  std::unordered_set<std::string> seen_strings;
  List seen_others;
  List out;
  for (size_t i = 0; i < items.size(); ++i) {
    const TemplateValue& key = keys[i];
    if (!Hashable(key)) return UserError("template-type", "unique: a " + std::string(key.TypeName()) + " cannot be compared for uniqueness");
    bool fresh = true;
    if (key.kind() == Kind::kString) {
      fresh = seen_strings.insert(key.AsString()).second;
    } else {
      for (const TemplateValue& other : seen_others) {
        WEIR_ASSIGN_OR_RETURN(bool same, ValuesEqual(key, other));
        if (same) {
          fresh = false;
          break;
        }
      }
      if (fresh) seen_others.push_back(key);
    }
    if (fresh) out.push_back(items[i]);
  }
  return TemplateValue::FromList(std::move(out));
}

Result<TemplateValue> Sort(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("sort", args, {"reverse", "case_sensitive", "attribute"}));
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  WEIR_ASSIGN_OR_RETURN(List keys, SortKeys("sort", items, bound[2], bound[1] && bound[1]->Truthy()));
  WEIR_TRY(SortValues(items, bound[0] && bound[0]->Truthy(), &keys));
  return TemplateValue::FromList(std::move(items));
}

Result<TemplateValue> DictSort(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("dictsort", args, {"case_sensitive", "by", "reverse"}));
  if (input.kind() != Kind::kMap) return UserError("template-type", "dictsort: expected a map, not " + std::string(input.TypeName()));
  std::string by = "key";
  if (bound[1]) {
    if (bound[1]->kind() != Kind::kString || (bound[1]->AsString() != "key" && bound[1]->AsString() != "value")) {
      return ArgumentError("dictsort: 'by' must be 'key' or 'value'");
    }
    by = bound[1]->AsString();
  }
  bool case_sensitive = bound[0] && bound[0]->Truthy();
  List pairs, keys;
  for (const auto& [key, value] : input.AsMap()) {
    pairs.push_back(TemplateValue::FromTuple({TemplateValue::String(key), value}));
    TemplateValue sort_key = by == "key" ? TemplateValue::String(key) : value;
    keys.push_back(case_sensitive ? sort_key : IgnoreCase(sort_key));
  }
  WEIR_TRY(SortValues(pairs, bound[2] && bound[2]->Truthy(), &keys));
  return TemplateValue::FromList(std::move(pairs));
}

Result<TemplateValue> Batch(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("batch", args, {"linecount", "fill_with"}));
  if (!bound[0] || (bound[0]->kind() != Kind::kInt && bound[0]->kind() != Kind::kBool)) {
    return ArgumentError("batch: needs the number of items per batch, as in batch(3)");
  }
  int64_t size = bound[0]->AsInt();
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  List batches, current;
  for (const TemplateValue& item : items) {
    if (static_cast<int64_t>(current.size()) == size) batches.push_back(TemplateValue::FromList(std::exchange(current, {})));
    current.push_back(item);
  }
  if (!current.empty()) {
    if (bound[1] && !bound[1]->is_none() && static_cast<int64_t>(current.size()) < size) {
      if (size > static_cast<int64_t>(kMaxValueBytes / sizeof(TemplateValue))) return UserError("template-limit", "batch: too large");
      current.resize(static_cast<size_t>(size), *bound[1]);
    }
    batches.push_back(TemplateValue::FromList(std::move(current)));
  }
  return TemplateValue::FromList(std::move(batches));
}

// Jinja's slice filter: `count` columns, the first ones one item longer.
Result<TemplateValue> SliceFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("slice", args, {"slices", "fill_with"}));
  if (!bound[0] || bound[0]->kind() != Kind::kInt || bound[0]->AsInt() <= 0) {
    return ArgumentError("slice: needs a positive number of slices, as in slice(3)");
  }
  int64_t count = bound[0]->AsInt();
  if (count > 1'000'000) return UserError("template-limit", "slice: more than 1000000 slices");
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  int64_t length = static_cast<int64_t>(items.size());
  int64_t per_slice = length / count, with_extra = length % count, offset = 0;
  List slices;
  for (int64_t n = 0; n < count; ++n) {
    int64_t start = offset + n * per_slice;
    if (n < with_extra) ++offset;
    int64_t end = offset + (n + 1) * per_slice;
    List part(items.begin() + start, items.begin() + end);
    if (bound[1] && !bound[1]->is_none() && n >= with_extra) part.push_back(*bound[1]);
    slices.push_back(TemplateValue::FromList(std::move(part)));
  }
  return TemplateValue::FromList(std::move(slices));
}

Result<TemplateValue> Sum(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("sum", args, {"attribute", "start"}));
  WEIR_ASSIGN_OR_RETURN(AttributeGetter getter, AttributeGetter::Make("sum", bound[0]));
  TemplateValue total = bound[1] ? *bound[1] : TemplateValue::Int(0);
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  for (const TemplateValue& item : items) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue value, getter.GetOrFail("sum", item));
    if (total.kind() == Kind::kString) return UserError("template-type", "sum: cannot add strings; use join");
    WEIR_ASSIGN_OR_RETURN(total, ApplyBinary(BinaryOp::kAdd, total, value));
  }
  return total;
}

template <bool kMax>
Result<TemplateValue> Extreme(const TemplateValue& input, const TemplateCallArgs& args) {
  const char* what = kMax ? "max" : "min";
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments(what, args, {"case_sensitive", "attribute"}));
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  if (items.empty()) return UserError("template-value", std::string(what) + ": the sequence is empty");
  WEIR_ASSIGN_OR_RETURN(List keys, SortKeys(what, items, bound[1], bound[0] && bound[0]->Truthy()));
  size_t best = 0;
  for (size_t i = 1; i < items.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(int order, ValuesOrder(keys[i], keys[best], kMax ? ">" : "<"));
    if (order == (kMax ? 1 : -1)) best = i;
  }
  return items[best];
}

Result<TemplateValue> FirstOrLast(std::string_view what, const TemplateValue& input, const TemplateCallArgs& args,
                                  bool first) {
  WEIR_TRY(BindArguments(what, args, {}));
  if (input.is_sequence()) {
    if (input.AsList().empty()) return UserError("template-value", std::string(what) + ": the " + std::string(input.TypeName()) + " is empty");
    return first ? input.AsList().front() : input.AsList().back();
  }
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  if (items.empty()) return UserError("template-value", std::string(what) + ": the " + std::string(input.TypeName()) + " is empty");
  return first ? items.front() : items.back();
}

Result<TemplateValue> First(const TemplateValue& input, const TemplateCallArgs& args) {
  return FirstOrLast("first", input, args, true);
}
Result<TemplateValue> Last(const TemplateValue& input, const TemplateCallArgs& args) {
  return FirstOrLast("last", input, args, false);
}

Result<TemplateValue> ListFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("list", args, {}));
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  return TemplateValue::FromList(std::move(items));
}

Result<TemplateValue> Join(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("join", args, {"d", "attribute"}));
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  WEIR_ASSIGN_OR_RETURN(AttributeGetter getter, AttributeGetter::Make("join", bound[1]));
  std::string separator;
  if (bound[0]) {
    WEIR_ASSIGN_OR_RETURN(separator, ValueText(*bound[0]));
  }
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(TemplateValue item, getter.GetOrFail("join", items[i]));
    if (i > 0) out += separator;
    WEIR_TRY(AppendValueText(item, false, kMaxValueBytes, out));
    if (out.size() > kMaxValueBytes) return UserError("template-limit", "join: result too large");
  }
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(out.size())));
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> ReverseFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("reverse", args, {}));
  if (input.kind() == Kind::kString) {
    std::vector<std::string> chars = SplitCodePoints(input.AsString());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return TemplateValue::String(std::move(out));
  }
  WEIR_ASSIGN_OR_RETURN(List items, Items(input));
  std::reverse(items.begin(), items.end());
  return TemplateValue::FromList(std::move(items));
}

Result<TemplateValue> ItemsFilter(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_TRY(BindArguments("items", args, {}));
  if (input.kind() != Kind::kMap) return UserError("template-type", "items: can only get pairs from a map, not " + std::string(input.TypeName()));
  List pairs;
  for (const auto& [key, value] : input.AsMap()) pairs.push_back(TemplateValue::FromTuple({TemplateValue::String(key), value}));
  return TemplateValue::FromList(std::move(pairs));
}

// getattr(value, name): an object's attribute or a method; never a map key.
Result<TemplateValue> Attr(const TemplateValue& input, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, BindArguments("attr", args, {"name"}));
  if (!bound[0] || bound[0]->kind() != Kind::kString) return ArgumentError("attr: needs an attribute name");
  const std::string& name = bound[0]->AsString();
  if (MethodFunction method = FindMethod(input, name)) return BoundMethod(input, name, method);
  if (input.kind() == Kind::kObject) {
    if (std::optional<TemplateValue> value = LookupAttribute(input, name)) return *value;
  }
  return UserError("undefined-attribute", "attr: " + std::string(input.TypeName()) + " has no attribute '" + name + "'");
}

// Merge sort with a comparison that may fail: std::sort with an
// inconsistent or throwing comparison is undefined.
Status MergeSort(std::vector<size_t>& order, const List& keys, bool reverse) {
  std::vector<size_t> buffer(order.size());
  for (size_t width = 1; width < order.size(); width *= 2) {
    for (size_t lo = 0; lo < order.size(); lo += 2 * width) {
      size_t mid = std::min(lo + width, order.size()), hi = std::min(lo + 2 * width, order.size());
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        // Stable: take from the right only when strictly before.
        WEIR_ASSIGN_OR_RETURN(int c, reverse ? ValuesOrder(keys[order[i]], keys[order[j]]) : ValuesOrder(keys[order[j]], keys[order[i]]));
        buffer[k++] = c == -1 ? order[j++] : order[i++];
      }
      while (i < mid) buffer[k++] = order[i++];
      while (j < hi) buffer[k++] = order[j++];
    }
    order.swap(buffer);
  }
  return OkStatus();
}

}  // namespace

Status SortValues(List& items, bool reverse, const List* keys) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  WEIR_TRY(MergeSort(order, keys != nullptr ? *keys : items, reverse));
  List sorted;
  sorted.reserve(items.size());
  for (size_t i : order) sorted.push_back(std::move(items[i]));
  items = std::move(sorted);
  return OkStatus();
}

void AddSequenceFilters(std::map<std::string_view, FilterFunction>& filters) {
  filters.insert({
      {"attr", Attr},           {"batch", Batch},
      {"dictsort", DictSort},   {"first", First},
      {"items", ItemsFilter},   {"join", Join},
      {"last", Last},           {"list", ListFilter},
      {"map", Map},             {"max", Extreme<true>},
      {"min", Extreme<false>},  {"reject", Select<false, false>},
      {"rejectattr", Select<false, true>}, {"reverse", ReverseFilter},
      {"select", Select<true, false>},    {"selectattr", Select<true, true>},
      {"slice", SliceFilter},   {"sort", Sort},
      {"sum", Sum},             {"unique", Unique},
  });
}

}  // namespace weir::template_internal
