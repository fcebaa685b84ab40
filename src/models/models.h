// Models: dbt-compatible SQL models. A dbt project (dbt_project.yml,
// profiles.yml, models/, seeds/, macros/, tests/, schema.yml files) is
// loaded as dbt loads it, parsed into nodes (models, seeds, tests, sources)
// whose refs make a DAG, compiled with the dbt Jinja context and built in
// the warehouse.
//
//   WEIR_ASSIGN_OR_RETURN(DbtProject project, LoadDbtProject(options, fs, env));
//   ModelGraph graph = ParseModels(project, errors);
//
// Depends on common, config (YAML with locations) and template (Jinja).
// Loading reads every file it can and collects every error at once; a
// project with errors must not be built.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/status.h"
#include "config/config_node.h"
#include "template/value.h"

namespace weir {

// dbt's flags that choose the project, profile and target.
struct DbtProjectOptions {
  std::string project_dir = ".";
  std::optional<std::string> profiles_dir;  // --profiles-dir (else DBT_PROFILES_DIR, the project, ~/.dbt)
  std::optional<std::string> profile;       // --profile (else dbt_project.yml's `profile:`)
  std::optional<std::string> target;        // --target (else the profile's `target:`)
  std::string vars_yaml;                    // --vars '{key: value}' (YAML or JSON)
};

// The chosen output of profiles.yml. Only `type: duckdb` is built here; a
// Postgres target is refused until its adapter lands (issue 8).
struct DbtTarget {
  std::string profile_name;
  std::string name;        // the target's name: `{{ target.name }}`
  std::string type;        // "duckdb"
  std::string path;        // the DuckDB file, as written (relative to the working directory, as dbt-duckdb)
  std::string database;    // the catalog: the file's stem, or "memory"
  std::string schema = "main";
  int threads = 1;
  TemplateMap fields;      // every key as written (rendered), for `{{ target.x }}`; never printed whole
  std::string profiles_file;  // which profiles.yml was read
};

// A folder of a resource kind (`model-paths: [models]`) and the files found.
struct DbtFile {
  std::string path;           // as opened: project_dir joined with the relative path
  std::string relative_path;  // from the project root, '/'-separated: "models/staging/stg_sales.sql"
  std::string resource_path;  // from its resource folder: "staging/stg_sales.sql"
  std::string text;
};

// dbt_project.yml's `models:` / `seeds:` / `tests:` / `snapshots:` trees:
// `+key` (or a key whose value is not a mapping) is config, other keys are
// packages, folders or node names.
struct DbtConfigTree {
  TemplateMap config;                       // this level's own config
  std::map<std::string, DbtConfigTree> children;
};

// One generic test as written in a schema file: `- not_null`,
// `- accepted_values: {values: [a, b]}`, `- relationships: {to: ref('x'), field: id}`.
struct DbtTestUse {
  std::string name;            // "not_null", "accepted_values", "my_pkg.custom"
  TemplateMap arguments;       // kwargs other than config keys (values; Jinja strings kept as strings)
  TemplateMap config;          // severity, where, limit, warn_if, error_if, store_failures, tags, ...
  std::optional<std::string> column;  // for column tests
  SourceLocation where;
};

struct DbtColumn {
  std::string name;
  std::string description;
  std::string data_type;
  std::vector<DbtTestUse> tests;
  TemplateMap meta;
};

// A model/seed/snapshot entry of a schema file (dbt's "patch").
struct DbtPatch {
  std::string name;
  std::string kind;            // "models", "seeds", "snapshots", "analyses"
  std::string description;
  TemplateMap config;
  std::vector<DbtColumn> columns;
  std::vector<DbtTestUse> tests;
  std::string file;            // the schema file (relative path)
  SourceLocation where;
};

struct DbtSourceTable {
  std::string name;
  std::string identifier;      // defaults to name
  std::string description;
  std::vector<DbtColumn> columns;
  std::vector<DbtTestUse> tests;
  TemplateMap config;
  SourceLocation where;
};

struct DbtSource {
  std::string name;
  std::string schema;          // defaults to the source name
  std::string database;        // defaults to the target's
  std::string description;
  TemplateMap config;
  std::vector<DbtSourceTable> tables;
  std::string file;
  SourceLocation where;
};

// Resources dbt defines that Weir keeps but does not act on: exposures,
// metrics, semantic models, saved queries, groups, unit tests (until SQL
// models II), as written.
struct DbtOtherResource {
  std::string kind;            // "exposures", "metrics", ...
  std::string name;
  ConfigNode node;
  std::string file;
};

// Everything read from a dbt project's files, before any SQL is rendered.
struct DbtProject {
  std::string root;            // the project directory
  std::string name;            // dbt_project.yml `name:` (the package of every node)
  std::string version;
  std::string profile_name;
  std::vector<std::string> model_paths{"models"};
  std::vector<std::string> seed_paths{"seeds"};
  std::vector<std::string> macro_paths{"macros"};
  std::vector<std::string> test_paths{"tests"};
  std::vector<std::string> snapshot_paths{"snapshots"};
  std::vector<std::string> analysis_paths{"analyses"};
  std::string target_path = "target";
  TemplateMap vars;            // project vars (package-scoped ones under the package name) then --vars
  TemplateMap cli_vars;        // --vars alone (they win over the project's)
  DbtConfigTree model_config, seed_config, test_config, snapshot_config, source_config;
  std::vector<std::string> on_run_start, on_run_end;
  std::map<std::string, std::vector<std::string>> dispatch;  // macro_namespace -> search_order
  DbtTarget target;

  std::vector<DbtFile> models, seeds, macros, singular_tests, snapshots, analyses;
  std::vector<DbtPatch> patches;
  std::vector<DbtSource> sources;
  std::vector<DbtOtherResource> others;
  std::map<std::string, std::string> docs_files;  // .md files with {% docs %} blocks: path -> text
};

// True when `dir` holds a dbt_project.yml.
bool IsDbtProject(const Filesystem& fs, const std::string& dir);

// Reads dbt_project.yml, the profile's target and every resource file.
// Errors (with file:line:col) are appended to `errors`; the result holds
// what could be read. Only a missing or unreadable dbt_project.yml or
// profile returns an error status.
Result<DbtProject> LoadDbtProject(const DbtProjectOptions& options, const Filesystem& fs, const Environment& env,
                                  std::vector<Status>& errors);

}  // namespace weir
