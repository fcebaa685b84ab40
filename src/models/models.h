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
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/files.h"
#include "common/status.h"
#include "config/config.h"
#include "config/config_node.h"
#include "template/value.h"

namespace weir {

class TemplateContext;  // template/template.h
class DuckDbConnector;  // connectors/connectors.h
class CancelToken;      // common/cancel.h

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
  std::string path;        // the DuckDB file; a relative path is joined to the project folder
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
  // A snapshot defined in YAML (dbt 1.9): `relation: ref('orders')` or
  // `source('raw', 'orders')`, as written; empty for a plain patch.
  std::string relation;
  SourceLocation relation_where;
  std::map<std::string, SourceLocation> config_where;  // where each key of `config:` is written (its value)
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

// Where a node lives in the warehouse: "database"."schema"."identifier".
struct RelationName {
  std::string database;
  std::string schema;
  std::string identifier;
  bool cte = false;            // an ephemeral model's CTE: printed bare, as dbt does (__dbt__cte__name)
  std::string Quoted() const;  // "shop"."main"."stg_sales", each part quoted and escaped
};

// kOperation: an on-run-start / on-run-end hook of dbt_project.yml, as dbt's
// manifest has them (operation.<project>.<project>-on-run-start-0); never
// selected, run by BuildModels before the first node and after the last.
enum class ModelNodeKind { kModel, kSeed, kTest, kSource, kSnapshot, kAnalysis, kOperation };
std::string_view ModelNodeKindName(ModelNodeKind kind);  // "model", "seed", ... (dbt's resource_type)

// A generic test's use on one model, seed or source table.
struct GenericTest {
  std::string test_name;       // "not_null", "accepted_values"
  std::string test_namespace;  // "" or the package of `pkg.custom`
  TemplateMap kwargs;          // the arguments, plus column_name when on a column
  int attached_node = -1;      // the model/seed/source it tests
  std::optional<std::string> column;
};

// One node of a parsed dbt project (dbt's manifest node).
struct ModelNode {
  ModelNodeKind kind = ModelNodeKind::kModel;
  std::string unique_id;          // model.shop.stg_sales, source.shop.raw.sales, test.shop.not_null_x_id.1a2b3c4d5e
  std::string name;
  std::string package;
  std::vector<std::string> fqn;   // [shop, staging, stg_sales]
  std::string original_file_path; // from the project root: models/staging/stg_sales.sql
  std::string path;               // from its resource folder: staging/stg_sales.sql
  std::string raw_code;
  // Where raw_code starts in original_file_path: unknown (line 1, column 1
  // of the file) but for a snapshot block's body and a YAML snapshot.
  SourceLocation code_origin;
  TemplateMap config;             // merged: dbt_project.yml < schema file < config() in the SQL
  std::string description;
  std::vector<DbtColumn> columns;
  RelationName relation;          // where it is built (models, seeds) or read (sources)
  std::vector<int> depends_on;    // node indexes: refs and sources, in order of first use, no duplicates
  std::vector<std::string> depends_on_macros;
  std::optional<GenericTest> generic_test;
  std::string source_name;        // sources: the source's name (raw for source('raw', 'sales'))

  // Config reads with dbt's defaults.
  std::string materialized() const;  // "view" for models unless configured; "seed", "test" for those
  bool enabled() const;
  std::vector<std::string> tags() const;
};

// A parsed project: its nodes in a DAG. Nodes are in a stable order (models,
// seeds, snapshots, sources, tests; each by file path then name).
struct ModelGraph {
  std::vector<ModelNode> nodes;
  std::unordered_map<std::string, int> index;  // unique_id -> node
  std::vector<std::vector<int>> children;  // reverse of depends_on
  std::vector<int> order;                  // dependency order (empty when there is a cycle)
  TemplateMap macros;                      // built-in then project macros, by name
  std::map<std::string, std::string> docs; // {% docs name %} blocks
  int Find(std::string_view unique_id) const;  // -1 when absent
};

// True when `dir` holds a dbt_project.yml.
bool IsDbtProject(const Filesystem& fs, const std::string& dir);

// Reads dbt_project.yml, the profile's target and every resource file.
// Errors (with file:line:col) are appended to `errors`; the result holds
// what could be read. Only a missing or unreadable dbt_project.yml or
// profile returns an error status.
Result<DbtProject> LoadDbtProject(const DbtProjectOptions& options, const Filesystem& fs, const Environment& env,
                                  std::vector<Status>& errors);

// --vars as given on the command line (YAML or JSON mapping); UserError
// "bad-vars" for anything else.
Result<TemplateMap> ParseVarsOption(const std::string& yaml);

// Models in a Weir project (docs/models.md, "Models in a Weir project"):
// models/, seeds/, macros/ and tests/ beside pipelines/. True when `dir`
// holds weir.yml and a models/ folder, and no dbt_project.yml.
bool HasWeirModels(const Filesystem& fs, const std::string& dir);

// The Weir project's models as a dbt project: named as the project, weir.yml's
// `models:` and `seeds:` as dbt_project.yml's trees (their folders counted
// from models/ and seeds/), weir.yml's `vars:` and then `vars` (a models
// task's, or --vars) as its vars, and the warehouse (DuckDB, schema main,
// `threads:` of the warehouse or 4) as its target. Resource files are found
// as LoadDbtProject finds them; errors are appended to `errors`. Only a
// missing name or a warehouse that is not DuckDB returns an error status.
Result<DbtProject> LoadWeirModels(const ProjectDef& project, const TemplateMap& vars, const Filesystem& fs,
                                  const Environment& env, std::vector<Status>& errors);

// What `weir validate` checks of a Weir project's models: they load and
// parse (with each models task's `vars:` as written), no pipeline has a
// model's name ("pipeline-model-clash"), each models task's `select:` and
// `exclude:` parse (warnings "selector-matches-nothing" for a selector that
// matches nothing), and a models task has a models/ folder to build.
void CheckWeirModels(const ProjectDef& project, const Filesystem& fs, const Environment& env,
                     std::vector<Status>& errors, std::vector<Status>& warnings);

// A models task's `vars:` mapping with every string rendered in `context`
// (`{ds: "{{ ds }}"}`), typed again as YAML types unquoted values.
Result<TemplateMap> RenderModelVars(const ConfigNode& vars, const TemplateContext& context);

// Renders every model, test and snapshot once in dbt's parse mode (execute
// false: ref, source and config() are recorded), then builds the DAG. Every
// error (unknown ref or source, a cycle, a template error) is appended with
// file:line:col; nodes with errors are left out of the graph.
ModelGraph ParseModels(const DbtProject& project, const Environment& env, std::vector<Status>& errors);

// dbt's --select / --exclude over the graph (graph/selection.h has the
// syntax): the selected node indexes, ascending, and dbt's warnings for
// selectors that match nothing.
struct ModelSelection {
  std::vector<int> nodes;
  std::vector<std::string> warnings;
};
Result<ModelSelection> SelectModels(const ModelGraph& graph, const std::vector<std::string>& select,
                                    const std::vector<std::string>& exclude,
                                    const std::string& indirect_selection = "eager");

// What `weir build|run|test|seed|compile|snapshot` does with the selected nodes.
enum class ModelCommand { kBuild, kRun, kTest, kSeed, kCompile, kSnapshot };

struct ModelBuildOptions {
  ModelCommand command = ModelCommand::kBuild;
  std::vector<int> selected;  // node indexes; the command acts on the kinds it handles
  bool full_refresh = false;
  bool fail_fast = false;
  int threads = 0;            // 0: the target's
  // The time modules.datetime's now() and log() lines read (null: the
  // system clock).
  const Clock* clock = nullptr;
  // The process's connector: a models task shares its DuckDB instance with
  // the other tasks (connectors.h). Null: the build opens its own.
  DuckDbConnector* connector = nullptr;
  // Once set, nodes not yet started are skipped ("skipped: cancelled") and
  // the statements running are interrupted. Null: never cancelled.
  const CancelToken* cancel = nullptr;
};

// One node's outcome, in dbt's words: success, error, skipped (models,
// seeds), pass, warn, fail, error, skipped (tests).
struct NodeResult {
  int node = -1;
  std::string status;
  std::string message;       // the adapter's response or the error
  std::optional<int64_t> failures;
  std::optional<int64_t> rows;
  std::string compiled_sql;
  double started_at = 0;     // seconds since the epoch
  double seconds = 0;
};

// Told of each node as it starts and ends (from worker threads, one call
// at a time). `index` counts from 1 over `total` nodes of the run.
class ModelBuildListener {
 public:
  virtual ~ModelBuildListener() = default;
  virtual void NodeStarted(const ModelNode& node, int index, int total) = 0;
  virtual void NodeFinished(const ModelNode& node, const NodeResult& result, int index, int total) = 0;
  // A line of the run's log that is no node's: on-run-start / on-run-end
  // hooks as they run, and `log(msg, info=True)` from a model or hook
  // ("12:00:01  msg"). Default: printed on stdout.
  virtual void Message(const std::string& line);
};

// dbt's log lines for a node, as `weir build` prints them and a models
// task writes them to its log: "1 of 5 START sql view model main.stg_sales
// ....... [RUN]" and "1 of 5 OK created sql view model main.stg_sales ...
// [OK in 0.02s]" (log_lines.cc).
std::string NodeStartedLine(const ModelNode& node, int index, int total);
std::string NodeFinishedLine(const ModelNode& node, const NodeResult& result, int index, int total);

// The nodes a command acts on, among `selected`, in dependency order.
std::vector<int> NodesToRun(const ModelGraph& graph, const ModelBuildOptions& options);

// Builds the selected nodes in the target's DuckDB database on up to
// `threads` threads in dependency order; a node whose upstream failed is
// skipped, and in `build` so is the downstream of a failed test. Writes
// compiled SQL under target/compiled and target/run. Returns every result
// (an error status only when the warehouse cannot be opened).
Result<std::vector<NodeResult>> BuildModels(const DbtProject& project, const ModelGraph& graph,
                                            const Environment& env, Filesystem& fs,
                                            const ModelBuildOptions& options, ModelBuildListener& listener);

// dbt's artifacts under the project's target path: manifest.json (schema
// v12: nodes, sources, parent_map, child_map) and run_results.json (v6),
// so that tools that read dbt's artifacts read ours. `compiled` holds the
// compiled SQL by node index where known.
Status WriteManifest(const DbtProject& project, const ModelGraph& graph, const std::vector<std::string>& compiled,
                     Filesystem& fs);
Status WriteRunResults(const DbtProject& project, const ModelGraph& graph, const std::vector<NodeResult>& results,
                       double elapsed_seconds, const std::string& command, Filesystem& fs);

}  // namespace weir
