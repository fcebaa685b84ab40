// What the data task kinds share: file formats, atomic writes of query
// results to (local) lake files, the warehouse connection, and the rejects
// table. All warehouse access goes through DuckDbConnector.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "connectors/connectors.h"
#include "tasks/tasks.h"

namespace weir::tasks_internal {

enum class FileFormat { kParquet, kCsv, kNdjson, kJson };

// The format a lake path's extension names; UserError "bad-file-format".
Result<FileFormat> FormatOf(const std::string& path, const SourceLocation& where);
// Lake files are written and read through the lake (lake.h: OpenLake),
// a local folder or an S3 bucket: the paths below are local files.
// SQL that reads a file as a table: read_parquet('...') and the like.
std::string ReadFileSql(const std::string& absolute_path, FileFormat format);

// Writes `select_sql`'s rows to `absolute_path` through a temporary file and
// a rename, so a reader never sees half a file and a retry just replaces it.
// Returns the number of rows written.
Result<int64_t> WriteQueryToFile(DuckDbConnection& db, const std::string& select_sql,
                                 const std::string& absolute_path, FileFormat format, const TaskContext& context);

// The warehouse's DuckDB file (weir.yml `warehouse:`), absolute.
Result<std::string> WarehousePath(const TaskContext& context);
// A connection to the project's warehouse (weir.yml `warehouse:`; DuckDB).
Result<std::unique_ptr<DuckDbConnection>> ConnectWarehouse(const TaskContext& context, const TaskServices& services);
// The weir.yml `connections:` entry `name` (UserError "unknown-connection"
// at `where`), and its `type:` ("" when it has none).
Result<const ConfigNode*> FindConnection(const TaskContext& context, const std::string& name,
                                         const SourceLocation& where);
std::string ConnectionType(const ConfigNode& connection);
// A `type: postgres` connection's settings, each value rendered with
// `names` (so that a password can be "{{ secret('pg') }}"). UserError
// "bad-value" at a port that is not a number.
Result<PostgresParams> PostgresParamsOf(const ConfigNode& connection, const std::string& name,
                                        const TemplateContext& names);
// The file of the DuckDB connection `name` of weir.yml `connections:`
// (the extract task's source, a sql sensor's `connection:`). UserError
// "unknown-connection" (at `where`), "connection-not-available" for
// another type, "missing-key" without `path`.
Result<std::string> DuckDbSourcePath(const TaskContext& context, const std::string& name, const SourceLocation& where);
// A private in-memory DuckDB for compute that touches only lake files.
Result<std::unique_ptr<DuckDbConnection>> ConnectCompute(const TaskContext& context);

// Rejected rows: `rows_sql` on `db` yields (reason VARCHAR, source VARCHAR,
// row_json VARCHAR). They replace this task's rejects for this interval in
// the warehouse table `table` (DESIGN.md's shape), in one transaction.
// Returns the count per reason.
Result<std::map<std::string, int64_t>> WriteRejects(DuckDbConnection& db, const std::string& rows_sql,
                                                    const std::string& table, const TaskContext& context,
                                                    const TaskServices& services);

// The rendered text of a string parameter (see RenderParam), or of a file
// when the value is a path ending in ".sql" (read from the project root).
Result<std::string> RenderSqlParam(const TaskDef& task, const std::string& key, const TemplateContext& names,
                                   const TaskContext& context, const TaskServices& services, std::string* shown);

// `skip_if:` (sql and check tasks): a query on the warehouse whose first
// cell, when true, skips the task (Airflow's ShortCircuit). Ok when the task
// should run, a SkipTask status when it should not.
Status SkipIf(const TaskContext& context, const TemplateContext& names, const TaskServices& services);

// {"a": 1} style JSON from simple values, for task outputs.
std::string JsonObject(const std::map<std::string, std::string>& raw_values);
std::string JsonString(std::string_view text);

}  // namespace weir::tasks_internal
