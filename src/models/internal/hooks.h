// on-run-start / on-run-end of dbt_project.yml: operation nodes of the
// graph (as dbt's manifest has them), the context on-run-end adds, and
// dbt's log lines for them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "models/models.h"

namespace weir::models_internal {

enum class HookKind { kRunStart, kRunEnd };

// Appends one operation node per hook, named `<project>-on-run-start-<i>`
// (unique_id operation.<project>.<name>), in the project's order; they
// depend on nothing and nothing depends on them.
void AddHookNodes(const DbtProject& project, ModelGraph& graph);

// The operation nodes of one kind, in the order they run.
std::vector<int> HookNodes(const ModelGraph& graph, HookKind kind);

// on-run-end's names: `results` (one object per node result: node with
// name, unique_id, resource_type, ...; status, message, execution_time,
// failures, rows_affected), `schemas` and `database_schemas` (the schemas
// of models, seeds and snapshots built successfully, sorted).
TemplateMap RunEndNames(const ModelGraph& graph, const std::vector<NodeResult>& results);

// dbt's lines around hooks: "Running 2 on-run-start hooks", then
// "1 of 2 START hook: shop.on-run-start.0 .... [RUN]" and
// "1 of 2 OK hook: shop.on-run-start.0 .... [OK in 0.01s]" (ERROR on failure).
std::string HooksHeader(HookKind kind, size_t count);
std::string HookStartedLine(const ModelNode& hook, int index, int total);
std::string HookFinishedLine(const ModelNode& hook, const NodeResult& result, int index, int total);

}  // namespace weir::models_internal
