// What the load task's two destinations share: the DuckDB warehouse
// (load_task.cc) and a Postgres connection (postgres_load.cc).
#pragma once

#include <string>
#include <vector>

#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"

namespace weir::tasks_internal {

// The column list under `key` (`keys`, `partition_by`); UserError
// "missing-key" when the mode needs it and it is not there.
Result<std::vector<std::string>> LoadColumns(const TaskContext& context, const std::string& key);

// For `mode: merge`: the user error "merge-keys-not-unique" with up to 5
// examples when `source` (a DuckDB table expression) has a key twice or a
// NULL key.
Status CheckMergeKeysUnique(DuckDbConnection& db, const TaskContext& context, const std::string& source);

// `on_schema_change`: fail (the default), ignore, append_new_columns or
// evolve (new columns added, narrower column types widened).
Result<std::string> OnSchemaChangePolicy(const TaskContext& context, const TemplateContext& names);

// One attempt of a load into the Postgres connection `connection`.
struct PostgresLoad {
  const TaskContext& context;
  const ConfigNode& connection;
  const std::string& connection_name;
  const TemplateContext& names;
  const std::string& source;  // the lake file as DuckDB reads it: read_parquet('...')
  const std::string& table;   // "schema.table" or "table"
  const std::string& mode;    // append, replace_partition or merge
  AttemptLog& log;
};

// Loads the file into the table in one transaction; the task's output JSON.
Result<std::string> LoadIntoPostgres(const PostgresLoad& load);

}  // namespace weir::tasks_internal
