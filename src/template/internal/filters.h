// The builtin filters (`x | upper`), tests (`x is none`) and functions
// (`range(3)`), with Jinja's names and argument lists. Errors carry no
// location; the evaluator adds the filter's, test's or call's.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "template/value.h"

namespace weir::template_internal {

using FilterFunction = Result<TemplateValue> (*)(const TemplateValue& input, const TemplateCallArgs& args);
using TestFunction = Result<bool> (*)(const TemplateValue& input, const TemplateCallArgs& args);
using MethodFunction = Result<TemplateValue> (*)(const TemplateValue& self, const TemplateCallArgs& args);

// Null when there is no such filter or test. `default` (alias `d`) is not
// here: its input may be undefined, see DefaultFilter.
FilterFunction FindFilter(std::string_view name);
TestFunction FindTest(std::string_view name);
std::vector<std::string> FilterNames();  // for "did you mean", includes default and d
std::vector<std::string> TestNames();    // includes defined and undefined

bool IsDefaultFilter(std::string_view name);
// `x | default(value='', boolean=false)`; `input` is nullopt when x is undefined.
Result<TemplateValue> DefaultFilter(const std::optional<TemplateValue>& input, const TemplateCallArgs& args);

// Builtin functions (range, dict, namespace, joiner); null when unknown.
const TemplateValue* FindBuiltin(std::string_view name);
std::vector<std::string> BuiltinNames();

// dbt's return(): the evaluator recognizes this value when it is called.
const TemplateValue& ReturnBuiltin();

// Python's methods of strings, lists, tuples and maps (`'a,b'.split(',')`,
// `xs.append(1)`, `m.items()`); null when `object` has no such method.
// Methods that change a list or map fail with template-type on frozen ones.
MethodFunction FindMethod(const TemplateValue& object, std::string_view name);
// `object.name` without a call: the method bound to its object.
TemplateValue BoundMethod(const TemplateValue& object, std::string_view name, MethodFunction method);

// Applies the filter `name` (not default) or the test `name` to one value,
// for map(), select() and friends; unknown-filter / unknown-test when there
// is none.
Result<TemplateValue> ApplyNamedFilter(std::string_view name, const TemplateValue& input, const TemplateCallArgs& args);
Result<bool> ApplyNamedTest(std::string_view name, const TemplateValue& input, const TemplateCallArgs& args);

// Binds positional, then keyword arguments to `params` in order, as Python
// does; parameters not given are nullopt. `what` names the callee in errors.
Result<std::vector<std::optional<TemplateValue>>> BindArguments(std::string_view what, const TemplateCallArgs& args,
                                                                std::initializer_list<std::string_view> params);

// Python's sorted(items): stable, with Python's ordering of `keys` (one per
// item, compared instead of the items when given); template-type for values
// that do not compare.
Status SortValues(TemplateValue::List& items, bool reverse, const TemplateValue::List* keys = nullptr);

// The sequence filters (filters_seq.cc): map, select, sort, batch, ...
void AddSequenceFilters(std::map<std::string_view, FilterFunction>& filters);

// `value | tojson(indent)`: Python's json.dumps with sorted keys, as Jinja's
// filter does, and <, >, &, ' escaped for HTML safety.
Result<std::string> ToJson(const TemplateValue& value, int indent);

}  // namespace weir::template_internal
