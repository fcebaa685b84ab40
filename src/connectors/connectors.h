// Connectors: the adapters to systems outside Weir. This header is the one
// place the rest of Weir reaches DuckDB (the C API stays in the .cc files).
//
// DuckDbConnection: one open DuckDB database and connection. Not thread-safe;
// use one per thread. Extensions are never downloaded or auto-loaded: a query
// that needs a missing one fails at once with DuckDB's message.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace weir {

// A small result, materialised as text (NULL as nullopt). For checks,
// outputs and tests; data itself moves as tables and files, not through this.
struct QueryRows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class DuckDbConnection {
 public:
  // path ":memory:" or empty opens an in-memory database.
  static Result<std::unique_ptr<DuckDbConnection>> Open(const std::string& path);
  ~DuckDbConnection();
  DuckDbConnection(const DuckDbConnection&) = delete;
  DuckDbConnection& operator=(const DuckDbConnection&) = delete;

  Status Execute(const std::string& sql);
  Result<QueryRows> Query(const std::string& sql);

 private:
  struct Handles;
  explicit DuckDbConnection(std::unique_ptr<Handles> handles);
  std::unique_ptr<Handles> handles_;
};

}  // namespace weir
