// target/manifest.json and target/run_results.json in dbt's schemas.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "models/internal/loader.h"
#include "models/models.h"

namespace weir {
namespace {

using Json = nlohmann::ordered_json;
using models_internal::JoinPath;

Json ToJson(const TemplateValue& value) {
  switch (value.kind()) {
    case TemplateValue::Kind::kNone: return nullptr;
    case TemplateValue::Kind::kBool: return value.AsBool();
    case TemplateValue::Kind::kInt: return value.AsInt();
    case TemplateValue::Kind::kFloat: return value.AsFloat();
    case TemplateValue::Kind::kString: return value.AsString();
    case TemplateValue::Kind::kList: {
      Json out = Json::array();
      for (const TemplateValue& item : value.AsList()) out.push_back(ToJson(item));
      return out;
    }
    case TemplateValue::Kind::kMap: {
      Json out = Json::object();
      for (const auto& [key, item] : value.AsMap()) out[key] = ToJson(item);
      return out;
    }
    default: return value.ToString();
  }
}

std::string IsoTime(double epoch_seconds) {
  std::time_t whole = static_cast<std::time_t>(epoch_seconds);
  std::tm utc{};
  gmtime_r(&whole, &utc);
  char out[96];  // room for any int gcc's -Wformat-truncation imagines
  int micros = static_cast<int>((epoch_seconds - static_cast<double>(whole)) * 1e6);
  std::snprintf(out, sizeof(out), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, micros);
  return out;
}

double Now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

Json Metadata(const DbtProject& project, const std::string& schema) {
  return Json{{"dbt_schema_version", "https://schemas.getdbt.com/dbt/" + schema + ".json"},
              {"dbt_version", "1.8.0"},
              {"generated_at", IsoTime(Now())},
              {"invocation_id", nullptr},
              {"env", Json::object()},
              {"project_name", project.name},
              {"adapter_type", project.target.type},
              {"generator", "weir 0.1.0"}};
}

Json Columns(const std::vector<DbtColumn>& columns) {
  Json out = Json::object();
  for (const DbtColumn& c : columns) {
    out[c.name] = Json{{"name", c.name},
                       {"description", c.description},
                       {"meta", ToJson(TemplateValue::FromMap(c.meta))},
                       {"data_type", c.data_type.empty() ? Json(nullptr) : Json(c.data_type)},
                       {"constraints", Json::array()},
                       {"quote", nullptr},
                       {"tags", Json::array()}};
  }
  return out;
}

Json NodeConfig(const ModelNode& node) {
  Json config = ToJson(TemplateValue::FromMap(node.config));
  config["enabled"] = node.enabled();
  config["materialized"] = node.materialized();
  if (!config.contains("tags")) config["tags"] = Json::array();
  return config;
}

Json DependsOn(const ModelGraph& graph, const ModelNode& node) {
  Json nodes = Json::array();
  for (int parent : node.depends_on) nodes.push_back(graph.nodes[parent].unique_id);
  return Json{{"macros", Json::array()}, {"nodes", nodes}};
}

Json NodeJson(const DbtProject& project, const ModelGraph& graph, const ModelNode& node, const std::string& compiled) {
  Json out{{"database", node.relation.database},
           {"schema", node.relation.schema},
           {"name", node.name},
           {"resource_type", std::string(ModelNodeKindName(node.kind))},
           {"package_name", node.package},
           {"path", node.generic_test ? node.name + ".sql" : node.path},
           {"original_file_path", node.original_file_path},
           {"unique_id", node.unique_id},
           {"fqn", node.fqn},
           {"alias", node.relation.identifier},
           {"config", NodeConfig(node)},
           {"tags", node.tags()},
           {"description", node.description},
           {"columns", Columns(node.columns)},
           {"meta", Json::object()},
           {"relation_name", node.kind == ModelNodeKind::kTest || node.kind == ModelNodeKind::kOperation ||
                                     node.materialized() == "ephemeral"
                                 ? Json(nullptr)
                                 : Json(node.relation.Quoted())},
           {"raw_code", node.raw_code},
           {"language", "sql"},
           {"depends_on", DependsOn(graph, node)}};
  if (!compiled.empty()) {
    out["compiled"] = true;
    out["compiled_code"] = compiled;
  }
  if (node.generic_test) {
    const GenericTest& test = *node.generic_test;
    out["test_metadata"] = Json{{"name", test.test_name},
                                {"kwargs", ToJson(TemplateValue::FromMap(test.kwargs))},
                                {"namespace", test.test_namespace.empty() ? Json(nullptr) : Json(test.test_namespace)}};
    out["column_name"] = test.column ? Json(*test.column) : Json(nullptr);
    out["attached_node"] = test.attached_node >= 0 ? Json(graph.nodes[test.attached_node].unique_id) : Json(nullptr);
  }
  (void)project;
  return out;
}

Json SourceJson(const ModelNode& node) {
  return Json{{"database", node.relation.database},
              {"schema", node.relation.schema},
              {"name", node.name},
              {"resource_type", "source"},
              {"package_name", node.package},
              {"path", node.original_file_path},
              {"original_file_path", node.original_file_path},
              {"unique_id", node.unique_id},
              {"fqn", node.fqn},
              {"source_name", node.source_name},
              {"identifier", node.relation.identifier},
              {"description", node.description},
              {"columns", Columns(node.columns)},
              {"config", Json{{"enabled", node.enabled()}}},
              {"tags", node.tags()},
              {"relation_name", node.relation.Quoted()}};
}

// Compact, as dbt writes its artifacts; invalid UTF-8 in a model's SQL is
// replaced rather than thrown on.
std::string Dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A JSON object or array written as text one member at a time, so that the
// manifest of 10,000 nodes is never one tree in memory.
class JsonText {
 public:
  JsonText(std::string& out, char open) : out_(out), close_(open == '{' ? '}' : ']') { out_ += open; }
  void Add(const std::string& key, const Json& value) {
    Key(key);
    out_ += Dump(value);
  }
  void Add(const Json& value) {
    Separate();
    out_ += Dump(value);
  }
  JsonText Object(const std::string& key) {
    Key(key);
    return JsonText(out_, '{');
  }
  JsonText Array(const std::string& key) {
    Key(key);
    return JsonText(out_, '[');
  }
  void Close() { out_ += close_; }

 private:
  void Separate() {
    if (!first_) out_ += ',';
    first_ = false;
  }
  void Key(const std::string& key) {
    Separate();
    out_ += JsonQuote(key);
    out_ += ':';
  }
  std::string& out_;
  char close_;
  bool first_ = true;
};

Status WriteJson(const DbtProject& project, const std::string& name, std::string text, Filesystem& fs) {
  text += '\n';
  return fs.WriteFile(JoinPath(JoinPath(project.root, project.target_path), name), text);
}

enum class NodeMap { kParents, kChildren };

// parent_map or child_map: each node's unique_id to its neighbours'.
void AddNodeMap(JsonText& manifest, NodeMap which, const ModelGraph& graph) {
  JsonText map = manifest.Object(which == NodeMap::kParents ? "parent_map" : "child_map");
  static const std::vector<int> kNone;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const std::vector<int>& neighbours = which == NodeMap::kParents ? graph.nodes[i].depends_on
                                         : i < graph.children.size() ? graph.children[i]
                                                                     : kNone;
    Json ids = Json::array();
    for (int n : neighbours) ids.push_back(graph.nodes[n].unique_id);
    map.Add(graph.nodes[i].unique_id, ids);
  }
  map.Close();
}

}  // namespace

Status WriteManifest(const DbtProject& project, const ModelGraph& graph, const std::vector<std::string>& compiled,
                     Filesystem& fs) {
  std::string text;
  JsonText manifest(text, '{');
  manifest.Add("metadata", Metadata(project, "manifest/v12"));
  JsonText nodes = manifest.Object("nodes");
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ModelNode& node = graph.nodes[i];
    if (node.kind != ModelNodeKind::kSource) {
      nodes.Add(node.unique_id, NodeJson(project, graph, node, i < compiled.size() ? compiled[i] : ""));
    }
  }
  nodes.Close();
  JsonText sources = manifest.Object("sources");
  for (const ModelNode& node : graph.nodes) {
    if (node.kind == ModelNodeKind::kSource) sources.Add(node.unique_id, SourceJson(node));
  }
  sources.Close();
  for (const char* empty : {"macros", "docs", "exposures", "metrics", "groups", "selectors", "disabled"}) {
    manifest.Add(empty, Json::object());
  }
  AddNodeMap(manifest, NodeMap::kParents, graph);
  AddNodeMap(manifest, NodeMap::kChildren, graph);
  for (const char* empty : {"group_map", "saved_queries", "semantic_models", "unit_tests"}) {
    manifest.Add(empty, Json::object());
  }
  manifest.Close();
  return WriteJson(project, "manifest.json", std::move(text), fs);
}

Status WriteRunResults(const DbtProject& project, const ModelGraph& graph, const std::vector<NodeResult>& results,
                       double elapsed_seconds, const std::string& command, Filesystem& fs) {
  std::string text;
  JsonText run_results(text, '{');
  run_results.Add("metadata", Metadata(project, "run-results/v6"));
  JsonText list = run_results.Array("results");
  for (const NodeResult& r : results) {
    const ModelNode& node = graph.nodes[r.node];
    Json timing = Json::array();
    if (r.status != "skipped") {
      timing.push_back(Json{{"name", "execute"},
                            {"started_at", IsoTime(r.started_at)},
                            {"completed_at", IsoTime(r.started_at + r.seconds)}});
    }
    Json response = Json::object();
    if (!r.message.empty() && r.status != "error") response["_message"] = r.message;
    if (r.rows) response["rows_affected"] = *r.rows;
    list.Add(Json{{"status", r.status},
                  {"timing", std::move(timing)},
                  {"thread_id", "Thread-1"},
                  {"execution_time", r.seconds},
                  {"adapter_response", std::move(response)},
                  {"message", r.message.empty() ? Json(nullptr) : Json(r.message)},
                  {"failures", r.failures ? Json(*r.failures) : Json(nullptr)},
                  {"unique_id", node.unique_id},
                  {"compiled", !r.compiled_sql.empty()},
                  {"compiled_code", r.compiled_sql},
                  {"relation_name", node.kind == ModelNodeKind::kTest || node.kind == ModelNodeKind::kOperation
                                        ? Json(nullptr)
                                        : Json(node.relation.Quoted())}});
  }
  list.Close();
  run_results.Add("elapsed_time", elapsed_seconds);
  run_results.Add("args", Json{{"which", command}, {"target", project.target.name}});
  run_results.Close();
  return WriteJson(project, "run_results.json", std::move(text), fs);
}

}  // namespace weir
