// dbt's config precedence and the relation a node is built as.
#pragma once

#include <vector>

#include "models/models.h"

namespace weir::models_internal {

// The config dbt_project.yml gives the node at `fqn` ([package, folders...,
// name]): each level along the path, the more specific winning.
TemplateMap ConfigForFqn(const DbtConfigTree& tree, const std::vector<std::string>& fqn);

// Lays `more` over `base` as dbt does: tags and hooks add up (no
// duplicates), meta and other mappings merge key by key, the rest replace.
void MergeConfig(TemplateMap& base, const TemplateMap& more);

// database, schema and identifier from config (database, schema, alias)
// and the target, with dbt's default generate_schema_name: a custom schema
// is appended to the target's ("main_staging").
RelationName RelationFor(const ModelNode& node, const DbtTarget& target);

// Where the node's raw_code starts, for its render's errors: its
// code_origin, else line 1, column 1 of its file.
SourceLocation CodeOrigin(const ModelNode& node);

// "name" with inner quotes doubled: a SQL identifier that keeps its case.
std::string QuoteIdentifier(std::string_view name);

// Fills graph.children and graph.order; a cycle is an error naming it.
void OrderGraph(ModelGraph& graph, std::vector<Status>& errors);

}  // namespace weir::models_internal
