#include "config/internal/models_config.h"

#include <algorithm>

#include "common/text.h"
#include "config/internal/fields.h"

namespace weir::config_internal {
namespace {

// The configs dbt reads from dbt_project.yml for models and seeds (and
// those dbt-duckdb adds), with hooks written either way.
const std::vector<std::string>& KnownConfigs() {
  static const std::vector<std::string> kConfigs = {
      "enabled", "tags", "pre-hook", "post-hook", "pre_hook", "post_hook", "database", "schema", "alias",
      "materialized", "sql_header", "unique_key", "incremental_strategy", "on_schema_change",
      "incremental_predicates", "merge_update_columns", "merge_exclude_columns", "on_configuration_change",
      "full_refresh", "persist_docs", "meta", "grants", "docs", "group", "access", "quoting", "contract",
      "event_time", "batch_size", "lookback", "begin", "concurrent_batches", "column_types", "delimiter",
      "quote_columns", "labels", "partition_by", "location", "format", "options"};
  return kConfigs;
}

// Configs whose value is a mapping: written without `+`, they are still
// configs, not folders (as models/schema_files.cc reads them).
const std::vector<std::string> kMappingConfigs = {"meta",     "persist_docs", "column_types", "grants", "docs",
                                                  "contract", "quoting",      "labels",       "partition_by"};

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

void CheckModelConfigTree(const ConfigNode& tree, const std::string& key, std::vector<Status>& errors) {
  if (tree.is_null()) return;
  if (!tree.is_map()) {
    errors.push_back(UserError("wrong-type", "'" + key + "' must be a mapping of configs (+materialized: view) and "
                                             "folders, got " + std::string(tree.Describe()), tree.where()));
    return;
  }
  for (const auto& [name_node, value] : tree.entries()) {
    const std::string& written = name_node.scalar();
    bool plus = !written.empty() && written[0] == '+';
    std::string name = plus ? written.substr(1) : written;
    if (!plus && value.is_map() && !Contains(kMappingConfigs, name)) {
      CheckModelConfigTree(value, key, errors);  // a folder or a node
      continue;
    }
    if (Contains(KnownConfigs(), name)) continue;
    std::optional<std::string> match = ClosestMatch(name, KnownConfigs());
    std::string hint = match ? "; did you mean '" + std::string(plus ? "+" : "") + *match + "'?"
                             : " (a folder or model takes a mapping: staging: {+materialized: view})";
    errors.push_back(UserError("unknown-key", "weir.yml '" + key + ":' has no config '" + written + "'" + hint,
                               name_node.where()));
  }
}

void CheckModelsTask(const ConfigNode& node, const TaskDef& task, std::vector<Status>& errors) {
  std::string label = "task '" + task.id + "'";
  // Every key is allowed here: ReadTask has already reported unknown ones.
  std::vector<std::string> present;
  for (const auto& [key, value] : node.entries()) present.push_back(key.scalar());
  MapFields fields(node, label, present, errors);
  fields.StringList("select");
  fields.StringList("exclude");
  fields.Choice("command", {"build", "run", "test", "seed"});
  fields.Bool("full_refresh");
  fields.Bool("fail_fast");
  fields.Int("threads", 1);
  if (const ConfigNode* vars = fields.Get("vars"); vars != nullptr && !vars->is_map() && !vars->is_null()) {
    fields.Add(UserError("wrong-type", "'vars' must be a mapping of names to values ({ds: \"{{ ds }}\"}), got " +
                                           std::string(vars->Describe()), vars->where()));
  }
}

}  // namespace weir::config_internal
