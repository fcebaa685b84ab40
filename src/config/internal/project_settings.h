// weir.yml's `heartbeat:` and `datasets:` (project_settings.cc).
#pragma once

#include <map>

#include <vector>

#include "config/config.h"

namespace weir::config_internal {

// `heartbeat: {interval: 5s, zombie_after: 15s}`; errors are appended.
void ReadHeartbeat(const ConfigNode& node, HeartbeatSettings& heartbeat, std::vector<Status>& errors);

// weir.yml's `connections:`: each a mapping with a known `type` and that
// type's keys (PostgresConnectionKeys for postgres, `path` for duckdb).
void CheckConnections(const std::map<std::string, ConfigNode>& connections, std::vector<Status>& errors);
const std::vector<std::string>& PostgresConnectionKeys();

// weir.yml's `lake:` (`lake`, null when absent) and `lake_options:`
// (`options`, null when absent) into `project`; errors are appended.
void ReadLake(const ConfigNode* lake, const ConfigNode* options, ProjectDef& project, std::vector<Status>& errors);

// `datasets: {NAME: {freshness: 1d, on_stale: ACTIONS}}`; errors are appended.
void ReadDatasets(const ConfigNode& node, ProjectDef& project, std::vector<Status>& errors);

// Once the pipelines are read: each dataset of `datasets:` must be
// produced by some task, and its email actions need `smtp:`.
void CheckDatasetPromises(const ProjectDef& project, std::vector<Status>& errors);

}  // namespace weir::config_internal
