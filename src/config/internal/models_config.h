// weir.yml's `models:` and `seeds:` trees and the `models` task's keys,
// checked when the project loads (docs/models.md, "Models in a Weir
// project"; docs/tasks.md, "models").
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace weir::config_internal {

// A dbt_project.yml-style config tree: `+key` (or a key whose value is not
// a mapping) is a config and must be one dbt knows (an "unknown-key" error
// with did-you-mean otherwise); any other key is a folder or node name and
// holds a tree itself. `key` is "models" or "seeds", for messages.
void CheckModelConfigTree(const ConfigNode& tree, const std::string& key, std::vector<Status>& errors);

// The `models` task's keys: `select`/`exclude` (a string or a list),
// `command` (build, run, test or seed), `full_refresh` and `fail_fast`
// (booleans), `threads` (at least 1), `vars` (a mapping). `node` is the
// task's mapping.
void CheckModelsTask(const ConfigNode& node, const TaskDef& task, std::vector<Status>& errors);

}  // namespace weir::config_internal
