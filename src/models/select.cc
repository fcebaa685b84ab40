// The parsed graph as graph/selection.h sees nodes.
#include "graph/selection.h"
#include "models/models.h"

namespace weir {
namespace {

ResourceType TypeOf(ModelNodeKind kind) {
  switch (kind) {
    case ModelNodeKind::kModel: return ResourceType::kModel;
    case ModelNodeKind::kSeed: return ResourceType::kSeed;
    case ModelNodeKind::kTest: return ResourceType::kTest;
    case ModelNodeKind::kSource: return ResourceType::kSource;
    case ModelNodeKind::kSnapshot: return ResourceType::kSnapshot;
    case ModelNodeKind::kAnalysis: return ResourceType::kAnalysis;
    case ModelNodeKind::kOperation: return ResourceType::kAnalysis;  // never selected: see SelectModels
  }
  return ResourceType::kModel;
}

// Config as selection reads it: nested keys joined with dots, scalars as
// one-element lists, booleans "true"/"false".
void FlattenConfig(const std::string& prefix, const TemplateValue& value,
                   std::map<std::string, std::vector<std::string>, std::less<>>& out) {
  switch (value.kind()) {
    case TemplateValue::Kind::kMap:
      for (const auto& [key, inner] : value.AsMap()) FlattenConfig(prefix + "." + key, inner, out);
      return;
    case TemplateValue::Kind::kList:
      for (const TemplateValue& item : value.AsList()) out[prefix].push_back(item.ToString());
      return;
    case TemplateValue::Kind::kBool: out[prefix].push_back(value.AsBool() ? "true" : "false"); return;
    case TemplateValue::Kind::kNone: return;
    default: out[prefix].push_back(value.ToString()); return;
  }
}

SelectableNode ToSelectable(const ModelGraph& graph, const ModelNode& node) {
  SelectableNode out;
  out.unique_id = node.unique_id;
  out.name = node.name;
  out.type = TypeOf(node.kind);
  out.package = node.package;
  out.fqn = node.fqn;
  out.original_file_path = node.original_file_path;
  out.tags = node.tags();
  for (const auto& [key, value] : node.config) FlattenConfig(key, value, out.config);
  out.config["materialized"] = {node.materialized()};
  out.source_name = node.source_name;
  if (node.kind == ModelNodeKind::kTest) {
    out.test_type = node.generic_test ? TestType::kGeneric : TestType::kSingular;
    if (node.generic_test) out.test_name = node.generic_test->test_name;
  }
  out.parents = node.depends_on;
  return out;
}

}  // namespace

Result<ModelSelection> SelectModels(const ModelGraph& graph, const std::vector<std::string>& select,
                                    const std::vector<std::string>& exclude, const std::string& indirect_selection) {
  WEIR_ASSIGN_OR_RETURN(IndirectSelection mode, ParseIndirectSelection(indirect_selection));
  WEIR_ASSIGN_OR_RETURN(NodeSelector selector, ParseNodeSelection(select, exclude, mode));
  std::vector<SelectableNode> nodes;
  nodes.reserve(graph.nodes.size());
  for (const ModelNode& node : graph.nodes) nodes.push_back(ToSelectable(graph, node));
  FillChildren(nodes);
  SelectionResult result = Select(selector, nodes);
  // Hooks run with every command, whatever the selection (dbt's rule).
  std::erase_if(result.selected, [&](int n) { return graph.nodes[n].kind == ModelNodeKind::kOperation; });
  return ModelSelection{std::move(result.selected), std::move(result.warnings)};
}

}  // namespace weir
