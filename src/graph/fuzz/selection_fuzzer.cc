// libFuzzer target: bytes as a --select value (the first byte picks the
// indirect-selection mode), evaluated over a small fixed DAG. Errors are
// expected; crashes, sanitizer reports, indexes out of order or range,
// and a selection that survives `--exclude` of itself are not.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "graph/selection.h"

namespace {

using weir::ResourceType;
using weir::SelectableNode;

void Require(bool ok, const char* what, const std::string& text) {
  if (ok) return;
  std::fprintf(stderr, "selection_fuzzer: %s for '%s'\n", what, text.c_str());
  std::abort();
}

SelectableNode Node(ResourceType type, std::string name, std::vector<std::string> fqn, std::string path,
                    std::vector<int> parents) {
  SelectableNode node;
  node.type = type;
  node.name = std::move(name);
  node.package = fqn[0];
  node.fqn = std::move(fqn);
  node.original_file_path = std::move(path);
  node.parents = std::move(parents);
  node.tags = {"nightly"};
  node.config = {{"materialized", {"table"}}};
  return node;
}

std::vector<SelectableNode> Nodes() {
  std::vector<SelectableNode> nodes{
      Node(ResourceType::kSource, "orders", {"shop", "staging", "raw", "orders"}, "models/staging/sources.yml", {}),
      Node(ResourceType::kSeed, "codes", {"shop", "codes"}, "seeds/codes.csv", {}),
      Node(ResourceType::kModel, "stg.orders", {"shop", "staging", "stg.orders"}, "models/staging/stg.orders.sql", {0}),
      Node(ResourceType::kModel, "fct", {"shop", "marts", "fct"}, "models/marts/fct.sql", {1, 2}),
      Node(ResourceType::kTest, "rel", {"shop", "marts", "rel"}, "models/marts/schema.yml", {2, 3}),
      Node(ResourceType::kUnitTest, "unit", {"pkg", "unit"}, "models/schema.yml", {3}),
  };
  nodes[0].source_name = "raw";
  nodes[4].test_type = weir::TestType::kGeneric;
  nodes[4].test_name = "relationships";
  weir::FillChildren(nodes);
  return nodes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const std::vector<SelectableNode> nodes = Nodes();
  auto mode = static_cast<weir::IndirectSelection>(data[0] % 4);
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  weir::Result<weir::NodeSelector> selector = weir::ParseNodeSelection({text}, {}, mode);
  if (!selector.ok()) {
    Require(selector.status().code() == "bad-selector", "an error without the code bad-selector", text);
    return 0;
  }
  weir::SelectionResult result = weir::Select(*selector, nodes);
  for (size_t i = 0; i < result.selected.size(); ++i) {
    Require(result.selected[i] >= 0 && result.selected[i] < static_cast<int>(nodes.size()), "index out of range", text);
    Require(i == 0 || result.selected[i - 1] < result.selected[i], "indexes not ascending", text);
  }
  weir::Result<weir::NodeSelector> itself = weir::ParseNodeSelection({text}, {text}, mode);
  Require(itself.ok(), "a selection that parses fails as an exclusion", text);
  Require(weir::Select(*itself, nodes).selected.empty(), "--exclude of the selection itself leaves nodes", text);
  return 0;
}
