// Node selection: dbt's `--select` / `--exclude` syntax over any DAG of
// named nodes (a dbt project's models, seeds, tests and sources today;
// pipeline tasks later). docs/models.md ("Selecting nodes") is the user's
// reference.
//
//   WEIR_ASSIGN_OR_RETURN(NodeSelector selector, ParseNodeSelection(select, exclude, mode));
//   SelectionResult result = Select(selector, nodes);  // indexes + warnings to print
//
// ParseNodeSelection checks the whole syntax before anything is selected,
// so a typo fails before work starts. A NodeSelector is immutable and safe
// to share between threads; Select only reads its arguments.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weir {

// dbt's resource types, as `resource_type:` names them.
enum class ResourceType {
  kModel,
  kSeed,
  kSnapshot,
  kAnalysis,
  kTest,       // a data test: generic (schema.yml) or singular (tests/*.sql)
  kUnitTest,
  kSource,
  kExposure,
  kMetric,
  kSemanticModel,
  kSavedQuery,
  kFunction,
};
std::string_view ResourceTypeName(ResourceType type);  // "model", "unit_test", ...
std::optional<ResourceType> ParseResourceType(std::string_view name);

enum class TestType {
  kNone,      // not a data test
  kGeneric,   // from a schema file: not_null, unique, relationships, ...
  kSingular,  // a .sql file of its own under tests/
};

// One node as selection sees it. The caller fills a vector of these, one per
// enabled node, with `parents` and `children` as indexes into that vector.
struct SelectableNode {
  std::string unique_id;                 // "model.shop.stg_sales": for callers; selection never reads it
  std::string name;                      // "stg_sales"; for a source, the table's name
  ResourceType type = ResourceType::kModel;
  std::string package;                   // the project's or package's name
  // dbt's fqn: package, folders, name: {"shop", "staging", "stg_sales"};
  // for a source {"shop", "staging", "raw", "sales"}.
  std::vector<std::string> fqn;
  // From the project's (or package's) root, '/'-separated: "models/staging/stg_sales.sql".
  std::string original_file_path;
  std::string patch_path;                // the schema file describing it, or ""; `path:` matches it too
  std::vector<std::string> tags;
  // Config after dbt_project.yml, schema files and config() blocks are
  // merged. Nested keys are joined with dots ("meta.owner"); a scalar is a
  // one-element list; booleans are "true" / "false".
  std::map<std::string, std::vector<std::string>, std::less<>> config;
  std::string source_name;               // sources: "raw" in source('raw', 'sales')
  TestType test_type = TestType::kNone;  // data tests only
  std::string test_name;                 // generic tests: "not_null", "accepted_values", ...
  std::vector<int> parents;              // nodes it depends on
  std::vector<int> children;             // nodes that depend on it (FillChildren computes them)
};

// Sets every node's `children` from the `parents` of all nodes.
void FillChildren(std::vector<SelectableNode>& nodes);

// Which tests a selection adds on its own (dbt's --indirect-selection).
enum class IndirectSelection {
  kEager,      // a test of which any parent is selected (default)
  kCautious,   // a test all of whose parents are selected
  kBuildable,  // a test whose parents are selected, ancestors of selected nodes, or sources
  kEmpty,      // none: only tests selected themselves
};
// "eager", "cautious", "buildable" or "empty"; UserError "bad-selector" otherwise.
Result<IndirectSelection> ParseIndirectSelection(std::string_view name);

namespace graph_internal {
struct SelectionSpec;
}

// A parsed --select / --exclude pair. Cheap to copy (the parse is shared).
class NodeSelector {
 public:
  explicit NodeSelector(std::shared_ptr<const graph_internal::SelectionSpec> spec) : spec_(std::move(spec)) {}
  const graph_internal::SelectionSpec& spec() const { return *spec_; }

 private:
  std::shared_ptr<const graph_internal::SelectionSpec> spec_;
};

// Each --select (and --exclude) value holds selectors separated by spaces
// (a union) made of criteria joined by commas (an intersection). No
// --select value at all selects every node. UserError "bad-selector" names
// the bad selector and says why.
Result<NodeSelector> ParseNodeSelection(const std::vector<std::string>& select,
                                        const std::vector<std::string>& exclude,
                                        IndirectSelection mode = IndirectSelection::kEager);

struct SelectionResult {
  std::vector<int> selected;          // indexes into the nodes, ascending
  // One per --select / --exclude selector that matches nothing, as dbt
  // words it: "The selection criterion 'x' does not match any enabled nodes".
  std::vector<std::string> warnings;
};

// Linear in nodes and edges for each criterion.
SelectionResult Select(const NodeSelector& selector, std::span<const SelectableNode> nodes);

}  // namespace weir
