// Internal to src/graph: a parsed --select / --exclude, as
// selection_parse.cc builds it and selection.cc evaluates it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "graph/selection.h"

namespace weir::graph_internal {

enum class SelectorMethod {
  kFqn,           // the default for a bare name: "stg_sales", "staging.stg_sales", "shop", "stg_*"
  kTag,
  kPath,          // the default for a value with a '/'
  kFile,          // the default for a value ending in .sql, .py or .csv
  kConfig,        // config.<key>:<value>
  kResourceType,
  kSource,
  kTestType,
  kTestName,
  kPackage,
};

enum class TestTypeFilter { kGeneric, kSingular, kData, kUnit };

inline constexpr int kUnlimitedDepth = -1;

// One criterion: graph operators around "method:value".
struct Criterion {
  std::string raw;                 // as written: "2+tag:nightly+"
  SelectorMethod method = SelectorMethod::kFqn;
  std::string value;               // after "method:": "nightly"
  std::string config_key;          // config.<key>: "materialized", "meta.owner"
  // fqn: the value split on '.'; source: {package or "*", source, table or "*"};
  // path: the value's segments, without "." and empty ones.
  std::vector<std::string> parts;
  ResourceType resource_type = ResourceType::kModel;  // resource_type:
  TestTypeFilter test_type = TestTypeFilter::kData;    // test_type:
  bool childrens_parents = false;  // "@x": x, its descendants and all their ancestors
  bool parents = false;            // "+x" / "2+x"
  int parents_depth = kUnlimitedDepth;
  bool children = false;           // "x+" / "x+3"
  int children_depth = kUnlimitedDepth;
};

// Criteria joined by commas: nodes that all of them select.
struct Intersection {
  std::string raw;  // "tag:nightly,resource_type:model"
  std::vector<Criterion> criteria;
};

struct SelectionSpec {
  bool select_all = true;            // no --select: every node
  std::vector<Intersection> include;  // a union (when !select_all)
  std::vector<Intersection> exclude;  // a union, subtracted
  IndirectSelection mode = IndirectSelection::kEager;
};

// One criterion, e.g. "+config.materialized:table". UserError
// "bad-selector" says what is wrong (the caller adds which selector).
Result<Criterion> ParseCriterion(std::string_view raw);

}  // namespace weir::graph_internal
