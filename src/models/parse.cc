// ParseModels: a dbt project's files into nodes and the DAG of their refs.
#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <cctype>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "common/text.h"
#include "models/internal/dbt_context.h"
#include "models/internal/hooks.h"
#include "models/internal/node_config.h"
#include "models/internal/snapshot.h"

namespace weir {
namespace {

using models_internal::NodeCalls;

// Calls work(i) for every i below n on every core (one thread for small n).
void RunParallel(size_t n, const std::function<void(size_t)>& work) {
  size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), 1 + n / 64);
  std::atomic<size_t> next{0};
  auto drain = [&] {
    for (size_t i = next++; i < n; i = next++) work(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(drain);
  drain();
  for (std::thread& thread : pool) thread.join();
}

std::string StemOf(const std::string& resource_path) {
  std::string name = resource_path.substr(resource_path.find_last_of('/') + 1);
  return name.substr(0, name.find_last_of('.'));
}

// [package, folders..., name]: the path inside the resource folder.
std::vector<std::string> FqnOf(const std::string& package, const std::string& resource_path) {
  std::vector<std::string> fqn{package};
  size_t start = 0;
  for (size_t slash = resource_path.find('/'); slash != std::string::npos; slash = resource_path.find('/', start)) {
    fqn.push_back(resource_path.substr(start, slash - start));
    start = slash + 1;
  }
  fqn.push_back(StemOf(resource_path));
  return fqn;
}

// dbt's generic test names: not_null_orders_order_id,
// accepted_values_orders_status__placed__shipped; long ones shortened with a hash.
std::string Fnv10(std::string_view text) {
  uint64_t hash = 1469598103934665603ull;
  for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  char out[17];
  std::snprintf(out, sizeof(out), "%016llx", static_cast<unsigned long long>(hash));
  return std::string(out, 10);
}

// dbt: re.sub('[^0-9a-zA-Z_]+', '_', arg).
std::string CleanArg(const std::string& text) {
  std::string out;
  bool in_run = false;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      out += c;
      in_run = false;
    } else if (!in_run) {
      out += '_';
      in_run = true;
    }
  }
  return out;
}

std::string GenericTestName(const std::string& test_name, const std::string& target, const TemplateMap& kwargs) {
  std::vector<std::string> keys = kwargs.Keys();
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> flat;
  for (const std::string& key : keys) {
    if (key == "model") continue;
    const TemplateValue& value = *kwargs.Find(key);
    if (value.kind() == TemplateValue::Kind::kMap) {
      for (const auto& [k, v] : value.AsMap()) flat.push_back(v.ToString());
    } else if (value.kind() == TemplateValue::Kind::kList) {
      for (const TemplateValue& item : value.AsList()) flat.push_back(item.ToString());
    } else {
      flat.push_back(value.ToString());
    }
  }
  std::string name = test_name + "_" + target;
  for (size_t i = 0; i < flat.size(); ++i) name += (i == 0 ? "_" : "__") + CleanArg(flat[i]);
  if (name.size() > 64) name = name.substr(0, 30) + "_" + Fnv10(name);
  return name;
}

class Parser {
 public:
  Parser(const DbtProject& project, const Environment& env, std::vector<Status>& errors)
      : project_(project), env_(env), errors_(errors) {}

  ModelGraph Run() {
    models_internal::LoadMacros(project_, macros_, docs_, errors_);
    for (const DbtFile& file : project_.macros) {
      for (const char* name : {"generate_schema_name", "generate_alias_name", "generate_database_name"}) {
        if (file.text.find(name) != std::string::npos) custom_naming_ = true;
      }
    }
    for (const DbtFile& file : project_.models) AddFileNode(ModelNodeKind::kModel, file, project_.model_config);
    for (const DbtFile& file : project_.seeds) AddFileNode(ModelNodeKind::kSeed, file, project_.seed_config);
    for (models_internal::SnapshotDefinition& snapshot : models_internal::ReadSnapshotDefinitions(project_, errors_)) {
      int index = static_cast<int>(nodes_.size());
      SourceLocation where = snapshot.where;
      if (AddNode(std::move(snapshot.node), project_.snapshot_config, where)) snapshot_where_[index] = where;
    }
    for (const DbtFile& file : project_.singular_tests) AddFileNode(ModelNodeKind::kTest, file, project_.test_config);
    AddSources();
    ApplyPatches();
    RenderNodes();
    CheckSnapshots();
    AddGenericTests();
    return Finish();
  }

 private:
  void AddFileNode(ModelNodeKind kind, const DbtFile& file, const DbtConfigTree& tree) {
    ModelNode node;
    node.kind = kind;
    node.name = StemOf(file.resource_path);
    node.package = project_.name;
    node.fqn = FqnOf(project_.name, file.resource_path);
    node.original_file_path = file.relative_path;
    node.path = file.resource_path;
    if (kind != ModelNodeKind::kSeed) node.raw_code = file.text;
    node.unique_id = std::string(ModelNodeKindName(kind)) + "." + project_.name + "." + node.name;
    AddNode(std::move(node), tree);
  }

  // The node with dbt_project.yml's config for it; models, seeds and
  // snapshots share one namespace of names (false: a duplicate, reported
  // at `where`, or at the file when that is unknown).
  bool AddNode(ModelNode node, const DbtConfigTree& tree, SourceLocation where = {}) {
    if (!where.known()) where = SourceLocation{node.original_file_path};
    ModelNodeKind kind = node.kind;
    node.config = models_internal::ConfigForFqn(tree, node.fqn);
    if (kind == ModelNodeKind::kModel || kind == ModelNodeKind::kSeed || kind == ModelNodeKind::kSnapshot) {
      auto [it, fresh] = buildable_.emplace(node.name, static_cast<int>(nodes_.size()));
      if (!fresh) {
        errors_.push_back(UserError("duplicate-node", "two resources are named '" + node.name + "': " +
                                                          nodes_[it->second].original_file_path + " and " +
                                                          node.original_file_path,
                                    where));
        return false;
      }
    }
    nodes_.push_back(std::move(node));
    return true;
  }

  void AddSources() {
    for (const DbtSource& source : project_.sources) {
      for (const DbtSourceTable& table : source.tables) {
        ModelNode node;
        node.kind = ModelNodeKind::kSource;
        node.name = table.name;
        node.source_name = source.name;
        node.package = project_.name;
        node.fqn = {project_.name, source.name, table.name};
        node.original_file_path = source.file;
        node.unique_id = "source." + project_.name + "." + source.name + "." + table.name;
        node.description = table.description;
        node.columns = table.columns;
        node.config = models_internal::ConfigForFqn(project_.source_config, node.fqn);
        models_internal::MergeConfig(node.config, source.config);
        models_internal::MergeConfig(node.config, table.config);
        node.relation = {source.database.empty() ? project_.target.database : source.database, source.schema,
                         table.identifier};
        std::string key = source.name + "." + table.name;
        if (!sources_.emplace(key, static_cast<int>(nodes_.size())).second) {
          errors_.push_back(UserError("duplicate-node", "source '" + key + "' is defined twice", table.where));
          continue;
        }
        nodes_.push_back(std::move(node));
      }
    }
  }

  void ApplyPatches() {
    for (const DbtPatch& patch : project_.patches) {
      auto it = buildable_.find(patch.name);
      if (it == buildable_.end()) {
        // dbt warns and goes on: a patch for a model that does not exist.
        warnings_.push_back(patch.file + ": '" + patch.name + "' is described but no such " + patch.kind +
                            " exists");
        continue;
      }
      ModelNode& node = nodes_[it->second];
      node.description = patch.description;
      node.columns = patch.columns;
      models_internal::MergeConfig(node.config, patch.config);
    }
  }

  models_internal::Resolver ParseResolver(int self) {
    models_internal::Resolver resolver;
    resolver.ref = [this, self](const NodeCalls::Ref& ref) -> Result<RelationName> {
      auto it = buildable_.find(ref.name);
      if (it == buildable_.end() || (!ref.package.empty() && ref.package != project_.name)) {
        std::vector<std::string> names;
        for (const auto& [name, index] : buildable_) names.push_back(name);
        std::string what = ref.package.empty() ? "'" + ref.name + "'" : "'" + ref.package + "." + ref.name + "'";
        return UserError("ref-not-found", "'" + nodes_[self].name + "' depends on a node named " + what +
                                              " which was not found" + DidYouMean(ref.name, names));
      }
      return relations_[it->second];
    };
    resolver.source = [this, self](const std::string& source, const std::string& table) -> Result<RelationName> {
      auto it = sources_.find(source + "." + table);
      if (it == sources_.end()) {
        std::vector<std::string> names;
        for (const auto& [name, index] : sources_) names.push_back(name);
        return UserError("source-not-found", "'" + nodes_[self].name + "' depends on a source named '" + source +
                                                 "." + table + "' which was not found" +
                                                 DidYouMean(source + "." + table, names));
      }
      return relations_[it->second];
    };
    return resolver;
  }

  // Parse renders are independent: each reads the project and the
  // relations fixed before it starts (a parse render's text is thrown away,
  // so refs need no final names) and writes only its own node. They run on
  // every core; errors are reported in node order all the same.
  void RenderNodes() {
    for (ModelNode& node : nodes_) {
      if (node.kind != ModelNodeKind::kSource) node.relation = models_internal::RelationFor(node, project_.target);
      relations_.push_back(node.relation);
    }
    std::vector<NodeRender> renders(nodes_.size());
    RunParallel(nodes_.size(), [&](size_t i) { renders[i] = RenderNode(static_cast<int>(i)); });
    for (size_t i = 0; i < renders.size(); ++i) {
      for (Status& error : renders[i].errors) errors_.push_back(std::move(error));
      if (renders[i].failed) failed_.insert(static_cast<int>(i));
      if (renders[i].calls) calls_[static_cast<int>(i)] = std::move(*renders[i].calls);
    }
  }

  struct NodeRender {
    std::vector<Status> errors;
    bool failed = false;
    std::optional<NodeCalls> calls;
  };

  NodeRender RenderNode(int index) {
    NodeRender out;
    ModelNode& node = nodes_[index];
    if (node.kind == ModelNodeKind::kSource || node.raw_code.empty()) return out;
    NodeCalls calls;
    models_internal::DbtContextInputs inputs = Inputs(node, &calls, ParseResolver(index));
    TemplateContext context = models_internal::MakeDbtContext(inputs);
    Result<std::string> rendered = RenderTemplate(node.raw_code, models_internal::CodeOrigin(node), context);
    if (!rendered.ok()) {
      out.errors.push_back(rendered.status());
      out.failed = true;
      return out;
    }
    models_internal::MergeConfig(node.config, calls.config);
    node.relation = models_internal::RelationFor(node, project_.target);
    if (custom_naming_ && node.kind != ModelNodeKind::kTest) ApplyNamingMacros(node, context, out.errors);
    out.calls = std::move(calls);
    return out;
  }

  models_internal::DbtContextInputs Inputs(const ModelNode& node, NodeCalls* calls, models_internal::Resolver resolver) {
    return models_internal::DbtContextInputs{.project = &project_, .env = &env_, .node = &node, .calls = calls,
                                             .resolver = std::move(resolver), .macros = &macros_, .docs = &docs_};
  }

  // A project's own generate_schema_name (or _alias_, _database_) decides
  // where the node is built, called as dbt calls it.
  void ApplyNamingMacros(ModelNode& node, const TemplateContext& context, std::vector<Status>& errors) {
    TemplateMap node_value;
    node_value.Set("name", TemplateValue::String(node.name));
    node_value.Set("resource_type", TemplateValue::String(std::string(ModelNodeKindName(node.kind))));
    node_value.Set("package_name", TemplateValue::String(node.package));
    node_value.Set("original_file_path", TemplateValue::String(node.original_file_path));
    node_value.Set("config", TemplateValue::FromMap(node.config));
    TemplateValue::List fqn;
    for (const std::string& part : node.fqn) fqn.push_back(TemplateValue::String(part));
    node_value.Set("fqn", TemplateValue::FromList(std::move(fqn)));
    TemplateValue node_arg = TemplateValue::FromMap(std::move(node_value));
    auto call = [&](const char* macro, const char* key, std::string& out) {
      const TemplateValue* callee = macros_.Find(macro);
      const TemplateValue* custom = node.config.Find(key);
      TemplateCallArgs args{{custom != nullptr ? *custom : TemplateValue::None(), node_arg}, {}};
      Result<TemplateValue> name = CallTemplateValue(*callee, args, context);
      if (!name.ok()) {
        errors.push_back(name.status().At(SourceLocation{node.original_file_path}));
        return;
      }
      std::string text = name->ToString();
      size_t start = text.find_first_not_of(" \t\n"), end = text.find_last_not_of(" \t\n");
      out = start == std::string::npos ? "" : text.substr(start, end - start + 1);
    };
    call("generate_database_name", "database", node.relation.database);
    call("generate_schema_name", "schema", node.relation.schema);
    call("generate_alias_name", "alias", node.relation.identifier);
  }

  // A snapshot's config, complete once its SQL has rendered, is checked as
  // dbt checks it; a bad one leaves the graph with an error at its key.
  void CheckSnapshots() {
    for (const auto& [index, defined_at] : snapshot_where_) {
      const SourceLocation& where = defined_at;  // a lambda cannot capture a structured binding in C++20
      ModelNode& node = nodes_[index];
      if (failed_.count(index) || !node.enabled()) continue;
      node.config.Set("materialized", TemplateValue::String("snapshot"));
      auto locate = [&](std::string_view key) {
        return models_internal::SnapshotKeyLocation(node, project_, key, where);
      };
      Result<models_internal::SnapshotConfig> config = models_internal::ReadSnapshotConfig(node, locate);
      if (!config.ok()) {
        errors_.push_back(config.status());
        failed_.insert(index);
        continue;
      }
      models_internal::ApplySnapshotTarget(node);
    }
  }

  void AddGenericTests();
  ModelGraph Finish();

  const DbtProject& project_;
  const Environment& env_;
  std::vector<Status>& errors_;
  std::vector<std::string> warnings_;
  std::vector<ModelNode> nodes_;
  std::vector<RelationName> relations_;  // each node's relation before its parse render (what refs resolve to)
  std::unordered_map<std::string, int> buildable_;  // model, seed, snapshot name -> node
  std::unordered_map<std::string, int> sources_;    // "source.table" -> node
  std::unordered_map<int, NodeCalls> calls_;
  std::unordered_map<int, int> attached_;  // generic test -> the node it tests
  std::map<int, SourceLocation> snapshot_where_;  // snapshot node -> where it is defined
  std::set<int> failed_;
  TemplateMap macros_;
  std::map<std::string, std::string> docs_;
  bool custom_naming_ = false;  // the project defines generate_schema_name or its kin
};

// Arguments written `to: ref('customers')` are expressions (dbt renders
// them); the parse render records their refs.
bool IsRelationExpression(const TemplateValue& value) {
  if (value.kind() != TemplateValue::Kind::kString) return false;
  const std::string& text = value.AsString();
  size_t start = text.find_first_not_of(" \t");
  return start != std::string::npos && (text.compare(start, 4, "ref(") == 0 || text.compare(start, 7, "source(") == 0);
}

void Parser::AddGenericTests() {
  auto add = [&](const DbtTestUse& use, int attached, const std::string& target_name, const std::string& file) {
    std::string test_name = use.name;
    std::string test_namespace;
    if (size_t dot = test_name.find('.'); dot != std::string::npos) {
      test_namespace = test_name.substr(0, dot);
      test_name = test_name.substr(dot + 1);
    }
    TemplateMap kwargs = use.arguments;
    if (use.column) kwargs.Set("column_name", TemplateValue::String(*use.column));
    ModelNode node;
    node.kind = ModelNodeKind::kTest;
    node.package = project_.name;
    const TemplateValue* custom = use.config.Find("name");
    node.name = custom != nullptr ? custom->ToString() : GenericTestName(test_name, target_name, kwargs);
    node.unique_id = "test." + project_.name + "." + node.name + "." + Fnv10(node.name + nodes_[attached].unique_id);
    std::vector<std::string> fqn = FqnOf(project_.name, file.substr(file.find('/') + 1));
    fqn.back() = node.name;
    node.fqn = fqn;
    node.original_file_path = file;
    node.config = models_internal::ConfigForFqn(project_.test_config, node.fqn);
    TemplateMap config = use.config;
    models_internal::MergeConfig(node.config, config);
    node.generic_test = GenericTest{test_name, test_namespace, kwargs, attached, use.column};
    int index = static_cast<int>(nodes_.size());
    NodeCalls calls;
    for (const auto& [key, value] : kwargs) {
      if (!IsRelationExpression(value)) continue;
      models_internal::DbtContextInputs inputs = Inputs(node, &calls, ParseResolver(attached));
      TemplateContext context = models_internal::MakeDbtContext(inputs);
      Result<std::string> rendered = RenderTemplate("{{ " + value.AsString() + " }}", use.where, context);
      if (!rendered.ok()) errors_.push_back(rendered.status().At(use.where));
    }
    attached_[index] = attached;
    calls_[index] = std::move(calls);
    nodes_.push_back(std::move(node));
  };
  for (const DbtPatch& patch : project_.patches) {
    auto it = buildable_.find(patch.name);
    if (it == buildable_.end() || failed_.count(it->second)) continue;
    for (const DbtTestUse& use : patch.tests) add(use, it->second, patch.name, patch.file);
    for (const DbtColumn& column : patch.columns) {
      for (const DbtTestUse& use : column.tests) add(use, it->second, patch.name, patch.file);
    }
  }
  for (const DbtSource& source : project_.sources) {
    for (const DbtSourceTable& table : source.tables) {
      auto it = sources_.find(source.name + "." + table.name);
      if (it == sources_.end()) continue;
      std::string target = "source_" + source.name + "_" + table.name;
      for (const DbtTestUse& use : table.tests) add(use, it->second, target, source.file);
      for (const DbtColumn& column : table.columns) {
        for (const DbtTestUse& use : column.tests) add(use, it->second, target, source.file);
      }
    }
  }
}

ModelGraph Parser::Finish() {
  // Disabled nodes and nodes whose SQL failed to render leave the graph.
  std::vector<int> new_index(nodes_.size(), -1);
  ModelGraph graph;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (failed_.count(static_cast<int>(i)) || !nodes_[i].enabled()) continue;
    new_index[i] = static_cast<int>(graph.nodes.size());
    graph.nodes.push_back(nodes_[i]);
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    int self = new_index[i];
    if (self < 0) continue;
    ModelNode& node = graph.nodes[self];
    auto depend = [&](int old, const std::string& what) {
      if (new_index[old] < 0) {
        errors_.push_back(UserError("ref-disabled", "'" + node.name + "' depends on " + what + " which is disabled",
                                    SourceLocation{node.original_file_path}));
        return;
      }
      if (std::find(node.depends_on.begin(), node.depends_on.end(), new_index[old]) == node.depends_on.end()) {
        node.depends_on.push_back(new_index[old]);
      }
    };
    if (auto at = attached_.find(static_cast<int>(i)); at != attached_.end()) {
      depend(at->second, "'" + nodes_[at->second].name + "'");
      node.generic_test->attached_node = new_index[at->second];
    }
    auto calls = calls_.find(static_cast<int>(i));
    if (calls == calls_.end()) continue;
    for (const NodeCalls::Ref& ref : calls->second.refs) depend(buildable_.at(ref.name), "'" + ref.name + "'");
    for (const auto& [source, table] : calls->second.sources) {
      depend(sources_.at(source + "." + table), "source '" + source + "." + table + "'");
    }
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) graph.index.emplace(graph.nodes[i].unique_id, static_cast<int>(i));
  graph.macros = std::move(macros_);
  graph.docs = std::move(docs_);
  models_internal::OrderGraph(graph, errors_);
  return graph;
}

}  // namespace

ModelGraph ParseModels(const DbtProject& project, const Environment& env, std::vector<Status>& errors) {
  ModelGraph graph = Parser(project, env, errors).Run();
  models_internal::AddHookNodes(project, graph);
  return graph;
}

int ModelGraph::Find(std::string_view unique_id) const {
  auto it = index.find(std::string(unique_id));
  return it == index.end() ? -1 : it->second;
}

}  // namespace weir
