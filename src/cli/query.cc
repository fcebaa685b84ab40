// weir query "SQL" [--format table|csv|json] [--connection NAME]
// Runs SQL on the project's warehouse (or a DuckDB or Postgres connection
// of weir.yml) and prints the rows of the last statement.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "common/text.h"
#include "connectors/connectors.h"
#include "models/models.h"
#include "tasks/tasks.h"

namespace weir::cli {
namespace {

std::string CsvField(const std::optional<std::string>& value) {
  if (!value) return "";
  const std::string& v = *value;
  if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

bool IsNumeric(const std::string& type) {
  return type == "TINYINT" || type == "SMALLINT" || type == "INTEGER" || type == "BIGINT" || type == "HUGEINT" ||
         type == "UTINYINT" || type == "USMALLINT" || type == "UINTEGER" || type == "UBIGINT" || type == "FLOAT" ||
         type == "DOUBLE" || type == "DECIMAL";
}

void PrintCsv(const QueryRows& rows) {
  for (size_t c = 0; c < rows.columns.size(); ++c) std::printf("%s%s", c ? "," : "", CsvField(rows.columns[c]).c_str());
  std::printf("\n");
  for (const auto& row : rows.rows) {
    for (size_t c = 0; c < row.size(); ++c) std::printf("%s%s", c ? "," : "", CsvField(row[c]).c_str());
    std::printf("\n");
  }
}

void PrintJson(const QueryRows& rows) {
  std::printf("[");
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    std::printf("%s{", r ? ",\n " : "");
    for (size_t c = 0; c < rows.columns.size(); ++c) {
      const auto& v = rows.rows[r][c];
      std::string value = !v ? "null" : IsNumeric(rows.types[c]) ? *v : rows.types[c] == "BOOLEAN" ? *v : JsonQuote(*v);
      std::printf("%s%s: %s", c ? ", " : "", JsonQuote(rows.columns[c]).c_str(), value.c_str());
    }
    std::printf("}");
  }
  std::printf("]\n");
}

void PrintTable(const QueryRows& rows) {
  std::vector<size_t> width(rows.columns.size());
  for (size_t c = 0; c < rows.columns.size(); ++c) width[c] = rows.columns[c].size();
  for (const auto& row : rows.rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].value_or("NULL").size());
  }
  auto line = [&](auto cell) {
    for (size_t c = 0; c < width.size(); ++c) {
      std::string text = cell(c);
      bool right = IsNumeric(rows.types[c]);
      std::printf("%s%*s%s%s", c ? " | " : "", right ? static_cast<int>(width[c] - text.size()) : 0, "", text.c_str(),
                  std::string(right ? 0 : width[c] - text.size(), ' ').c_str());
    }
    std::printf("\n");
  };
  line([&](size_t c) { return rows.columns[c]; });
  for (size_t c = 0; c < width.size(); ++c) std::printf("%s%s", c ? "-+-" : "", std::string(width[c], '-').c_str());
  std::printf("\n");
  for (const auto& row : rows.rows) line([&](size_t c) { return row[c].value_or("NULL"); });
  std::printf("(%zu row%s)\n", rows.rows.size(), rows.rows.size() == 1 ? "" : "s");
}

// In a dbt project: the DuckDB file of the profile's target.
Result<std::string> DbtTargetPath(const std::string& dir, const std::optional<std::string>& target) {
  LocalFilesystem fs;
  ProcessEnvironment env;
  std::vector<Status> errors;
  WEIR_ASSIGN_OR_RETURN(DbtProject project,
                        LoadDbtProject({.project_dir = dir, .target = target}, fs, env, errors));
  return project.target.path;
}

// The DuckDB name of a Postgres type OID, as far as printing cares:
// numbers align right and are JSON numbers.
std::string PostgresTypeName(const std::string& oid) {
  static const std::map<std::string, std::string> kNames = {{"16", "BOOLEAN"}, {"20", "BIGINT"},  {"21", "SMALLINT"},
                                                            {"23", "INTEGER"}, {"26", "BIGINT"},  {"700", "FLOAT"},
                                                            {"701", "DOUBLE"}, {"1700", "DECIMAL"}};
  auto it = kNames.find(oid);
  return it != kNames.end() ? it->second : "VARCHAR";
}

bool IsPostgresConnection(const ProjectDef& project, const std::string& connection) {
  auto it = project.connections.find(connection);
  if (connection.empty() || it == project.connections.end() || !it->second.is_map()) return false;
  const ConfigNode* type = it->second.Find("type");
  return type != nullptr && type->scalar() == "postgres";
}

// A query on a Postgres connection of weir.yml; its column types become
// DuckDB's names (for alignment and JSON numbers).
Result<QueryRows> QueryPostgres(const ProjectDef& project, const std::string& connection, const std::string& sql) {
  LocalFilesystem files;
  ProcessEnvironment environment;
  PosixProcessLauncher processes;
  DuckDbConnector duckdb;
  TaskServices services{processes, environment, files, duckdb};
  WEIR_ASSIGN_OR_RETURN(PostgresParams params, PostgresConnectionParams(project, connection, services));
  CancelToken never;
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> pg,
                        PostgresConnection::Open(params, never, std::chrono::system_clock::now() + std::chrono::seconds(30)));
  pg->SetLimits(nullptr, TimePoint::max());
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, pg->Query(sql));
  for (std::string& type : rows.types) type = PostgresTypeName(type);
  return rows;
}

int PrintRows(const Result<QueryRows>& rows, const std::string& format) {
  if (!rows.ok()) {
    std::fprintf(stderr, "weir query: %s\n", rows.status().ToString().c_str());
    return kExitFailed;
  }
  if (format == "csv") PrintCsv(*rows);
  else if (format == "json") PrintJson(*rows);
  else PrintTable(*rows);
  return kExitOk;
}

}  // namespace

int QueryCommand(const Args& args) {
  CLI::App app{"Run SQL on the warehouse and print the rows", "weir query"};
  std::string dir = ".", sql, format = "table", connection;
  app.add_option("sql", sql, "the SQL to run")->required();
  app.add_option("--format", format, "table, csv or json")->check(CLI::IsMember({"table", "csv", "json"}));
  app.add_option("-c,--connection", connection, "a connection of weir.yml (DuckDB or Postgres) instead of the warehouse");
  AddProjectOption(app, dir);
  std::optional<std::string> target;
  app.add_option("--target,-t", target, "in a dbt project: the profile's target");
  if (auto exit = ParseArguments(app, args)) return *exit;
  Result<std::string> path = DbtTargetPath(dir, target);
  std::unique_ptr<LoadedProject> loaded;
  if (!IsDbtProject(LocalFilesystem(), dir)) {
    loaded = LoadValidProject(dir);
    if (loaded == nullptr) return kExitUsage;
    if (IsPostgresConnection(loaded->project, connection)) return PrintRows(QueryPostgres(loaded->project, connection, sql), format);
    path = DuckDbFileOf(loaded->project, connection);
  }
  if (!path.ok()) return UsageError("query", path.status().message());
  DuckDbConnector connector;
  Result<std::unique_ptr<DuckDbConnection>> db = connector.Connect(*path);
  if (!db.ok()) return UsageError("query", db.status().ToString());
  return PrintRows((*db)->Query(sql), format);
}

}  // namespace weir::cli
