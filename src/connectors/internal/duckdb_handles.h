// The DuckDB C API handles behind a DuckDbConnection, shared by the files
// of this subsystem that use them (duckdb_connection.cc, duckdb_row_source.cc).
#pragma once

#include <duckdb.h>

#include "connectors/connectors.h"

namespace weir {

struct DuckDbConnection::Handles {
  duckdb_database database = nullptr;
  duckdb_connection connection = nullptr;
  ~Handles() {
    if (connection != nullptr) duckdb_disconnect(&connection);
    if (database != nullptr) duckdb_close(&database);  // the cache frees the file with its last handle
  }
};

}  // namespace weir
