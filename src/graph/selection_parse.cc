// Parsing dbt's selector syntax (graph/selection.h). A criterion is
//   [@ | N@][N+] [method[.arg...]:] value [+N]
// as dbt's RAW_SELECTOR_PATTERN reads it; spaces make unions, commas
// intersections.
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>
#include <utility>

#include "common/text.h"
#include "graph/internal/selection_spec.h"

namespace weir {
namespace {

using graph_internal::Criterion;
using graph_internal::Intersection;
using graph_internal::SelectionSpec;
using graph_internal::SelectorMethod;
using graph_internal::TestTypeFilter;

constexpr std::array<std::pair<std::string_view, ResourceType>, 12> kResourceTypes{{
    {"model", ResourceType::kModel},
    {"seed", ResourceType::kSeed},
    {"snapshot", ResourceType::kSnapshot},
    {"analysis", ResourceType::kAnalysis},
    {"test", ResourceType::kTest},
    {"unit_test", ResourceType::kUnitTest},
    {"source", ResourceType::kSource},
    {"exposure", ResourceType::kExposure},
    {"metric", ResourceType::kMetric},
    {"semantic_model", ResourceType::kSemanticModel},
    {"saved_query", ResourceType::kSavedQuery},
    {"function", ResourceType::kFunction},
}};

constexpr std::array<std::pair<std::string_view, SelectorMethod>, 10> kMethods{{
    {"fqn", SelectorMethod::kFqn},
    {"tag", SelectorMethod::kTag},
    {"path", SelectorMethod::kPath},
    {"file", SelectorMethod::kFile},
    {"config", SelectorMethod::kConfig},
    {"resource_type", SelectorMethod::kResourceType},
    {"source", SelectorMethod::kSource},
    {"test_type", SelectorMethod::kTestType},
    {"test_name", SelectorMethod::kTestName},
    {"package", SelectorMethod::kPackage},
}};

// dbt methods that need state Weir does not keep yet (a previous manifest,
// run results) or resources it does not select by yet.
constexpr std::array<std::string_view, 11> kUnsupportedDbtMethods{
    "state",   "result", "source_status",  "group",       "access",   "exposure",
    "metric",  "version", "semantic_model", "saved_query", "unit_test",
};

template <typename T, size_t N>
std::vector<std::string> Names(const std::array<std::pair<std::string_view, T>, N>& table) {
  std::vector<std::string> names;
  for (const auto& [name, value] : table) names.emplace_back(name);
  return names;
}

Status Bad(std::string reason) { return UserError("bad-selector", std::move(reason)); }

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

size_t CountDigits(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && IsDigit(text[n])) ++n;
  return n;
}

// "" is unlimited; more than a million edges is surely a mistake.
Result<int> ParseDepth(std::string_view digits) {
  if (digits.empty()) return graph_internal::kUnlimitedDepth;
  if (digits.size() > 6) return Bad("the depth " + std::string(digits) + " is too large");
  return std::stoi(std::string(digits));
}

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool EndsWithLower(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    char c = text[text.size() - suffix.size() + i];
    if (std::tolower(static_cast<unsigned char>(c)) != suffix[i]) return false;
  }
  return true;
}

// dbt's default for a value without "method:".
SelectorMethod DefaultMethod(std::string_view value) {
  if (value.find('/') != std::string_view::npos) return SelectorMethod::kPath;
  if (EndsWithLower(value, ".sql") || EndsWithLower(value, ".py") || EndsWithLower(value, ".csv")) {
    return SelectorMethod::kFile;
  }
  return SelectorMethod::kFqn;
}

// The graph operators in front of the method: "@", "+" or "N+" (either
// "@" or a "+", or "@" then "+", as dbt's pattern allows). Returns the
// rest of the criterion.
Result<std::string_view> ParsePrefixOperators(std::string_view text, Criterion& c) {
  size_t digits = CountDigits(text);
  if (digits < text.size() && text[digits] == '@') {
    if (digits > 0) return Bad("'@' takes no depth: write '@name', or 'N+name' for N generations of parents");
    c.childrens_parents = true;
    text.remove_prefix(1);
    digits = CountDigits(text);
  }
  if (digits < text.size() && text[digits] == '+') {
    c.parents = true;
    WEIR_ASSIGN_OR_RETURN(c.parents_depth, ParseDepth(text.substr(0, digits)));
    text.remove_prefix(digits + 1);
  }
  return text;
}

// The trailing "+" or "+N". Returns the criterion without it.
Result<std::string_view> ParseSuffixOperator(std::string_view text, Criterion& c) {
  size_t plus = text.rfind('+');
  if (plus == std::string_view::npos) return text;
  std::string_view digits = text.substr(plus + 1);
  if (CountDigits(digits) != digits.size()) return text;  // "a+b" is a name
  c.children = true;
  WEIR_ASSIGN_OR_RETURN(c.children_depth, ParseDepth(digits));
  if (c.childrens_parents) {
    return Bad("'@' and a trailing '+' cannot be combined: '@name' already takes every descendant");
  }
  return text.substr(0, plus);
}

// "method[.arg...]:" at the start, as dbt's `([\w.]+):` finds it.
std::optional<std::string_view> MethodPrefix(std::string_view text) {
  size_t n = 0;
  while (n < text.size() && (std::isalnum(static_cast<unsigned char>(text[n])) || text[n] == '_' || text[n] == '.')) ++n;
  if (n == 0 || n >= text.size() || text[n] != ':') return std::nullopt;
  return text.substr(0, n);
}

std::optional<SelectorMethod> FindMethod(std::string_view name) {
  for (const auto& [known, method] : kMethods) {
    if (name == known) return method;
  }
  return std::nullopt;
}

Status ParseMethod(std::string_view written, Criterion& c) {
  std::vector<std::string> parts = Split(written, '.');
  const std::string& name = parts[0];
  std::optional<SelectorMethod> method = FindMethod(name);
  if (!method) {
    for (std::string_view dbt_only : kUnsupportedDbtMethods) {
      if (name == dbt_only) {
        return Bad("the method '" + name + "' is not supported by Weir yet; supported are " + QuotedList(Names(kMethods)));
      }
    }
    return Bad("unknown method '" + name + "'" + DidYouMean(name, Names(kMethods)) + "; methods are " +
               QuotedList(Names(kMethods)));
  }
  c.method = *method;
  if (c.method != SelectorMethod::kConfig) {
    if (parts.size() > 1) return Bad("the method '" + name + "' takes no '." + parts[1] + "'");
    return OkStatus();
  }
  if (parts.size() < 2) return Bad("'config' needs a key, as in 'config.materialized:table'");
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].empty()) return Bad("the config key '" + std::string(written.substr(7)) + "' has an empty part");
    if (i > 1) c.config_key += '.';
    c.config_key += parts[i];
  }
  return OkStatus();
}

Status ParseSourceValue(Criterion& c) {
  std::vector<std::string> parts = Split(c.value, '.');
  for (const std::string& part : parts) {
    if (part.empty()) return Bad("a source has an empty part");
  }
  if (parts.size() == 1) parts.push_back("*");
  if (parts.size() == 2) parts.insert(parts.begin(), "*");
  if (parts.size() != 3) return Bad("a source is 'source_name', 'source_name.table' or 'package.source_name.table'");
  c.parts = std::move(parts);
  return OkStatus();
}

Status ParseTestTypeValue(Criterion& c) {
  if (c.value == "generic" || c.value == "schema") {
    c.test_type = TestTypeFilter::kGeneric;
  } else if (c.value == "singular") {
    c.test_type = TestTypeFilter::kSingular;
  } else if (c.value == "data") {
    c.test_type = TestTypeFilter::kData;
  } else if (c.value == "unit") {
    c.test_type = TestTypeFilter::kUnit;
  } else {
    return Bad("unknown test type '" + c.value + "'; expected 'generic', 'singular', 'data' or 'unit'");
  }
  return OkStatus();
}

Status ParsePathValue(Criterion& c) {
  if (c.value.starts_with('/')) return Bad("a path is relative to the project root, without a leading '/'");
  for (std::string& segment : Split(c.value, '/')) {
    if (!segment.empty() && segment != ".") c.parts.push_back(std::move(segment));
  }
  if (c.parts.empty()) return Bad("the path names no folder or file");
  return OkStatus();
}

// Checks the value once, so that evaluation cannot fail.
Status ParseValue(Criterion& c) {
  switch (c.method) {
    case SelectorMethod::kFqn:
      c.parts = Split(c.value, '.');
      for (const std::string& part : c.parts) {
        if (part.empty()) return Bad("a dotted name has an empty part");
      }
      return OkStatus();
    case SelectorMethod::kSource:
      return ParseSourceValue(c);
    case SelectorMethod::kPath:
      return ParsePathValue(c);
    case SelectorMethod::kTestType:
      return ParseTestTypeValue(c);
    case SelectorMethod::kResourceType: {
      std::optional<ResourceType> type = ParseResourceType(c.value);
      if (!type) {
        return Bad("unknown resource type '" + c.value + "'" + DidYouMean(c.value, Names(kResourceTypes)) +
                   "; resource types are " + QuotedList(Names(kResourceTypes)));
      }
      c.resource_type = *type;
      return OkStatus();
    }
    default:
      return OkStatus();
  }
}

}  // namespace

namespace graph_internal {
Result<Criterion> ParseCriterion(std::string_view raw) {
  Criterion c;
  c.raw = std::string(raw);
  WEIR_ASSIGN_OR_RETURN(std::string_view rest, ParsePrefixOperators(raw, c));
  WEIR_ASSIGN_OR_RETURN(rest, ParseSuffixOperator(rest, c));
  std::optional<std::string_view> method = MethodPrefix(rest);
  if (method) {
    rest.remove_prefix(method->size() + 1);
    WEIR_TRY(ParseMethod(*method, c));
    if (rest.empty()) return Bad("'" + std::string(*method) + ":' needs a value after the colon");
  } else {
    if (rest.empty()) return Bad("there is no name after the graph operators");
    c.method = DefaultMethod(rest);
  }
  c.value = std::string(rest);
  WEIR_TRY(ParseValue(c));
  return c;
}
}  // namespace graph_internal

namespace {

// One --select or --exclude value: a union of intersections.
Status ParseFlagValue(std::string_view flag, std::string_view value, std::vector<Intersection>& out) {
  size_t before = out.size();
  size_t i = 0;
  while (i < value.size()) {
    if (std::isspace(static_cast<unsigned char>(value[i]))) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < value.size() && !std::isspace(static_cast<unsigned char>(value[end]))) ++end;
    Intersection intersection;
    intersection.raw = std::string(value.substr(i, end - i));
    for (const std::string& part : Split(intersection.raw, ',')) {
      std::string in = part == intersection.raw ? std::string(flag) : std::string(flag) + " '" + intersection.raw + "'";
      if (part.empty()) return Bad("empty selector between commas in " + in);
      Result<Criterion> criterion = graph_internal::ParseCriterion(part);
      if (!criterion.ok()) return Bad("bad selector '" + part + "' in " + in + ": " + criterion.status().message());
      intersection.criteria.push_back(std::move(criterion).value());
    }
    out.push_back(std::move(intersection));
    i = end;
  }
  if (out.size() == before) return Bad("empty " + std::string(flag) + " value: give at least one selector");
  return OkStatus();
}

}  // namespace

std::string_view ResourceTypeName(ResourceType type) {
  for (const auto& [name, value] : kResourceTypes) {
    if (value == type) return name;
  }
  return "unknown";
}

std::optional<ResourceType> ParseResourceType(std::string_view name) {
  for (const auto& [known, value] : kResourceTypes) {
    if (known == name) return value;
  }
  return std::nullopt;
}

Result<IndirectSelection> ParseIndirectSelection(std::string_view name) {
  if (name == "eager") return IndirectSelection::kEager;
  if (name == "cautious") return IndirectSelection::kCautious;
  if (name == "buildable") return IndirectSelection::kBuildable;
  if (name == "empty") return IndirectSelection::kEmpty;
  return Bad("unknown --indirect-selection '" + std::string(name) + "'; expected " +
             QuotedList({"eager", "cautious", "buildable", "empty"}));
}

Result<NodeSelector> ParseNodeSelection(const std::vector<std::string>& select,
                                        const std::vector<std::string>& exclude, IndirectSelection mode) {
  auto spec = std::make_shared<SelectionSpec>();
  spec->mode = mode;
  spec->select_all = select.empty();
  for (const std::string& value : select) WEIR_TRY(ParseFlagValue("--select", value, spec->include));
  for (const std::string& value : exclude) WEIR_TRY(ParseFlagValue("--exclude", value, spec->exclude));
  return NodeSelector(std::move(spec));
}

}  // namespace weir
