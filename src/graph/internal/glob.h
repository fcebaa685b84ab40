// Internal to src/graph: the Unix wildcards of dbt's selector methods, as
// Python's fnmatch reads them (dbt is written in Python).
#pragma once

#include <string_view>

namespace weir::graph_internal {

// '*' matches any run of characters ('/' and '.' included), '?' one
// character, "[abc]", "[a-z]" one of a set and "[!abc]" one outside it. A
// '[' without a closing ']' is literal; there are no escapes. Case counts.
// Linear in practice: one '*' is retried at a time.
bool GlobMatch(std::string_view pattern, std::string_view text);

// True when `pattern` has a '*', '?' or '[': matching must go through
// GlobMatch rather than string equality.
bool HasWildcard(std::string_view pattern);

}  // namespace weir::graph_internal
