// dbt's selector methods (core/dbt/graph/selector_methods.py), one
// predicate per method. Which resource types a method looks at follows
// dbt: `fqn:` never matches a source, `source:` only sources.
#include <cctype>
#include <string>
#include <string_view>

#include "graph/internal/glob.h"
#include "graph/internal/selection_methods.h"

namespace weir::graph_internal {
namespace {

// A method's value: wildcards when it has any, else plain equality.
class Pattern {
 public:
  explicit Pattern(std::string_view text) : text_(text), wildcard_(HasWildcard(text)) {}
  bool Matches(std::string_view candidate) const { return wildcard_ ? GlobMatch(text_, candidate) : text_ == candidate; }

 private:
  std::string_view text_;
  bool wildcard_;
};

bool AnyMatches(const Pattern& pattern, const std::vector<std::string>& candidates) {
  for (const std::string& candidate : candidates) {
    if (pattern.Matches(candidate)) return true;
  }
  return false;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (!segment.empty() && segment != ".") segments.push_back(segment);
    start = end + 1;
  }
  return segments;
}

// fqn ------------------------------------------------------------------

// Model names may hold dots; dbt splits every fqn segment on them.
std::vector<std::string> FlatFqn(const std::vector<std::string>& fqn) {
  std::vector<std::string> flat;
  for (const std::string& segment : fqn) {
    size_t start = 0;
    while (true) {
      size_t dot = segment.find('.', start);
      flat.push_back(segment.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  return flat;
}

bool HasDottedSegment(const std::vector<std::string>& fqn) {
  for (const std::string& segment : fqn) {
    if (segment.find('.') != std::string::npos) return true;
  }
  return false;
}

std::string JoinFrom(std::span<const std::string> parts, size_t from) {
  std::string joined;
  for (size_t i = from; i < parts.size(); ++i) {
    if (i > from) joined += '.';
    joined += parts[i];
  }
  return joined;
}

// dbt's is_selected_node: the selector's dotted parts are a prefix of the
// fqn; from the first part with a wildcard on, the rest of both is matched
// as one dotted string.
bool FqnPrefixMatches(std::span<const std::string> flat, const Criterion& c) {
  if (flat.size() < c.parts.size()) return false;
  size_t offset = 0;  // of parts[i] in c.value
  for (size_t i = 0; i < c.parts.size(); ++i) {
    if (HasWildcard(c.parts[i])) return GlobMatch(std::string_view(c.value).substr(offset), JoinFrom(flat, i));
    if (flat[i] != c.parts[i]) return false;
    offset += c.parts[i].size() + 1;
  }
  return true;
}

bool FqnMatches(const SelectableNode& node, const Criterion& c) {
  if (node.type == ResourceType::kSource || node.fqn.empty()) return false;
  if (node.fqn.back() == c.value) return true;
  // A bare wildcard ("stg_*") matches the name at any folder depth, as dbt 1.11 does.
  if (c.parts.size() == 1 && HasWildcard(c.value) && GlobMatch(c.value, node.fqn.back())) return true;
  std::vector<std::string> flat;
  std::span<const std::string> all(node.fqn);
  if (HasDottedSegment(node.fqn)) {
    flat = FlatFqn(node.fqn);
    all = flat;
  }
  // With the package (shop.staging.stg_sales) or without (staging.stg_sales).
  return FqnPrefixMatches(all, c) || FqnPrefixMatches(all.subspan(1), c);
}

// path -----------------------------------------------------------------

// Whether pattern[p..] matches path[s..k]: for some k when `prefix`
// (then the pattern names a folder holding the path), else for the whole
// path. Segments are globs; "**" is any number of segments, none included,
// as in Python's pathlib.
bool PathGlob(std::span<const std::string> pattern, std::span<const std::string_view> path, bool prefix) {
  if (pattern.empty()) return prefix || path.empty();
  if (pattern[0] == "**") {
    return PathGlob(pattern.subspan(1), path, prefix) || (!path.empty() && PathGlob(pattern, path.subspan(1), prefix));
  }
  return !path.empty() && GlobMatch(pattern[0], path[0]) && PathGlob(pattern.subspan(1), path.subspan(1), prefix);
}

// dbt globs the value from the project root and selects a node whose file
// is a match or lies in a matching folder, or whose schema file matches.
bool PathMatches(const SelectableNode& node, const Criterion& c) {
  if (PathGlob(c.parts, SplitPath(node.original_file_path), /*prefix=*/true)) return true;
  return !node.patch_path.empty() && PathGlob(c.parts, SplitPath(node.patch_path), /*prefix=*/false);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// config ---------------------------------------------------------------

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// Exact, not a wildcard, as dbt compares configs. Booleans ("True") and
// severity ("WARN") ignore case.
bool ConfigMatches(const SelectableNode& node, const Criterion& c) {
  auto found = node.config.find(c.config_key);
  if (found == node.config.end()) return false;
  bool ignore_case = c.config_key == "severity" || EqualsIgnoringCase(c.value, "true") ||
                     EqualsIgnoringCase(c.value, "false");
  for (const std::string& value : found->second) {
    if (ignore_case ? EqualsIgnoringCase(value, c.value) : value == c.value) return true;
  }
  return false;
}

// tests ----------------------------------------------------------------

bool TestTypeMatches(const SelectableNode& node, TestTypeFilter filter) {
  switch (filter) {
    case TestTypeFilter::kGeneric:
      return node.type == ResourceType::kTest && node.test_type == TestType::kGeneric;
    case TestTypeFilter::kSingular:
      return node.type == ResourceType::kTest && node.test_type == TestType::kSingular;
    case TestTypeFilter::kData:
      return node.type == ResourceType::kTest;
    case TestTypeFilter::kUnit:
      return node.type == ResourceType::kUnitTest;
  }
  return false;
}

// A generic test by its test's name ("not_null"), a unit test by its own.
bool TestNameMatches(const SelectableNode& node, const Pattern& pattern) {
  if (node.type == ResourceType::kUnitTest) return pattern.Matches(node.name);
  return node.type == ResourceType::kTest && node.test_type == TestType::kGeneric && pattern.Matches(node.test_name);
}

bool SourceMatches(const SelectableNode& node, const Criterion& c) {
  return node.type == ResourceType::kSource && GlobMatch(c.parts[0], node.package) &&
         GlobMatch(c.parts[1], node.source_name) && GlobMatch(c.parts[2], node.name);
}

bool Matches(const SelectableNode& node, const Criterion& c, const Pattern& value) {
  switch (c.method) {
    case SelectorMethod::kFqn:
      return FqnMatches(node, c);
    case SelectorMethod::kTag:
      return AnyMatches(value, node.tags);
    case SelectorMethod::kPath:
      return PathMatches(node, c);
    case SelectorMethod::kFile:
      return value.Matches(BaseName(node.original_file_path));
    case SelectorMethod::kConfig:
      return ConfigMatches(node, c);
    case SelectorMethod::kResourceType:
      return node.type == c.resource_type;
    case SelectorMethod::kSource:
      return SourceMatches(node, c);
    case SelectorMethod::kTestType:
      return TestTypeMatches(node, c.test_type);
    case SelectorMethod::kTestName:
      return TestNameMatches(node, value);
    case SelectorMethod::kPackage:
      return value.Matches(node.package);
  }
  return false;
}

}  // namespace

NodeSet MatchMethod(const Criterion& criterion, std::span<const SelectableNode> nodes) {
  NodeSet matched(static_cast<int>(nodes.size()));
  Pattern value(criterion.value);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (Matches(nodes[i], criterion, value)) matched.Insert(static_cast<int>(i));
  }
  return matched;
}

}  // namespace weir::graph_internal
