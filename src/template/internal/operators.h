// Python semantics of the operators on TemplateValues. Errors carry a code
// and message but no location: the evaluator adds the operator's.
#pragma once

#include <optional>

#include "common/status.h"
#include "template/internal/ast.h"
#include "template/value.h"

namespace weir::template_internal {

// Strings and lists built by an operator or filter may not exceed this.
inline constexpr size_t kMaxValueBytes = 16u << 20;

// Arithmetic, `~` and `%` formatting (not `and`/`or`, which the evaluator
// short-circuits).
Result<TemplateValue> ApplyBinary(BinaryOp op, const TemplateValue& a, const TemplateValue& b);
Result<TemplateValue> ApplyUnary(UnaryOp op, const TemplateValue& value);
Result<bool> ApplyCompare(CompareOp op, const TemplateValue& a, const TemplateValue& b);

// Python's ==, and the order of < (-1, 0, 1; 2 when unordered, as NaN is).
// template-limit for values nested deeper than kMaxValueNesting.
Result<bool> ValuesEqual(const TemplateValue& a, const TemplateValue& b);
Result<int> ValuesOrder(const TemplateValue& a, const TemplateValue& b, std::string_view symbol = "<");
// Python's `item in container`.
Result<bool> Contains(const TemplateValue& container, const TemplateValue& item);

// `object[key]` and `object.key`: nullopt when the key or index is missing
// or the object has no items (Jinja's undefined in both cases).
std::optional<TemplateValue> LookupItem(const TemplateValue& object, const TemplateValue& key);
// `object.name`: an object's attribute, else LookupItem.
std::optional<TemplateValue> LookupAttribute(const TemplateValue& object, std::string_view name);

// `object[start:stop:step]` on a string, list or tuple; absent bounds are
// none.
Result<TemplateValue> Slice(const TemplateValue& object, const TemplateValue& start, const TemplateValue& stop,
                            const TemplateValue& step);

// The items a for loop visits: list and tuple items, map keys, string
// characters.
Result<TemplateValue::List> IterationItems(const TemplateValue& value);

// The length of a string (in code points), list, tuple or map.
Result<int64_t> Length(const TemplateValue& value);

// `~`: str(a) + str(b).
Result<TemplateValue> Concatenate(const TemplateValue& a, const TemplateValue& b);

const char* BinaryOpSymbol(BinaryOp op);

// Python's special methods, for objects made in C++ (a date, a timedelta,
// dbt's `config`): an attribute such as `__add__` / `__radd__`, `__sub__`,
// `__mul__`, `__neg__`, `__eq__`, `__lt__` (ordering: a < b, else b == a
// decides between 0 and 1), `__call__` (the object called as a function) or
// `__repr__` that is a function makes the operator work on the object. An
// arithmetic method that does not take the other operand returns a
// template-type error (Python's NotImplemented), and the other operand's
// reflected method is tried. The attribute, or nullopt when `value` is not
// such an object or has none.
std::optional<TemplateValue> SpecialMethod(const TemplateValue& value, std::string_view name);

}  // namespace weir::template_internal
