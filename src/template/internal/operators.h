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

// Arithmetic and `~` (not `and`/`or`, which the evaluator short-circuits).
Result<TemplateValue> ApplyBinary(BinaryOp op, const TemplateValue& a, const TemplateValue& b);
Result<TemplateValue> ApplyUnary(UnaryOp op, const TemplateValue& value);
Result<bool> ApplyCompare(CompareOp op, const TemplateValue& a, const TemplateValue& b);

// `object[key]` and `object.key`: nullopt when the key or index is missing
// or the object has no items (Jinja's undefined in both cases).
std::optional<TemplateValue> LookupItem(const TemplateValue& object, const TemplateValue& key);

// The items a for loop visits: list items, map keys, string characters.
Result<TemplateValue::List> IterationItems(const TemplateValue& value);

const char* BinaryOpSymbol(BinaryOp op);

}  // namespace weir::template_internal
