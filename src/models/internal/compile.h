// Compile: a node's Jinja rendered in execute mode into the SQL that runs,
// with refs resolved to relations and ephemeral models inlined as CTEs
// (dbt's __dbt__cte__name), and generic tests turned into their query.
#pragma once

#include <functional>
#include <string>

#include "connectors/connectors.h"
#include "models/models.h"

namespace weir::models_internal {

struct CompileInputs {
  const DbtProject* project = nullptr;
  const ModelGraph* graph = nullptr;
  const Environment* env = nullptr;
  bool full_refresh = false;
  // Whether the relation exists as a table now (for is_incremental()).
  std::function<bool(const RelationName&)> is_table;
  // Runs SQL on the target, for run_query() and statement blocks.
  std::function<Result<QueryRows>(const std::string& sql)> query;
  // The rest of the execute context (dbt_context.h says what each is).
  std::function<Result<QueryRows>(const std::string& sql, const std::vector<std::string>& parameters)>
      query_with_parameters;
  std::function<void(const std::string& line)> log;
  std::function<TimePoint()> now;
  TemplateMap extra_names;
};

// The SQL of a model, singular test or generic test, as dbt compiles it
// (a test's query returns its failing rows). Thread-safe.
Result<std::string> CompileNode(const CompileInputs& inputs, int node);

// `text` (a hook) rendered with the node's execute-mode context. For an
// operation node (on-run-start / on-run-end), ref() and source() find any
// node of the graph, as dbt's operations may.
Result<std::string> RenderForNode(const CompileInputs& inputs, int node, const std::string& text);

// dbt's wrapper that counts a test's failing rows and applies its
// warn_if / error_if: one row (failures, should_warn, should_error).
std::string TestCountQuery(const ModelNode& test, const std::string& compiled_sql);

}  // namespace weir::models_internal
