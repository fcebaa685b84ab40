// Python's text forms of numbers and strings, shared by str()/repr() of
// values and by the tojson filter.
#pragma once

#include <string>
#include <string_view>

namespace weir::template_internal {

// repr(float): shortest round-trip digits; "1.0", "1e+16", "1e-05", "inf", "nan".
std::string FormatPythonFloat(double value);

// repr(str): single quotes unless the text has ' and no ".
std::string PythonStringRepr(std::string_view text);

}  // namespace weir::template_internal
