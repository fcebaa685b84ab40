// The names a model's Jinja sees (dbt's context): ref, source, config (a
// call, config.get, config.require), var, env_var, this, target,
// is_incremental, execute, adapter, log, exceptions, modules.datetime,
// run_query, statement / load_result, zip, fromjson, doc.
// Parse mode (execute false) records refs, sources and config() calls;
// compile mode resolves them to relations of the parsed graph.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "connectors/connectors.h"
#include "models/models.h"
#include "template/template.h"

namespace weir::models_internal {

// What a node's SQL asked for while it was rendered in parse mode.
struct NodeCalls {
  struct Ref {
    std::string package;  // "" unless ref('pkg', 'name')
    std::string name;
  };
  std::vector<Ref> refs;
  std::vector<std::pair<std::string, std::string>> sources;  // (source, table)
  TemplateMap config;                                         // config(...) calls, merged in call order
};

// Turns a ref or source into the relation it names, or an error that says
// what is missing (reported at the call's location).
struct Resolver {
  std::function<Result<RelationName>(const NodeCalls::Ref&)> ref;
  std::function<Result<RelationName>(const std::string& source, const std::string& table)> source;
  // is_incremental(): the node's relation exists, is a table, the node is
  // incremental and --full-refresh was not given. Always false when parsing.
  std::function<bool()> is_incremental;
};

struct DbtContextInputs {
  const DbtProject* project = nullptr;
  const Environment* env = nullptr;
  const ModelNode* node = nullptr;
  bool execute = false;
  NodeCalls* calls = nullptr;  // parse mode records here; may be null in compile mode
  Resolver resolver;
  const TemplateMap* macros = nullptr;  // built-in and project macros, by name
  const std::map<std::string, std::string>* docs = nullptr;  // {% docs %} blocks
  // Runs SQL on the target for run_query and statement (execute mode only).
  std::function<Result<QueryRows>(const std::string& sql)> query;
  // Runs SQL with `?` placeholders bound to text values: the catalog
  // look-ups of adapter.get_relation and get_columns_in_relation (execute
  // mode only; null: they find nothing).
  std::function<Result<QueryRows>(const std::string& sql, const std::vector<std::string>& parameters)>
      query_with_parameters;
  // Where execute-mode `log(msg, info=True)` lines go, already prefixed with
  // dbt's "HH:MM:SS  " (null: nowhere; parse mode never logs).
  std::function<void(const std::string& line)> log;
  // The time for modules.datetime's now()/today() and log timestamps
  // (null: the system clock).
  std::function<TimePoint()> now;
  // Names added to this render only: on-run-end's results, schemas and
  // database_schemas.
  TemplateMap extra_names;
};

// A context for rendering one node. The inputs must outlive every render.
TemplateContext MakeDbtContext(const DbtContextInputs& inputs);

// The template value of a relation: prints as its quoted name; database,
// schema, identifier (and name, table), type ("table", "view" or none when
// not looked up), is_table, is_view and render() as attributes.
TemplateValue RelationValue(const RelationName& relation, std::optional<std::string> type = std::nullopt);

// dbt's `adapter` (quote, dispatch, get_relation, get_columns_in_relation)
// and the context's load_relation / load_cached_relation
// (dbt_adapter.cc). Catalog look-ups run only in execute mode; while
// parsing they find nothing, as dbt's do.
TemplateValue AdapterValue(const DbtContextInputs& in);
TemplateFunction LoadRelationFunction(const DbtContextInputs& in);

// "HH:MM:SS  message", dbt's prefix of a log line, in local time.
std::string LogLine(TimePoint now, std::string_view message);

// The macros every node sees: Weir's built-in ones (generate_schema_name,
// ...), then the project's macro files (which override them), and the
// project's {% docs %} blocks. Errors go to `errors`.
void LoadMacros(const DbtProject& project, TemplateMap& macros, std::map<std::string, std::string>& docs,
                std::vector<Status>& errors);

// A query's rows as dbt's agate table: rows (lists), columns (name, values()),
// column_names.
TemplateValue TableValue(const QueryRows& rows);

}  // namespace weir::models_internal
