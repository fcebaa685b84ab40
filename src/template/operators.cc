#include "template/internal/operators.h"

#include <cmath>
#include <limits>

#include "template/internal/unicode.h"

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

Result<TemplateValue> Repeat(const TemplateValue& seq, int64_t count) {
  if (count <= 0) return seq.kind() == Kind::kString ? TemplateValue::String("") : TemplateValue::FromList({});
  size_t unit = seq.kind() == Kind::kString ? seq.AsString().size() : seq.AsList().size() * sizeof(TemplateValue);
  if (unit != 0 && static_cast<uint64_t>(count) > kMaxValueBytes / unit) return TooLarge();
  if (seq.kind() == Kind::kString) {
    std::string out;
    for (int64_t i = 0; i < count; ++i) out += seq.AsString();
    return TemplateValue::String(std::move(out));
  }
  TemplateValue::List out;
  for (int64_t i = 0; i < count; ++i) out.insert(out.end(), seq.AsList().begin(), seq.AsList().end());
  return TemplateValue::FromList(std::move(out));
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
        if (y < 0) return TemplateValue::Float(std::pow(static_cast<double>(x), static_cast<double>(y)));
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

// Python's ordering: numbers with numbers, strings with strings (by code
// point, which is byte order in UTF-8), lists element by element.
Result<int> Order(const TemplateValue& a, const TemplateValue& b, std::string_view symbol) {
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
  if (a.kind() == Kind::kList && b.kind() == Kind::kList) {
    const auto& x = a.AsList();
    const auto& y = b.AsList();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (x[i] == y[i]) continue;
      return Order(x[i], y[i], symbol);
    }
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  return UserError("template-type", "'" + std::string(symbol) + "' is not supported between " +
                                        std::string(a.TypeName()) + " and " + std::string(b.TypeName()));
}

Result<bool> Contains(const TemplateValue& container, const TemplateValue& item) {
  switch (container.kind()) {
    case Kind::kString:
      if (item.kind() != Kind::kString) {
        return UserError("template-type", "'in <string>' needs a string on the left, not " + std::string(item.TypeName()));
      }
      return container.AsString().find(item.AsString()) != std::string::npos;
    case Kind::kList:
      for (const TemplateValue& candidate : container.AsList()) {
        if (candidate == item) return true;
      }
      return false;
    case Kind::kMap:
      return item.kind() == Kind::kString && container.AsMap().Find(item.AsString()) != nullptr;
    default:
      return UserError("template-type", "'in' needs a string, list or map on the right, not " +
                                            std::string(container.TypeName()));
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

Result<TemplateValue> ApplyBinary(BinaryOp op, const TemplateValue& a, const TemplateValue& b) {
  const char* symbol = BinaryOpSymbol(op);
  if (op == BinaryOp::kConcat) {
    std::string out = a.ToString();
    if (out.size() + b.ToString().size() > kMaxValueBytes) return TooLarge();
    return TemplateValue::String(out + b.ToString());
  }
  if (a.is_number() && b.is_number()) return Arithmetic(op, a, b);
  Kind ka = a.kind(), kb = b.kind();
  if (op == BinaryOp::kAdd && ka == kb && (ka == Kind::kString || ka == Kind::kList)) {
    if (ka == Kind::kString) {
      if (a.AsString().size() + b.AsString().size() > kMaxValueBytes) return TooLarge();
      return TemplateValue::String(a.AsString() + b.AsString());
    }
    TemplateValue::List items = a.AsList();
    items.insert(items.end(), b.AsList().begin(), b.AsList().end());
    return TemplateValue::FromList(std::move(items));
  }
  if (op == BinaryOp::kMul) {
    bool a_seq = ka == Kind::kString || ka == Kind::kList;
    bool b_seq = kb == Kind::kString || kb == Kind::kList;
    if (a_seq && IsIntLike(b)) return Repeat(a, b.AsInt());
    if (b_seq && IsIntLike(a)) return Repeat(b, a.AsInt());
  }
  if (op == BinaryOp::kMod && ka == Kind::kString) {
    return UserError("template-type", "string formatting with '%' is not supported yet; use '~' or the format filter later");
  }
  return TypeError(symbol, a, b);
}

Result<TemplateValue> ApplyUnary(UnaryOp op, const TemplateValue& value) {
  if (op == UnaryOp::kNot) return TemplateValue::Bool(!value.Truthy());
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

Result<bool> ApplyCompare(CompareOp op, const TemplateValue& a, const TemplateValue& b) {
  switch (op) {
    case CompareOp::kEq: return a == b;
    case CompareOp::kNe: return !(a == b);
    case CompareOp::kIn: return Contains(b, a);
    case CompareOp::kNotIn: {
      WEIR_ASSIGN_OR_RETURN(bool in, Contains(b, a));
      return !in;
    }
    case CompareOp::kLt: { WEIR_ASSIGN_OR_RETURN(int c, Order(a, b, "<")); return c == -1; }
    case CompareOp::kLe: { WEIR_ASSIGN_OR_RETURN(int c, Order(a, b, "<=")); return c == -1 || c == 0; }
    case CompareOp::kGt: { WEIR_ASSIGN_OR_RETURN(int c, Order(a, b, ">")); return c == 1; }
    case CompareOp::kGe: { WEIR_ASSIGN_OR_RETURN(int c, Order(a, b, ">=")); return c == 1 || c == 0; }
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
    case Kind::kList: {
      if (!IsIntLike(key)) return std::nullopt;
      int64_t size = static_cast<int64_t>(object.AsList().size());
      int64_t i = key.AsInt() < 0 ? key.AsInt() + size : key.AsInt();
      if (i < 0 || i >= size) return std::nullopt;
      return object.AsList()[static_cast<size_t>(i)];
    }
    case Kind::kString: {
      if (!IsIntLike(key)) return std::nullopt;
      std::vector<std::string> chars = SplitCodePoints(object.AsString());
      int64_t size = static_cast<int64_t>(chars.size());
      int64_t i = key.AsInt() < 0 ? key.AsInt() + size : key.AsInt();
      if (i < 0 || i >= size) return std::nullopt;
      return TemplateValue::String(chars[static_cast<size_t>(i)]);
    }
    default: return std::nullopt;
  }
}

Result<TemplateValue::List> IterationItems(const TemplateValue& value) {
  TemplateValue::List items;
  switch (value.kind()) {
    case Kind::kList: return value.AsList();
    case Kind::kMap:
      for (const auto& entry : value.AsMap()) items.push_back(TemplateValue::String(entry.first));
      return items;
    case Kind::kString:
      for (std::string& c : SplitCodePoints(value.AsString())) items.push_back(TemplateValue::String(std::move(c)));
      return items;
    default:
      return UserError("template-type", "cannot loop over " + std::string(value.TypeName()) + "; expected a list, map or string");
  }
}

}  // namespace weir::template_internal
