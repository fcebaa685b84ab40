#include <duckdb.h>

#include "connectors/connectors.h"

namespace weir {
namespace {

// DuckDB reports errors as text with a type; map the type onto our kinds.
Status QueryError(duckdb_result* result) {
  std::string message = duckdb_result_error(result);
  duckdb_error_type type = duckdb_result_error_type(result);
  switch (type) {
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_CONNECTION:
    case DUCKDB_ERROR_TRANSACTION:
    case DUCKDB_ERROR_INTERRUPT:
      return Fault("duckdb", message);
    default:
      return UserError("sql", message);
  }
}

}  // namespace

struct DuckDbConnection::Handles {
  duckdb_database database = nullptr;
  duckdb_connection connection = nullptr;
  ~Handles() {
    if (connection != nullptr) duckdb_disconnect(&connection);
    if (database != nullptr) duckdb_close(&database);
  }
};

DuckDbConnection::DuckDbConnection(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}
DuckDbConnection::~DuckDbConnection() = default;

Result<std::unique_ptr<DuckDbConnection>> DuckDbConnection::Open(const std::string& path) {
  auto handles = std::make_unique<Handles>();
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return InternalError("duckdb_create_config failed");
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "false");
  char* error = nullptr;
  const char* target = path.empty() ? ":memory:" : path.c_str();
  duckdb_state state = duckdb_open_ext(target, &handles->database, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    std::string message = error != nullptr ? error : "unknown error";
    duckdb_free(error);
    // A lock held by another process is a fault: waiting may clear it.
    bool locked = message.find("lock") != std::string::npos;
    Status s = locked ? Fault("duckdb-locked", "cannot open DuckDB database: " + message, SourceLocation{path})
                      : UserError("duckdb-open", "cannot open DuckDB database: " + message, SourceLocation{path});
    return s;
  }
  if (duckdb_connect(handles->database, &handles->connection) != DuckDBSuccess) {
    return Fault("duckdb-connect", "cannot connect to DuckDB database", SourceLocation{path});
  }
  return std::unique_ptr<DuckDbConnection>(new DuckDbConnection(std::move(handles)));
}

Status DuckDbConnection::Execute(const std::string& sql) {
  duckdb_result result;
  if (duckdb_query(handles_->connection, sql.c_str(), &result) != DuckDBSuccess) {
    Status s = QueryError(&result);
    duckdb_destroy_result(&result);
    return s;
  }
  duckdb_destroy_result(&result);
  return OkStatus();
}

Result<QueryRows> DuckDbConnection::Query(const std::string& sql) {
  duckdb_result result;
  if (duckdb_query(handles_->connection, sql.c_str(), &result) != DuckDBSuccess) {
    Status s = QueryError(&result);
    duckdb_destroy_result(&result);
    return s;
  }
  QueryRows out;
  idx_t columns = duckdb_column_count(&result);
  for (idx_t c = 0; c < columns; ++c) out.columns.emplace_back(duckdb_column_name(&result, c));
  idx_t rows = duckdb_row_count(&result);
  out.rows.assign(rows, std::vector<std::optional<std::string>>(columns));
  // duckdb_value_varchar renders each type as DuckDB itself prints it.
  for (idx_t r = 0; r < out.rows.size(); ++r) {
    for (idx_t c = 0; c < columns; ++c) {
      if (duckdb_value_is_null(&result, c, r)) continue;
      char* text = duckdb_value_varchar(&result, c, r);
      out.rows[r][c] = std::string(text);
      duckdb_free(text);
    }
  }
  duckdb_destroy_result(&result);
  return out;
}

}  // namespace weir
