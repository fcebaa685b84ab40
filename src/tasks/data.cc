#include <algorithm>
#include <atomic>
#include <filesystem>
#include <unistd.h>

#include "common/text.h"
#include "tasks/internal/data.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace fs = std::filesystem;

Result<FileFormat> FormatOf(const std::string& path, const SourceLocation& where) {
  std::string ext = fs::path(path).extension().string();
  if (ext == ".parquet") return FileFormat::kParquet;
  if (ext == ".csv") return FileFormat::kCsv;
  if (ext == ".ndjson" || ext == ".jsonl") return FileFormat::kNdjson;
  if (ext == ".json") return FileFormat::kJson;
  return UserError("bad-file-format", "cannot tell the format of '" + path +
                                          "': use a .parquet, .csv, .ndjson or .json extension", where);
}

// hive_partitioning off: lake paths such as raw/sales/ds=2024-01-01/x.parquet
// would otherwise grow a `ds` column the file does not have.
std::string ReadFileSql(const std::string& path, FileFormat format) {
  switch (format) {
    case FileFormat::kParquet: return "read_parquet(" + SqlString(path) + ", hive_partitioning = false)";
    case FileFormat::kCsv: return "read_csv(" + SqlString(path) + ", header = true, hive_partitioning = false)";
    case FileFormat::kNdjson:
      return "read_json(" + SqlString(path) + ", format = 'newline_delimited', hive_partitioning = false)";
    case FileFormat::kJson: return "read_json(" + SqlString(path) + ", hive_partitioning = false)";
  }
  return "";
}

namespace {
std::string CopyOptions(FileFormat format) {
  switch (format) {
    case FileFormat::kParquet: return "(FORMAT parquet, COMPRESSION zstd)";
    case FileFormat::kCsv: return "(FORMAT csv, HEADER true)";
    case FileFormat::kNdjson: return "(FORMAT json)";
    case FileFormat::kJson: return "(FORMAT json, ARRAY true)";
  }
  return "";
}
}  // namespace

Result<int64_t> WriteQueryToFile(DuckDbConnection& db, const std::string& select_sql, const std::string& path,
                                 FileFormat format, const TaskContext& context) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Fault("lake-write", "cannot create folder for '" + path + "': " + ec.message());
  std::string tmp = path + ".weir-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(context.attempt);
  Status copied = db.ExecuteUntil("COPY (" + select_sql + ") TO " + SqlString(tmp) + " " + CopyOptions(format),
                                  context.cancel, context.deadline);
  if (!copied.ok()) {
    fs::remove(tmp, ec);  // DuckDB leaves what a failed COPY had written
    return copied;
  }
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Fault("lake-write", "cannot move the written file into place at '" + path + "'");
  }
  WEIR_ASSIGN_OR_RETURN(auto count, db.QueryValue("SELECT count(*) FROM " + ReadFileSql(path, format)));
  return count ? std::stoll(*count) : 0;
}

Result<std::string> WarehousePath(const TaskContext& context) {
  const ConfigNode& warehouse = context.project.warehouse;
  std::string type = "duckdb";
  std::string path = "warehouse.duckdb";
  if (warehouse.is_map()) {
    if (const ConfigNode* t = warehouse.Find("type"); t != nullptr && t->is_scalar()) type = t->scalar();
    if (const ConfigNode* p = warehouse.Find("path"); p != nullptr && p->is_scalar()) path = p->scalar();
  }
  if (type != "duckdb") {
    return UserError("warehouse-not-available", "warehouse type '" + type + "' is not available yet in this build "
                                                "of weir (duckdb is)", warehouse.where());
  }
  return context.project.Resolve(path);
}

Result<std::unique_ptr<DuckDbConnection>> ConnectWarehouse(const TaskContext& context, const TaskServices& services) {
  WEIR_ASSIGN_OR_RETURN(std::string path, WarehousePath(context));
  return services.duckdb.Connect(path);
}

Result<const ConfigNode*> FindConnection(const TaskContext& context, const std::string& name,
                                         const SourceLocation& where) {
  auto it = context.project.connections.find(name);
  if (it == context.project.connections.end()) {
    std::vector<std::string> known;
    for (const auto& [k, v] : context.project.connections) known.push_back(k);
    return UserError("unknown-connection", "no connection named '" + name + "' in weir.yml" + DidYouMean(name, known),
                     where);
  }
  return &it->second;
}

std::string ConnectionType(const ConfigNode& connection) {
  const ConfigNode* type = connection.is_map() ? connection.Find("type") : nullptr;
  return type != nullptr && type->is_scalar() ? type->scalar() : "";
}

Result<std::string> DuckDbSourcePath(const TaskContext& context, const std::string& name, const SourceLocation& where) {
  WEIR_ASSIGN_OR_RETURN(const ConfigNode* conn, FindConnection(context, name, where));
  const ConfigNode* path = conn->is_map() ? conn->Find("path") : nullptr;
  if (ConnectionType(*conn) != "duckdb") {
    return UserError("connection-not-available",
                     "connection '" + name + "' is of type '" + ConnectionType(*conn) +
                         "'; this reads duckdb connections", conn->where());
  }
  if (path == nullptr || !path->is_scalar()) {
    return UserError("missing-key", "connection '" + name + "' needs 'path'", conn->where());
  }
  return context.project.Resolve(path->scalar());
}

Result<PostgresParams> PostgresParamsOf(const ConfigNode& connection, const std::string& name,
                                        const TemplateContext& names) {
  PostgresParams params;  // weir validate has checked the keys
  for (const auto& [key_node, value] : connection.entries()) {
    const std::string& key = key_node.scalar();
    if (key == "type") continue;
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, "'" + key + "' of connection '" + name + "'", names));
    if (key == "host") params.host = text.text;
    if (key == "user") params.user = text.text;
    if (key == "dbname") params.dbname = text.text;
    if (key == "password") params.password = text.text;
    if (key == "sslmode") params.sslmode = text.text;
    if (key == "port" || key == "connect_timeout") {
      bool digits = !text.text.empty() && text.text.size() <= 5 &&
                    std::all_of(text.text.begin(), text.text.end(), [](char c) { return c >= '0' && c <= '9'; });
      int number = digits ? std::stoi(text.text) : 0;
      if (number <= 0 || number > 65535) {
        return UserError("bad-value", "connection '" + name + "': '" + key + "' must be a positive whole number, got '" +
                                          text.shown + "'", value.where());
      }
      (key == "port" ? params.port : params.connect_timeout_seconds) = number;
    }
  }
  return params;
}

Result<std::unique_ptr<DuckDbConnection>> ConnectCompute(const TaskContext& context) {
  WEIR_ASSIGN_OR_RETURN(auto db, DuckDbConnection::Open(":memory:"));
  // Let big transforms spill instead of failing when memory runs short.
  std::string spill = context.project.Resolve(".weir/tmp");
  std::error_code ec;
  fs::create_directories(spill, ec);
  WEIR_TRY(db->Execute("SET temp_directory = " + SqlString(spill)));
  return db;
}

Result<std::map<std::string, int64_t>> WriteRejects(DuckDbConnection& db, const std::string& rows_sql,
                                                    const std::string& table, const TaskContext& context,
                                                    const TaskServices& services) {
  // Staged through a file: the compute database and the warehouse are
  // separate DuckDB instances, and only the warehouse's own may write it.
  static std::atomic<int> counter{0};
  std::string staged = context.project.Resolve(".weir/tmp/rejects-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(counter++) + ".parquet");
  WEIR_ASSIGN_OR_RETURN(int64_t staged_rows, WriteQueryToFile(db, rows_sql, staged, FileFormat::kParquet, context));
  std::map<std::string, int64_t> counts;
  WEIR_ASSIGN_OR_RETURN(auto per_reason, db.Query("SELECT reason, count(*) FROM read_parquet(" + SqlString(staged) +
                                                  ") GROUP BY reason ORDER BY reason"));
  for (const auto& row : per_reason.rows) counts[row[0].value_or("")] = std::stoll(row[1].value_or("0"));
  WEIR_ASSIGN_OR_RETURN(auto warehouse, ConnectWarehouse(context, services));
  std::string name = SqlQualifiedName(table);
  size_t dot = table.find('.');
  std::string create_schema =
      dot == std::string::npos ? "" : "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier(table.substr(0, dot)) + "; ";
  std::string sql =
      "BEGIN; " + create_schema + "CREATE TABLE IF NOT EXISTS " + name +
      " (run_id BIGINT, pipeline VARCHAR, task VARCHAR, ds VARCHAR, interval_start VARCHAR, reason VARCHAR, "
      "source VARCHAR, row_json VARCHAR, rejected_at TIMESTAMP); "
      "DELETE FROM " + name + " WHERE pipeline = " + SqlString(context.pipeline.name) + " AND task = " +
      SqlString(context.task.id) + " AND ds = " + SqlString(context.interval.ds) + "; " +
      "INSERT INTO " + name + " SELECT " + std::to_string(context.run.id.value) + ", " +
      SqlString(context.pipeline.name) + ", " + SqlString(context.task.id) + ", " + SqlString(context.interval.ds) +
      ", " + SqlString(context.interval.start_iso) + ", reason, source, row_json, now()::TIMESTAMP FROM read_parquet(" +
      SqlString(staged) + "); COMMIT;";
  WEIR_ASSIGN_OR_RETURN(auto writing, warehouse->LockForWrite(context.cancel, context.deadline));
  Status written = warehouse->ExecuteUntil(sql, context.cancel, context.deadline);
  if (!written.ok()) {
    warehouse->Execute("ROLLBACK").IgnoreError();
    return written;
  }
  std::error_code ec;
  fs::remove(staged, ec);
  (void)staged_rows;
  return counts;
}

Result<std::string> RenderSqlParam(const TaskDef& task, const std::string& key, const TemplateContext& names,
                                   const TaskContext& context, const TaskServices& services, std::string* shown) {
  const ConfigNode* node = task.param(key);
  if (node == nullptr) return UserError("missing-key", "task '" + task.id + "' needs the key '" + key + "'", task.where);
  WEIR_ASSIGN_OR_RETURN(std::string value, node->AsString("'" + key + "'"));
  bool is_file = value.size() > 4 && value.compare(value.size() - 4, 4, ".sql") == 0 &&
                 value.find('\n') == std::string::npos && value.find(' ') == std::string::npos;
  if (!is_file) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderParam(task, key, names));
    if (shown != nullptr) *shown = text.shown;
    return text.text;
  }
  std::string path = context.project.Resolve(value);
  WEIR_ASSIGN_OR_RETURN(std::string text, services.files.ReadFile(path));
  if (!HasTemplateSyntax(text)) {
    if (shown != nullptr) *shown = text;
    return text;
  }
  WEIR_ASSIGN_OR_RETURN(Template tmpl, ParseTemplate(text, SourceLocation{value, 1, 1}));
  if (shown != nullptr) {
    WEIR_ASSIGN_OR_RETURN(*shown, tmpl.RenderRedacted(names));
  }
  return tmpl.Render(names);
}

Status SkipIf(const TaskContext& context, const TemplateContext& names, const TaskServices& services) {
  if (context.task.param("skip_if") == nullptr) return OkStatus();
  WEIR_ASSIGN_OR_RETURN(RenderedText query, RenderParam(context.task, "skip_if", names));
  WEIR_ASSIGN_OR_RETURN(auto db, ConnectWarehouse(context, services));
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> value, db->QueryValue(query.text));
  bool skip = value && (*value == "true" || *value == "1");
  if (!skip) return OkStatus();
  return SkipTask("skip_if was true: " + query.shown);
}

std::string JsonString(std::string_view text) { return JsonQuote(text); }

std::string JsonObject(const std::map<std::string, std::string>& raw_values) {
  std::string out = "{";
  for (const auto& [key, raw] : raw_values) {
    if (out.size() > 1) out += ", ";
    out += JsonString(key) + ": " + raw;
  }
  return out + "}";
}

}  // namespace weir::tasks_internal

namespace weir {

Result<PostgresParams> PostgresConnectionParams(const ProjectDef& project, const std::string& name,
                                                const TaskServices& services) {
  auto it = project.connections.find(name);
  if (it == project.connections.end() || tasks_internal::ConnectionType(it->second) != "postgres") {
    return UserError("unknown-connection", "no postgres connection named '" + name + "' in weir.yml");
  }
  TemplateContext names = MakeProjectTemplateContext(project, services);
  return tasks_internal::PostgresParamsOf(it->second, name, names);
}

Result<KafkaSettings> KafkaConnectionSettings(const ProjectDef& project, const std::string& name,
                                              const TaskServices& services) {
  auto it = project.connections.find(name);
  if (it == project.connections.end() || tasks_internal::ConnectionType(it->second) != "kafka") {
    return UserError("unknown-connection", "no kafka connection named '" + name + "' in weir.yml");
  }
  using tasks_internal::RenderedText;
  using tasks_internal::RenderNode;
  TemplateContext names = MakeProjectTemplateContext(project, services);
  KafkaSettings settings;  // weir validate has checked the keys
  if (const ConfigNode* brokers = it->second.Find("brokers")) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(*brokers, "'brokers' of connection '" + name + "'", names));
    settings.brokers = text.text;
  }
  if (const ConfigNode* properties = it->second.Find("properties"); properties != nullptr && properties->is_map()) {
    for (const auto& [key, value] : properties->entries()) {
      std::string what = "kafka property '" + key.scalar() + "' of connection '" + name + "'";
      WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, what, names));
      settings.properties.emplace_back(key.scalar(), text.text);
    }
  }
  return settings;
}

}  // namespace weir
