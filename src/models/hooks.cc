// on-run-start / on-run-end hooks as operation nodes, on-run-end's context
// and the log lines dbt prints for hooks.
#include "models/internal/hooks.h"

#include <cstdio>
#include <set>

namespace weir::models_internal {
namespace {

std::string_view KindName(HookKind kind) { return kind == HookKind::kRunStart ? "on-run-start" : "on-run-end"; }

std::string HookName(const std::string& project, HookKind kind, size_t index) {
  return project + "-" + std::string(KindName(kind)) + "-" + std::to_string(index);
}

TemplateValue NodeValue(const ModelNode& node) {
  TemplateMap attributes;
  attributes.Set("name", TemplateValue::String(node.name));
  attributes.Set("unique_id", TemplateValue::String(node.unique_id));
  attributes.Set("resource_type", TemplateValue::String(std::string(ModelNodeKindName(node.kind))));
  attributes.Set("package_name", TemplateValue::String(node.package));
  attributes.Set("original_file_path", TemplateValue::String(node.original_file_path));
  attributes.Set("database", TemplateValue::String(node.relation.database));
  attributes.Set("schema", TemplateValue::String(node.relation.schema));
  attributes.Set("alias", TemplateValue::String(node.relation.identifier));
  attributes.Set("config", TemplateValue::FromMap(node.config));
  TemplateValue::List tags;
  for (const std::string& tag : node.tags()) tags.push_back(TemplateValue::String(tag));
  attributes.Set("tags", TemplateValue::FromList(std::move(tags)));
  return TemplateValue::Object(std::move(attributes), node.unique_id);
}

TemplateValue ResultValue(const ModelNode& node, const NodeResult& result) {
  TemplateMap attributes;
  attributes.Set("node", NodeValue(node));
  attributes.Set("status", TemplateValue::String(result.status));
  attributes.Set("message", result.message.empty() ? TemplateValue::None() : TemplateValue::String(result.message));
  attributes.Set("execution_time", TemplateValue::Float(result.seconds));
  attributes.Set("failures", result.failures ? TemplateValue::Int(*result.failures) : TemplateValue::None());
  attributes.Set("rows_affected", result.rows ? TemplateValue::Int(*result.rows) : TemplateValue::None());
  return TemplateValue::Object(std::move(attributes),
                               "<RunResult " + node.unique_id + " " + result.status + ">");
}

bool Relational(const ModelNode& node) {
  return node.kind == ModelNodeKind::kModel || node.kind == ModelNodeKind::kSeed ||
         node.kind == ModelNodeKind::kSnapshot;
}

}  // namespace

void AddHookNodes(const DbtProject& project, ModelGraph& graph) {
  for (HookKind kind : {HookKind::kRunStart, HookKind::kRunEnd}) {
    const std::vector<std::string>& hooks = kind == HookKind::kRunStart ? project.on_run_start : project.on_run_end;
    for (size_t i = 0; i < hooks.size(); ++i) {
      ModelNode node;
      node.kind = ModelNodeKind::kOperation;
      node.name = HookName(project.name, kind, i);
      node.package = project.name;
      node.unique_id = "operation." + project.name + "." + node.name;
      node.fqn = {project.name, "hooks", node.name};
      node.original_file_path = "dbt_project.yml";
      node.path = "hooks/" + node.name + ".sql";
      node.raw_code = hooks[i];
      node.config.Set("materialized", TemplateValue::String("operation"));
      int index = static_cast<int>(graph.nodes.size());
      graph.index.emplace(node.unique_id, index);
      graph.nodes.push_back(std::move(node));
      graph.children.emplace_back();
      if (!graph.order.empty()) graph.order.push_back(index);
    }
  }
}

std::vector<int> HookNodes(const ModelGraph& graph, HookKind kind) {
  std::vector<int> out;
  std::string infix = "-" + std::string(KindName(kind)) + "-";
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ModelNode& node = graph.nodes[n];
    if (node.kind == ModelNodeKind::kOperation && node.name.compare(node.package.size(), infix.size(), infix) == 0) {
      out.push_back(static_cast<int>(n));
    }
  }
  return out;
}

TemplateMap RunEndNames(const ModelGraph& graph, const std::vector<NodeResult>& results) {
  TemplateValue::List result_values;
  std::set<std::pair<std::string, std::string>> built;
  for (const NodeResult& result : results) {
    if (result.node < 0) continue;
    const ModelNode& node = graph.nodes[result.node];
    if (node.kind == ModelNodeKind::kOperation) continue;
    result_values.push_back(ResultValue(node, result));
    bool failed = result.status == "error" || result.status == "fail" || result.status == "skipped";
    if (Relational(node) && !failed) built.emplace(node.relation.database, node.relation.schema);
  }
  std::set<std::string> schema_names;
  TemplateValue::List database_schemas;
  for (const auto& [database, schema] : built) {
    schema_names.insert(schema);
    database_schemas.push_back(TemplateValue::FromTuple({TemplateValue::String(database), TemplateValue::String(schema)}));
  }
  TemplateValue::List schemas;
  for (const std::string& schema : schema_names) schemas.push_back(TemplateValue::String(schema));
  TemplateMap names;
  names.Set("results", TemplateValue::FromList(std::move(result_values)));
  names.Set("schemas", TemplateValue::FromList(std::move(schemas)));
  names.Set("database_schemas", TemplateValue::FromList(std::move(database_schemas)));
  return names;
}

std::string HooksHeader(HookKind kind, size_t count) {
  return "Running " + std::to_string(count) + " " + std::string(KindName(kind)) + " hook" + (count == 1 ? "" : "s");
}

}  // namespace weir::models_internal
