// Schema files (`version: 2` YAML beside the models) and dbt_project.yml's
// config trees.
#include <algorithm>

#include "common/text.h"
#include "config/config_node.h"
#include "models/internal/load_context.h"
#include "models/internal/loader.h"

namespace weir::models_internal {
namespace {

// Config keys whose value is a mapping: under `models:` without a `+`, any
// other mapping is a folder or a node name.
const std::vector<std::string> kMappingConfigs = {"meta", "persist_docs", "column_types", "grants", "docs",
                                                  "contract", "quoting", "labels", "partition_by"};
// Test config keys that dbt also accepts beside a generic test's arguments.
const std::vector<std::string> kTestConfigs = {"severity", "where", "limit", "warn_if", "error_if",
                                               "store_failures", "store_failures_as", "tags", "enabled",
                                               "meta", "alias", "schema", "database", "fail_calc"};
const std::vector<std::string> kSchemaKeys = {"version", "models", "sources", "seeds", "snapshots", "macros",
                                              "analyses", "exposures", "metrics", "semantic_models",
                                              "saved_queries", "groups", "unit_tests", "data_tests"};
const std::vector<std::string> kOtherResources = {"macros", "exposures", "metrics", "semantic_models",
                                                  "saved_queries", "groups", "unit_tests", "data_tests"};

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// dbt writes hooks as pre-hook; pre_hook is accepted too.
std::string ConfigKey(std::string key) {
  if (key == "pre_hook") return "pre-hook";
  if (key == "post_hook") return "post-hook";
  return key;
}

bool IsHook(const std::string& key) { return key == "pre-hook" || key == "post-hook"; }

std::string Text(const ConfigNode* node) {
  if (node == nullptr || !node->is_scalar()) return "";
  return node->scalar();
}

TemplateMap ConfigMap(const ConfigNode* node, std::vector<Status>& errors) {
  TemplateMap out;
  if (node == nullptr || node->is_null()) return out;
  if (!node->is_map()) {
    errors.push_back(UserError("wrong-type", "'config' must be a mapping, got " + std::string(node->Describe()),
                               node->where()));
    return out;
  }
  for (const auto& [key, value] : node->entries()) out.Set(ConfigKey(key.scalar()), ToTemplateValue(value));
  return out;
}

DbtTestUse ReadTestUse(const ConfigNode& item, std::optional<std::string> column, std::vector<Status>& errors) {
  DbtTestUse test;
  test.column = std::move(column);
  test.where = item.where();
  if (item.is_scalar()) {
    test.name = item.scalar();
    return test;
  }
  if (!item.is_map() || item.entries().size() != 1) {
    errors.push_back(UserError("bad-test", "a test is a name (- not_null) or a mapping of one name to its "
                                           "arguments (- accepted_values: {values: [a, b]})", item.where()));
    return test;
  }
  const auto& [name, args] = item.entries().front();
  test.name = name.scalar();
  if (args.is_null()) return test;
  if (!args.is_map()) {
    errors.push_back(UserError("bad-test", "the arguments of test '" + test.name + "' must be a mapping",
                               args.where()));
    return test;
  }
  for (const auto& [key, value] : args.entries()) {
    const std::string& k = key.scalar();
    if (k == "config") {
      for (const auto& [ck, cv] : ConfigMap(&value, errors)) test.config.Set(ck, cv);
    } else if (k == "arguments" && value.is_map()) {
      for (const auto& [ak, av] : value.entries()) test.arguments.Set(ak.scalar(), ToTemplateValue(av));
    } else if (k == "name" || k == "test_name") {
      test.config.Set(k == "name" ? "name" : "test_name", ToTemplateValue(value));
    } else if (Contains(kTestConfigs, k)) {
      test.config.Set(k, ToTemplateValue(value));
    } else {
      test.arguments.Set(k, ToTemplateValue(value));
    }
  }
  return test;
}

std::vector<DbtTestUse> ReadTests(const ConfigNode& owner, std::optional<std::string> column,
                                  std::vector<Status>& errors) {
  std::vector<DbtTestUse> out;
  for (const char* key : {"tests", "data_tests"}) {
    const ConfigNode* list = owner.Find(key);
    if (list == nullptr || list->is_null()) continue;
    if (!list->is_sequence()) {
      errors.push_back(UserError("wrong-type", "'" + std::string(key) + "' must be a list", list->where()));
      continue;
    }
    for (const ConfigNode& item : list->items()) out.push_back(ReadTestUse(item, column, errors));
  }
  return out;
}

std::vector<DbtColumn> ReadColumns(const ConfigNode& owner, std::vector<Status>& errors) {
  std::vector<DbtColumn> out;
  const ConfigNode* list = owner.Find("columns");
  if (list == nullptr || list->is_null()) return out;
  if (!list->is_sequence()) {
    errors.push_back(UserError("wrong-type", "'columns' must be a list", list->where()));
    return out;
  }
  for (const ConfigNode& entry : list->items()) {
    const ConfigNode* name = entry.Find("name");
    if (!entry.is_map() || name == nullptr) {
      errors.push_back(UserError("missing-key", "a column needs a 'name'", entry.where()));
      continue;
    }
    DbtColumn column;
    column.name = name->scalar();
    column.description = Text(entry.Find("description"));
    column.data_type = Text(entry.Find("data_type"));
    if (const ConfigNode* meta = entry.Find("meta"); meta != nullptr && meta->is_map()) {
      column.meta = ToTemplateValue(*meta).AsMap();
    }
    column.tests = ReadTests(entry, column.name, errors);
    out.push_back(std::move(column));
  }
  return out;
}

// Top-level `tags:` and `meta:` of an entry are config too (older dbt).
TemplateMap EntryConfig(const ConfigNode& entry, std::vector<Status>& errors) {
  TemplateMap config = ConfigMap(entry.Find("config"), errors);
  for (const char* key : {"tags", "meta", "docs"}) {
    if (const ConfigNode* value = entry.Find(key); value != nullptr && config.Find(key) == nullptr) {
      config.Set(key, ToTemplateValue(*value));
    }
  }
  return config;
}

void ReadPatches(const ConfigNode& list, const std::string& kind, const DbtFile& file, DbtProject& project,
                 std::vector<Status>& errors) {
  for (const ConfigNode& entry : list.items()) {
    const ConfigNode* name = entry.Find("name");
    if (!entry.is_map() || name == nullptr) {
      errors.push_back(UserError("missing-key", "each entry of '" + kind + "' needs a 'name'", entry.where()));
      continue;
    }
    DbtPatch patch;
    patch.name = name->scalar();
    patch.kind = kind;
    patch.description = Text(entry.Find("description"));
    patch.config = EntryConfig(entry, errors);
    patch.columns = ReadColumns(entry, errors);
    patch.tests = ReadTests(entry, std::nullopt, errors);
    patch.file = file.relative_path;
    patch.where = entry.where();
    if (const ConfigNode* config = entry.Find("config"); config != nullptr && config->is_map()) {
      for (const auto& [key, value] : config->entries()) patch.config_where[ConfigKey(key.scalar())] = value.where();
    }
    if (const ConfigNode* relation = entry.Find("relation"); relation != nullptr && kind == "snapshots") {
      if (!relation->is_scalar() || relation->scalar().empty()) {
        errors.push_back(UserError("snapshot-config", "a snapshot's 'relation' is ref('name') or source('source', "
                                                      "'table')", relation->where()));
      }
      patch.relation = Text(relation);
      patch.relation_where = relation->where();
    }
    project.patches.push_back(std::move(patch));
  }
}

void ReadSources(const ConfigNode& list, const DbtFile& file, DbtProject& project, std::vector<Status>& errors) {
  for (const ConfigNode& entry : list.items()) {
    const ConfigNode* name = entry.Find("name");
    if (!entry.is_map() || name == nullptr) {
      errors.push_back(UserError("missing-key", "each source needs a 'name'", entry.where()));
      continue;
    }
    DbtSource source;
    source.name = name->scalar();
    source.schema = Text(entry.Find("schema"));
    if (source.schema.empty()) source.schema = source.name;
    source.database = Text(entry.Find("database"));
    source.description = Text(entry.Find("description"));
    source.config = EntryConfig(entry, errors);
    source.file = file.relative_path;
    source.where = entry.where();
    const ConfigNode* tables = entry.Find("tables");
    for (const ConfigNode& t : tables != nullptr && tables->is_sequence() ? tables->items()
                                                                           : std::vector<ConfigNode>{}) {
      const ConfigNode* table_name = t.Find("name");
      if (!t.is_map() || table_name == nullptr) {
        errors.push_back(UserError("missing-key", "each table of source '" + source.name + "' needs a 'name'",
                                   t.where()));
        continue;
      }
      DbtSourceTable table;
      table.name = table_name->scalar();
      table.identifier = Text(t.Find("identifier"));
      if (table.identifier.empty()) table.identifier = table.name;
      table.description = Text(t.Find("description"));
      table.config = EntryConfig(t, errors);
      table.columns = ReadColumns(t, errors);
      table.tests = ReadTests(t, std::nullopt, errors);
      table.where = t.where();
      source.tables.push_back(std::move(table));
    }
    project.sources.push_back(std::move(source));
  }
}

void ReadOthers(const ConfigNode& list, const std::string& kind, const DbtFile& file, DbtProject& project) {
  for (const ConfigNode& entry : list.items()) {
    DbtOtherResource other;
    other.kind = kind;
    other.name = Text(entry.Find("name"));
    other.node = entry;
    other.file = file.relative_path;
    project.others.push_back(std::move(other));
  }
}

}  // namespace

void ReadSchemaFile(const DbtFile& file, DbtProject& project, std::vector<Status>& errors) {
  YamlDocument doc = ParseYaml(file.text, file.relative_path);
  for (Status& e : doc.errors) errors.push_back(std::move(e));
  if (doc.root.is_null()) return;
  if (!doc.root.is_map()) {
    errors.push_back(UserError("bad-schema-file", "a schema file must be a mapping (version: 2, models: ...)",
                               doc.root.where()));
    return;
  }
  for (const auto& [key_node, value] : doc.root.entries()) {
    const std::string& key = key_node.scalar();
    if (!Contains(kSchemaKeys, key)) {
      errors.push_back(UserError("unknown-key", "a schema file has no key '" + key + "'" +
                                                    DidYouMean(key, kSchemaKeys), key_node.where()));
      continue;
    }
    if (key == "version" || value.is_null()) continue;
    if (!value.is_sequence()) {
      errors.push_back(UserError("wrong-type", "'" + key + "' must be a list", value.where()));
      continue;
    }
    if (key == "sources") {
      ReadSources(value, file, project, errors);
    } else if (Contains(kOtherResources, key)) {
      ReadOthers(value, key, file, project);
    } else {
      ReadPatches(value, key, file, project, errors);
    }
  }
}

DbtConfigTree ReadConfigTree(const ConfigNode& node, const TemplateContext& context, std::vector<Status>& errors) {
  DbtConfigTree tree;
  if (node.is_null()) return tree;
  if (!node.is_map()) {
    errors.push_back(UserError("wrong-type", "must be a mapping of configs (+materialized: view) and folders",
                               node.where()));
    return tree;
  }
  for (const auto& [key_node, value] : node.entries()) {
    std::string key = key_node.scalar();
    bool plus = !key.empty() && key[0] == '+';
    if (plus) key = key.substr(1);
    key = ConfigKey(key);
    if (!plus && value.is_map() && !Contains(kMappingConfigs, key)) {
      tree.children[key] = ReadConfigTree(value, context, errors);
      continue;
    }
    // Hooks are rendered when they run, with the node's context.
    tree.config.Set(key, IsHook(key) ? ToTemplateValue(value) : RenderYamlValue(value, context, errors));
  }
  return tree;
}

}  // namespace weir::models_internal
