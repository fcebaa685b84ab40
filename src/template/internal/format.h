// Python's text forms of values: str() and repr() of numbers, strings and
// containers, shared by printing, the `~` operator, filters and tojson.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "template/value.h"

namespace weir::template_internal {

// repr(float): shortest round-trip digits; "1.0", "1e+16", "1e-05", "inf", "nan".
std::string FormatPythonFloat(double value);

// repr(str): single quotes unless the text has ' and no ".
std::string PythonStringRepr(std::string_view text);

// Appends str(value), or repr(value) when `repr`, to `out`. A container that
// contains itself prints as [...] or {...}, as in Python. Fails with
// template-limit when `out` would grow past `limit` bytes or values nest
// deeper than kMaxValueNesting; `out` then holds what was printed so far.
Status AppendValueText(const TemplateValue& value, bool repr, size_t limit, std::string& out);

// str(value) within kMaxValueBytes (see operators.h), as a Result.
Result<std::string> ValueText(const TemplateValue& value);

}  // namespace weir::template_internal
