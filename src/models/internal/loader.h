// The pieces of LoadDbtProject (project_loader.cc), one file each, which
// LoadWeirModels (weir_project.cc) shares.
#pragma once

#include <string>
#include <vector>

#include "models/models.h"
#include "template/template.h"

namespace weir::models_internal {

// profiles.yml found as dbt finds it, its profile and target chosen, values
// rendered with env_var(); the DuckDB fields read.
Result<DbtTarget> LoadTarget(const DbtProjectOptions& options, const std::string& profile_name, const Filesystem& fs,
                             const Environment& env, std::vector<Status>& errors);

// One schema file (`version: 2` with models:, sources:, seeds: ...) into
// the project's patches, sources and other resources.
void ReadSchemaFile(const DbtFile& file, DbtProject& project, std::vector<Status>& errors);

// dbt_project.yml's `models:`-style tree.
DbtConfigTree ReadConfigTree(const ConfigNode& node, const TemplateContext& context, std::vector<Status>& errors);

// Every resource file under the project's paths (model, seed, macro, test,
// snapshot and analysis folders; schema files; docs blocks), read into
// `project`. Shared by dbt projects and Weir projects' models.
void ReadResources(const Filesystem& fs, DbtProject& project, std::vector<Status>& errors);

// "a/b" joined with "c" -> "a/b/c" ("." and "" are no folder).
std::string JoinPath(const std::string& dir, const std::string& name);

}  // namespace weir::models_internal
