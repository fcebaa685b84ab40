#include "models/internal/node_config.h"

#include <algorithm>
#include <queue>

namespace weir {
namespace models_internal {
namespace {

bool Additive(const std::string& key) { return key == "tags" || key == "pre-hook" || key == "post-hook"; }

TemplateValue::List AsList(const TemplateValue& value) {
  if (value.kind() == TemplateValue::Kind::kList) return value.AsList();
  if (value.is_none()) return {};
  return {value};
}

TemplateValue AddUp(const TemplateValue& base, const TemplateValue& more) {
  TemplateValue::List items = AsList(base);
  for (const TemplateValue& item : AsList(more)) {
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
  }
  return TemplateValue::FromList(std::move(items));
}

TemplateValue MergeMaps(const TemplateValue& base, const TemplateValue& more) {
  TemplateMap merged = base.AsMap();
  for (const auto& [key, value] : more.AsMap()) merged.Set(key, value);
  return TemplateValue::FromMap(std::move(merged));
}

std::string ConfigString(const TemplateMap& config, std::string_view key) {
  const TemplateValue* value = config.Find(key);
  if (value == nullptr || value->is_none()) return "";
  return value->ToString();
}

}  // namespace

void MergeConfig(TemplateMap& base, const TemplateMap& more) {
  for (const auto& [key, value] : more) {
    const TemplateValue* old = base.Find(key);
    if (old != nullptr && Additive(key)) {
      base.Set(key, AddUp(*old, value));
    } else if (old != nullptr && old->kind() == TemplateValue::Kind::kMap &&
               value.kind() == TemplateValue::Kind::kMap) {
      base.Set(key, MergeMaps(*old, value));
    } else {
      base.Set(key, Additive(key) ? AddUp(TemplateValue(), value) : value);
    }
  }
}

TemplateMap ConfigForFqn(const DbtConfigTree& tree, const std::vector<std::string>& fqn) {
  TemplateMap config;
  MergeConfig(config, tree.config);
  const DbtConfigTree* level = &tree;
  for (const std::string& part : fqn) {
    auto it = level->children.find(part);
    if (it == level->children.end()) break;
    level = &it->second;
    MergeConfig(config, level->config);
  }
  return config;
}

RelationName RelationFor(const ModelNode& node, const DbtTarget& target) {
  RelationName relation;
  relation.database = ConfigString(node.config, "database");
  if (relation.database.empty()) relation.database = target.database;
  std::string custom = ConfigString(node.config, "schema");
  relation.schema = custom.empty() ? target.schema : target.schema + "_" + custom;
  relation.identifier = ConfigString(node.config, "alias");
  if (relation.identifier.empty()) relation.identifier = node.name;
  return relation;
}

SourceLocation CodeOrigin(const ModelNode& node) {
  return node.code_origin.known() ? node.code_origin : SourceLocation{node.original_file_path, 1, 1};
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void OrderGraph(ModelGraph& graph, std::vector<Status>& errors) {
  size_t n = graph.nodes.size();
  graph.children.assign(n, {});
  std::vector<int> waiting(n, 0);
  for (size_t i = 0; i < n; ++i) {
    for (int parent : graph.nodes[i].depends_on) graph.children[parent].push_back(static_cast<int>(i));
    waiting[i] = static_cast<int>(graph.nodes[i].depends_on.size());
  }
  // Ties in node order, so that the order is stable run to run.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (waiting[i] == 0) ready.push(static_cast<int>(i));
  }
  graph.order.clear();
  while (!ready.empty()) {
    int next = ready.top();
    ready.pop();
    graph.order.push_back(next);
    for (int child : graph.children[next]) {
      if (--waiting[child] == 0) ready.push(child);
    }
  }
  if (graph.order.size() == n) return;
  std::string cycle;
  for (size_t i = 0; i < n; ++i) {
    if (waiting[i] > 0) cycle += (cycle.empty() ? "" : ", ") + graph.nodes[i].unique_id;
  }
  errors.push_back(UserError("ref-cycle", "found a cycle among: " + cycle));
  graph.order.clear();
}

}  // namespace models_internal

std::string RelationName::Quoted() const {
  using models_internal::QuoteIdentifier;
  if (cte) return identifier;
  std::string out;
  if (!database.empty()) out += QuoteIdentifier(database) + ".";
  if (!schema.empty()) out += QuoteIdentifier(schema) + ".";
  return out + QuoteIdentifier(identifier);
}

std::string_view ModelNodeKindName(ModelNodeKind kind) {
  switch (kind) {
    case ModelNodeKind::kModel: return "model";
    case ModelNodeKind::kSeed: return "seed";
    case ModelNodeKind::kTest: return "test";
    case ModelNodeKind::kSource: return "source";
    case ModelNodeKind::kSnapshot: return "snapshot";
    case ModelNodeKind::kAnalysis: return "analysis";
    case ModelNodeKind::kOperation: return "operation";
  }
  return "model";
}

std::string ModelNode::materialized() const {
  if (kind == ModelNodeKind::kSeed) return "seed";
  if (kind == ModelNodeKind::kTest) return "test";
  if (kind == ModelNodeKind::kSnapshot) return "snapshot";
  std::string configured = models_internal::ConfigString(config, "materialized");
  return configured.empty() ? "view" : configured;
}

bool ModelNode::enabled() const {
  const TemplateValue* value = config.Find("enabled");
  return value == nullptr || value->Truthy();
}

std::vector<std::string> ModelNode::tags() const {
  std::vector<std::string> out;
  if (const TemplateValue* value = config.Find("tags")) {
    for (const TemplateValue& tag : models_internal::AsList(*value)) out.push_back(tag.ToString());
  }
  return out;
}

}  // namespace weir
