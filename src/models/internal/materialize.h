// Materializations on DuckDB (dbt-duckdb's behaviour): the SQL that turns a
// compiled model, seed or test into tables and views, each change in one
// transaction so that a failure or a kill leaves the old relation in place.
#pragma once

#include <string>
#include <unordered_map>

#include "common/mutex.h"

#include "connectors/connectors.h"
#include "models/models.h"

namespace weir::models_internal {

struct Materialized {
  std::string status = "success";  // success; for tests pass, warn, fail
  std::string message;              // dbt's adapter response: "OK", "CREATE VIEW", "INSERT 12"
  std::optional<int64_t> failures;  // tests
  std::optional<int64_t> rows;      // rows written, when known
};

// The relations of the database and their types, read once when a build
// starts and kept current by the build: asking DuckDB's information_schema
// before every model costs a scan of the catalog each time. Thread-safe.
class RelationCache {
 public:
  Status Load(DuckDbConnection& db);
  // "VIEW", "BASE TABLE" or "" when the relation does not exist.
  std::string TypeOf(const RelationName& relation) const;
  void Set(const RelationName& relation, std::string type);

 private:
  mutable Mutex mu_;
  std::unordered_map<std::string, std::string> types_ WEIR_GUARDED_BY(mu_);  // by RelationName::Quoted()
};

Result<Materialized> MaterializeModel(DuckDbConnection& db, RelationCache& relations, const ModelNode& node,
                                      const std::string& sql, bool full_refresh);
// A seed: its CSV (`csv_text`, read from `csv_path`) checked row by row
// (internal/seed_csv.h), then loaded by DuckDB's CSV reader with the
// seed's delimiter, column_types and quote_columns. Empty values are NULL.
Result<Materialized> LoadSeed(DuckDbConnection& db, RelationCache& relations, const ModelNode& node,
                              const std::string& csv_path, std::string_view csv_text);
// Runs the test's count query; with store_failures, keeps the failing rows
// in <schema>_dbt_test__audit.<test name>.
Result<Materialized> RunTest(DuckDbConnection& db, const ModelNode& test, const std::string& sql,
                             const DbtTarget& target);

}  // namespace weir::models_internal
