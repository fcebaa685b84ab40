// Python's string formatting: `format % values` (printf style) and
// str.format(). ASCII only for the case of %X/%E and friends, as in Python.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "template/value.h"

namespace weir::template_internal {

// `format % values`: values is a tuple (one item per conversion), a map (for
// %(name)s) or any single value. Errors are template-type (wrong value for a
// conversion, too few or too many values) or template-value (bad format).
Result<TemplateValue> PercentFormat(std::string_view format, const TemplateValue& values);

// `format.format(*positional, **keyword)`: {}, {0}, {name}, {name.attr},
// {name[key]}, !r/!s conversions and the format spec mini-language.
Result<std::string> BraceFormat(std::string_view format, const TemplateCallArgs& args);

}  // namespace weir::template_internal
