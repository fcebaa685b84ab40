#include "template/internal/operators.h"

#include <cmath>
#include <limits>
#include <tuple>

#include "template/internal/budget.h"
#include "template/internal/format.h"
#include "template/internal/python_format.h"
#include "template/internal/unicode.h"
#include "template/internal/value_access.h"

namespace weir::template_internal {
namespace {

using Kind = TemplateValue::Kind;

bool IsIntLike(const TemplateValue& v) { return v.kind() == Kind::kInt || v.kind() == Kind::kBool; }

Status TypeError(std::string_view symbol, const TemplateValue& a, const TemplateValue& b) {
  return UserError("template-type", "unsupported operand types for '" + std::string(symbol) + "': " +
                                        std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
}

Status Overflow() {
  return UserError("template-value", "integer result does not fit in 64 bits");
}

Status ZeroDivision() { return UserError("template-value", "division by zero"); }

Status TooLarge() {
  return UserError("template-limit", "result larger than " + std::to_string(kMaxValueBytes >> 20) + " MiB");
}

Status TooDeep() {
  return UserError("template-limit", "values nested more than " + std::to_string(kMaxValueNesting) + " levels deep");
}

// Python's special method names of the arithmetic operators, and their
// reflected forms (tried on the right operand).
std::pair<const char*, const char*> SpecialNames(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return {"__add__", "__radd__"};
    case BinaryOp::kSub: return {"__sub__", "__rsub__"};
    case BinaryOp::kMul: return {"__mul__", "__rmul__"};
    case BinaryOp::kDiv: return {"__truediv__", "__rtruediv__"};
    case BinaryOp::kFloorDiv: return {"__floordiv__", "__rfloordiv__"};
    case BinaryOp::kMod: return {"__mod__", "__rmod__"};
    case BinaryOp::kPow: return {"__pow__", "__rpow__"};
    default: return {nullptr, nullptr};
  }
}

Result<TemplateValue> CallSpecial(const TemplateValue& method, TemplateValue argument) {
  TemplateCallArgs args;
  args.positional.push_back(std::move(argument));
  return method.AsCallable().function(args);
}

// `a op b` through a's method, else b's reflected one, as Python tries
// them. A method that does not take the other operand answers with a
// template-type error, Python's NotImplemented; nullopt when neither
// operand has a method that took it.
std::optional<Result<TemplateValue>> SpecialArithmetic(BinaryOp op, const TemplateValue& a, const TemplateValue& b) {
  auto [name, reflected] = SpecialNames(op);
  if (name == nullptr) return std::nullopt;
  std::optional<Result<TemplateValue>> declined;
  for (auto [self, other, method_name] : {std::tuple(&a, &b, name), std::tuple(&b, &a, reflected)}) {
    std::optional<TemplateValue> method = SpecialMethod(*self, method_name);
    if (!method) continue;
    Result<TemplateValue> result = CallSpecial(*method, *other);
    if (result.ok() || result.status().code() != "template-type") return result;
    declined = std::move(result);
  }
  return declined;
}

// Python's float divmod (Objects/floatobject.c): floor quotient and a
// remainder with the divisor's sign.
std::pair<double, double> FloatDivMod(double x, double y) {
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0) {
    if ((y < 0) != (mod < 0)) {
      mod += y;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, y);
  }
  double floor_div;
  if (div != 0) {
    floor_div = std::floor(div);
    if (div - floor_div > 0.5) floor_div += 1.0;
  } else {
    floor_div = std::copysign(0.0, x / y);
  }
  return {floor_div, mod};
}

Result<TemplateValue> IntPow(int64_t base, int64_t exponent) {
  int64_t result = 1;
  while (exponent > 0) {
    if ((exponent & 1) && __builtin_mul_overflow(result, base, &result)) return Overflow();
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) return Overflow();
  }
  return TemplateValue::Int(result);
}

TemplateValue SameSequenceKind(const TemplateValue& like, TemplateValue::List items) {
  return like.kind() == Kind::kTuple ? TemplateValue::FromTuple(std::move(items)) : TemplateValue::FromList(std::move(items));
}

Result<TemplateValue> Repeat(const TemplateValue& seq, int64_t count) {
  bool is_string = seq.kind() == Kind::kString;
  if (count <= 0) return is_string ? TemplateValue::String("") : SameSequenceKind(seq, {});
  size_t unit = is_string ? seq.AsString().size() : seq.AsList().size() * sizeof(TemplateValue);
  if (unit != 0 && static_cast<uint64_t>(count) > kMaxValueBytes / unit) return TooLarge();
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(unit * static_cast<size_t>(count))));
  if (is_string) {
    std::string out;
    out.reserve(unit * static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) out += seq.AsString();
    return TemplateValue::String(std::move(out));
  }
  TemplateValue::List out;
  for (int64_t i = 0; i < count; ++i) out.insert(out.end(), seq.AsList().begin(), seq.AsList().end());
  return SameSequenceKind(seq, std::move(out));
}

Result<TemplateValue> Arithmetic(BinaryOp op, const TemplateValue& a, const TemplateValue& b) {
  if (IsIntLike(a) && IsIntLike(b)) {
    int64_t x = a.AsInt(), y = b.AsInt(), r = 0;
    switch (op) {
      case BinaryOp::kAdd: if (__builtin_add_overflow(x, y, &r)) return Overflow(); return TemplateValue::Int(r);
      case BinaryOp::kSub: if (__builtin_sub_overflow(x, y, &r)) return Overflow(); return TemplateValue::Int(r);
      case BinaryOp::kMul: if (__builtin_mul_overflow(x, y, &r)) return Overflow(); return TemplateValue::Int(r);
      case BinaryOp::kDiv:
        if (y == 0) return ZeroDivision();
        return TemplateValue::Float(static_cast<double>(x) / static_cast<double>(y));
      case BinaryOp::kFloorDiv:
      case BinaryOp::kMod: {
        if (y == 0) return ZeroDivision();
        if (x == std::numeric_limits<int64_t>::min() && y == -1) return Overflow();
        int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          --q;
          m += y;
        }
        return TemplateValue::Int(op == BinaryOp::kMod ? m : q);
      }
      case BinaryOp::kPow:
        if (y < 0) {
          if (x == 0) return ZeroDivision();
          return TemplateValue::Float(std::pow(static_cast<double>(x), static_cast<double>(y)));
        }
        return IntPow(x, y);
      default: break;
    }
  }
  double x = a.AsFloat(), y = b.AsFloat();
  switch (op) {
    case BinaryOp::kAdd: return TemplateValue::Float(x + y);
    case BinaryOp::kSub: return TemplateValue::Float(x - y);
    case BinaryOp::kMul: return TemplateValue::Float(x * y);
    case BinaryOp::kDiv:
      if (y == 0) return ZeroDivision();
      return TemplateValue::Float(x / y);
    case BinaryOp::kFloorDiv:
    case BinaryOp::kMod: {
      if (y == 0) return ZeroDivision();
      auto [q, m] = FloatDivMod(x, y);
      return TemplateValue::Float(op == BinaryOp::kMod ? m : q);
    }
    case BinaryOp::kPow:
      if (x == 0 && y < 0) return ZeroDivision();
      if (x < 0 && y != std::floor(y)) return UserError("template-value", "negative number raised to a fractional power");
      return TemplateValue::Float(std::pow(x, y));
    default: break;
  }
  return InternalError("not an arithmetic operator");
}

Result<bool> Equal(const TemplateValue& a, const TemplateValue& b, int depth);

Result<bool> EqualItems(const TemplateValue::List& x, const TemplateValue::List& y, int depth) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(bool same, Equal(x[i], y[i], depth + 1));
    if (!same) return false;
  }
  return true;
}

Result<bool> EqualEntries(const TemplateMap& x, const TemplateMap& y, int depth) {
  if (x.size() != y.size()) return false;
  for (const auto& [key, item] : x) {
    const TemplateValue* other = y.Find(key);
    if (other == nullptr) return false;
    WEIR_ASSIGN_OR_RETURN(bool same, Equal(item, *other, depth + 1));
    if (!same) return false;
  }
  return true;
}

Result<bool> Equal(const TemplateValue& a, const TemplateValue& b, int depth) {
  if (depth > kMaxValueNesting) return TooDeep();
  WEIR_TRY(RenderBudget::Charge(kCostPerItem));
  if (a.is_number() && b.is_number()) {
    if (a.kind() != Kind::kFloat && b.kind() != Kind::kFloat) return a.AsInt() == b.AsInt();
    return a.AsFloat() == b.AsFloat();
  }
  if (a.kind() != b.kind()) return false;
  const void* identity = ValueAccess::Identity(a);
  if (identity != nullptr && identity == ValueAccess::Identity(b)) return true;  // Python's `x is y or x == y`
  switch (a.kind()) {
    case Kind::kNone: return true;
    case Kind::kString: return a.AsString() == b.AsString();
    case Kind::kList:
    case Kind::kTuple: return EqualItems(a.AsList(), b.AsList(), depth);
    case Kind::kMap: return EqualEntries(a.AsMap(), b.AsMap(), depth);
    case Kind::kObject:
      if (std::optional<TemplateValue> eq = SpecialMethod(a, "__eq__")) {
        WEIR_ASSIGN_OR_RETURN(TemplateValue same, CallSpecial(*eq, b));
        return same.Truthy();
      }
      return false;  // only the same one
    default: return false;  // callables: only the same one
  }
}

Result<int> Order(const TemplateValue& a, const TemplateValue& b, std::string_view symbol, int depth) {
  if (depth > kMaxValueNesting) return TooDeep();
  WEIR_TRY(RenderBudget::Charge(kCostPerItem));
  if (a.is_number() && b.is_number()) {
    if (IsIntLike(a) && IsIntLike(b)) return a.AsInt() < b.AsInt() ? -1 : a.AsInt() > b.AsInt() ? 1 : 0;
    double x = a.AsFloat(), y = b.AsFloat();
    if (std::isnan(x) || std::isnan(y)) return 2;  // unordered: every ordering comparison is false
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (a.kind() == Kind::kString && b.kind() == Kind::kString) {
    int c = a.AsString().compare(b.AsString());
    return c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  // Objects order by their __lt__: a < b, else a == b tells 0 from 1.
  for (int sign : {-1, 1}) {
    const TemplateValue& self = sign < 0 ? a : b;
    std::optional<TemplateValue> lt = SpecialMethod(self, "__lt__");
    if (!lt) continue;
    WEIR_ASSIGN_OR_RETURN(TemplateValue less, CallSpecial(*lt, sign < 0 ? b : a));
    if (less.Truthy()) return sign;
    WEIR_ASSIGN_OR_RETURN(bool same, Equal(a, b, depth + 1));
    return same ? 0 : -sign;
  }
  if (a.is_sequence() && a.kind() == b.kind()) {
    const auto& x = a.AsList();
    const auto& y = b.AsList();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      WEIR_ASSIGN_OR_RETURN(bool same, Equal(x[i], y[i], depth + 1));
      if (!same) return Order(x[i], y[i], symbol, depth + 1);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  return UserError("template-type", "'" + std::string(symbol) + "' is not supported between " +
                                        std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
}

// Byte offset of code point `index` (0 <= index <= count) in `s`.
size_t CodePointOffset(std::string_view s, int64_t index) {
  size_t offset = 0;
  for (int64_t i = 0; i < index && offset < s.size(); ++i) offset += CodePointAt(s, offset).size();
  return offset;
}

// Python's PySlice_AdjustIndices: the first index, the bound and the step.
struct SliceBounds {
  int64_t start, stop, step;
};

Result<SliceBounds> AdjustSlice(int64_t length, const TemplateValue& start, const TemplateValue& stop,
                                const TemplateValue& step) {
  for (const TemplateValue* bound : {&start, &stop, &step}) {
    if (!bound->is_none() && !IsIntLike(*bound)) {
      return UserError("template-type", "slice indices must be integers or none, not " + std::string(bound->TypeName()));
    }
  }
  SliceBounds s{0, 0, step.is_none() ? 1 : step.AsInt()};
  if (s.step == 0) return UserError("template-value", "slice step cannot be zero");
  if (s.step == std::numeric_limits<int64_t>::min()) s.step = -std::numeric_limits<int64_t>::max();
  int64_t lower = s.step > 0 ? 0 : -1, upper = s.step > 0 ? length : length - 1;
  auto adjust = [&](const TemplateValue& bound, int64_t fallback) {
    if (bound.is_none()) return fallback;
    int64_t i = bound.AsInt();
    if (i < 0) i = i < -length ? lower : std::max(i + length, lower);
    return std::min(std::max(i, lower), upper);
  };
  s.start = adjust(start, s.step > 0 ? lower : upper);
  s.stop = adjust(stop, s.step > 0 ? upper : lower);
  return s;
}

template <typename F>
void ForEachSliceIndex(const SliceBounds& s, F visit) {
  for (int64_t i = s.start; s.step > 0 ? i < s.stop : i > s.stop;) {
    visit(static_cast<size_t>(i));
    if (__builtin_add_overflow(i, s.step, &i)) break;
  }
}

}  // namespace

const char* BinaryOpSymbol(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd: return "+";
    case BinaryOp::kSub: return "-";
    case BinaryOp::kMul: return "*";
    case BinaryOp::kDiv: return "/";
    case BinaryOp::kFloorDiv: return "//";
    case BinaryOp::kMod: return "%";
    case BinaryOp::kPow: return "**";
    case BinaryOp::kConcat: return "~";
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
  }
  return "?";
}

Result<TemplateValue> Concatenate(const TemplateValue& a, const TemplateValue& b) {
  std::string out;
  if (a.kind() == Kind::kString) {
    out = a.AsString();
  } else {
    WEIR_TRY(AppendValueText(a, false, kMaxValueBytes, out));
  }
  if (b.kind() == Kind::kString) {
    if (out.size() + b.AsString().size() > kMaxValueBytes) return TooLarge();
    out += b.AsString();
  } else {
    WEIR_TRY(AppendValueText(b, false, kMaxValueBytes, out));
  }
  WEIR_TRY(RenderBudget::Charge(CostOfBytes(out.size())));
  return TemplateValue::String(std::move(out));
}

Result<TemplateValue> ApplyBinary(BinaryOp op, const TemplateValue& a, const TemplateValue& b) {
  const char* symbol = BinaryOpSymbol(op);
  if (op == BinaryOp::kConcat) return Concatenate(a, b);
  if (a.is_number() && b.is_number()) return Arithmetic(op, a, b);
  Kind ka = a.kind(), kb = b.kind();
  if (op == BinaryOp::kAdd && ka == kb && ka == Kind::kString) {
    if (a.AsString().size() + b.AsString().size() > kMaxValueBytes) return TooLarge();
    WEIR_TRY(RenderBudget::Charge(CostOfBytes(a.AsString().size() + b.AsString().size())));
    return TemplateValue::String(a.AsString() + b.AsString());
  }
  if (op == BinaryOp::kAdd && ka == kb && a.is_sequence()) {
    size_t count = a.AsList().size() + b.AsList().size();
    if (count > kMaxValueBytes / sizeof(TemplateValue)) return TooLarge();
    WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(count) * kCostPerItem));
    TemplateValue::List items;
    items.reserve(count);
    items.insert(items.end(), a.AsList().begin(), a.AsList().end());
    items.insert(items.end(), b.AsList().begin(), b.AsList().end());
    return SameSequenceKind(a, std::move(items));
  }
  if (op == BinaryOp::kMul) {
    bool a_seq = ka == Kind::kString || a.is_sequence();
    bool b_seq = kb == Kind::kString || b.is_sequence();
    if (a_seq && IsIntLike(b)) return Repeat(a, b.AsInt());
    if (b_seq && IsIntLike(a)) return Repeat(b, a.AsInt());
  }
  if (op == BinaryOp::kMod && ka == Kind::kString) return PercentFormat(a.AsString(), b);
  if (std::optional<Result<TemplateValue>> special = SpecialArithmetic(op, a, b)) return std::move(*special);
  return TypeError(symbol, a, b);
}

Result<TemplateValue> ApplyUnary(UnaryOp op, const TemplateValue& value) {
  if (op == UnaryOp::kNot) return TemplateValue::Bool(!value.Truthy());
  if (std::optional<TemplateValue> method = SpecialMethod(value, op == UnaryOp::kNegate ? "__neg__" : "__pos__")) {
    return method->AsCallable().function(TemplateCallArgs{});
  }
  if (!value.is_number()) {
    return UserError("template-type", std::string("bad operand type for unary ") + (op == UnaryOp::kNegate ? "-" : "+") +
                                          ": " + std::string(value.TypeName()));
  }
  if (value.kind() == Kind::kFloat) return TemplateValue::Float(op == UnaryOp::kNegate ? -value.AsFloat() : value.AsFloat());
  int64_t x = value.AsInt();
  if (op == UnaryOp::kPlus) return TemplateValue::Int(x);
  if (x == std::numeric_limits<int64_t>::min()) return Overflow();
  return TemplateValue::Int(-x);
}

std::optional<TemplateValue> SpecialMethod(const TemplateValue& value, std::string_view name) {
  if (value.kind() != Kind::kObject || value.is_namespace()) return std::nullopt;
  const TemplateValue* method = value.ObjectAttributes().Find(name);
  if (method == nullptr || method->kind() != Kind::kCallable || !method->AsCallable().function) return std::nullopt;
  return *method;
}

Result<bool> ValuesEqual(const TemplateValue& a, const TemplateValue& b) { return Equal(a, b, 0); }

Result<int> ValuesOrder(const TemplateValue& a, const TemplateValue& b, std::string_view symbol) {
  return Order(a, b, symbol, 0);
}

Result<bool> Contains(const TemplateValue& container, const TemplateValue& item) {
  switch (container.kind()) {
    case Kind::kString:
      if (item.kind() != Kind::kString) {
        return UserError("template-type", "'in <string>' needs a string on the left, not " + std::string(item.TypeName()));
      }
      WEIR_TRY(RenderBudget::Charge(CostOfBytes(container.AsString().size())));
      return container.AsString().find(item.AsString()) != std::string::npos;
    case Kind::kList:
    case Kind::kTuple:
      for (const TemplateValue& candidate : container.AsList()) {
        WEIR_ASSIGN_OR_RETURN(bool same, ValuesEqual(candidate, item));
        if (same) return true;
      }
      return false;
    case Kind::kMap:
      return item.kind() == Kind::kString && container.AsMap().Find(item.AsString()) != nullptr;
    default:
      return UserError("template-type", "'in' needs a string, list or map on the right, not " +
                                            std::string(container.TypeName()));
  }
}

Result<bool> ApplyCompare(CompareOp op, const TemplateValue& a, const TemplateValue& b) {
  switch (op) {
    case CompareOp::kEq: return ValuesEqual(a, b);
    case CompareOp::kNe: {
      WEIR_ASSIGN_OR_RETURN(bool equal, ValuesEqual(a, b));
      return !equal;
    }
    case CompareOp::kIn: return Contains(b, a);
    case CompareOp::kNotIn: {
      WEIR_ASSIGN_OR_RETURN(bool in, Contains(b, a));
      return !in;
    }
    case CompareOp::kLt: { WEIR_ASSIGN_OR_RETURN(int c, ValuesOrder(a, b, "<")); return c == -1; }
    case CompareOp::kLe: { WEIR_ASSIGN_OR_RETURN(int c, ValuesOrder(a, b, "<=")); return c == -1 || c == 0; }
    case CompareOp::kGt: { WEIR_ASSIGN_OR_RETURN(int c, ValuesOrder(a, b, ">")); return c == 1; }
    case CompareOp::kGe: { WEIR_ASSIGN_OR_RETURN(int c, ValuesOrder(a, b, ">=")); return c == 1 || c == 0; }
  }
  return false;
}

std::optional<TemplateValue> LookupItem(const TemplateValue& object, const TemplateValue& key) {
  switch (object.kind()) {
    case Kind::kMap: {
      if (key.kind() != Kind::kString) return std::nullopt;
      const TemplateValue* found = object.AsMap().Find(key.AsString());
      return found ? std::optional<TemplateValue>(*found) : std::nullopt;
    }
    case Kind::kObject: return LookupAttribute(object, key.kind() == Kind::kString ? key.AsString() : "");
    case Kind::kList:
    case Kind::kTuple: {
      if (!IsIntLike(key)) return std::nullopt;
      int64_t size = static_cast<int64_t>(object.AsList().size());
      int64_t i = key.AsInt() < 0 ? key.AsInt() + size : key.AsInt();
      if (i < 0 || i >= size) return std::nullopt;
      return object.AsList()[static_cast<size_t>(i)];
    }
    case Kind::kString: {
      if (!IsIntLike(key)) return std::nullopt;
      std::string_view text = object.AsString();
      int64_t size = CountCodePoints(text);
      int64_t i = key.AsInt() < 0 ? key.AsInt() + size : key.AsInt();
      if (i < 0 || i >= size) return std::nullopt;
      return TemplateValue::String(std::string(CodePointAt(text, CodePointOffset(text, i))));
    }
    default: return std::nullopt;
  }
}

std::optional<TemplateValue> LookupAttribute(const TemplateValue& object, std::string_view name) {
  if (object.kind() != Kind::kMap && object.kind() != Kind::kObject) return std::nullopt;
  const TemplateMap& map = object.kind() == Kind::kMap ? object.AsMap() : object.ObjectAttributes();
  const TemplateValue* found = map.Find(name);
  if (found == nullptr || ValueAccess::IsMissing(*found)) return std::nullopt;  // loop.previtem at the start
  return *found;
}

Result<TemplateValue> Slice(const TemplateValue& object, const TemplateValue& start, const TemplateValue& stop,
                            const TemplateValue& step) {
  if (object.kind() == Kind::kString) {
    std::vector<std::string> chars = SplitCodePoints(object.AsString());
    WEIR_ASSIGN_OR_RETURN(SliceBounds s, AdjustSlice(static_cast<int64_t>(chars.size()), start, stop, step));
    std::string out;
    ForEachSliceIndex(s, [&](size_t i) { out += chars[i]; });
    WEIR_TRY(RenderBudget::Charge(CostOfBytes(object.AsString().size())));
    return TemplateValue::String(std::move(out));
  }
  if (!object.is_sequence()) {
    return UserError("template-type", "cannot slice " + std::string(object.TypeName()) + "; expected a string, list or tuple");
  }
  const TemplateValue::List& items = object.AsList();
  WEIR_ASSIGN_OR_RETURN(SliceBounds s, AdjustSlice(static_cast<int64_t>(items.size()), start, stop, step));
  TemplateValue::List out;
  ForEachSliceIndex(s, [&](size_t i) { out.push_back(items[i]); });
  WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(out.size()) * kCostPerItem));
  return SameSequenceKind(object, std::move(out));
}

Result<TemplateValue::List> IterationItems(const TemplateValue& value) {
  TemplateValue::List items;
  switch (value.kind()) {
    case Kind::kList:
    case Kind::kTuple:
      WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(value.AsList().size()) * kCostPerItem));
      return value.AsList();
    case Kind::kMap:
      WEIR_TRY(RenderBudget::Charge(static_cast<int64_t>(value.AsMap().size()) * kCostPerItem));
      for (const auto& entry : value.AsMap()) items.push_back(TemplateValue::String(entry.first));
      return items;
    case Kind::kString:
      WEIR_TRY(RenderBudget::Charge(CostOfBytes(value.AsString().size()) * kCostPerItem));
      for (std::string& c : SplitCodePoints(value.AsString())) items.push_back(TemplateValue::String(std::move(c)));
      return items;
    default:
      return UserError("template-type", "cannot loop over " + std::string(value.TypeName()) + "; expected a list, map or string");
  }
}

Result<int64_t> Length(const TemplateValue& value) {
  switch (value.kind()) {
    case Kind::kString: return CountCodePoints(value.AsString());
    case Kind::kList:
    case Kind::kTuple: return static_cast<int64_t>(value.AsList().size());
    case Kind::kMap: return static_cast<int64_t>(value.AsMap().size());
    default: return UserError("template-type", std::string(value.TypeName()) + " has no length");
  }
}

}  // namespace weir::template_internal
