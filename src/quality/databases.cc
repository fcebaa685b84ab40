// Where suites run: the CheckDatabase adapters over a DuckDB connection and
// a Postgres connection.
#include "connectors/connectors.h"
#include "quality/quality.h"

namespace weir {
namespace {

class DuckDbDatabase final : public CheckDatabase {
 public:
  explicit DuckDbDatabase(DuckDbConnection& db) : db_(db) {}
  SqlDialect dialect() const override { return SqlDialect::kDuckDb; }
  Status Execute(const std::string& sql) override { return db_.Execute(sql); }
  Result<QueryRows> Query(const std::string& sql) override { return db_.Query(sql); }
  Result<QueryRows> Describe(const std::string& relation) override {
    return db_.Query("DESCRIBE SELECT * FROM " + relation);
  }

 private:
  DuckDbConnection& db_;
};

class PostgresDatabase final : public CheckDatabase {
 public:
  explicit PostgresDatabase(PostgresConnection& pg) : pg_(pg) {}
  SqlDialect dialect() const override { return SqlDialect::kPostgres; }
  Status Execute(const std::string& sql) override { return pg_.Execute(sql); }
  Result<QueryRows> Query(const std::string& sql) override { return pg_.Query(sql); }

  // The result's columns as the server describes them, their types named
  // by format_type ("integer", "numeric(12,2)", "timestamp with time zone").
  Result<QueryRows> Describe(const std::string& relation) override {
    WEIR_ASSIGN_OR_RETURN(std::vector<PostgresColumn> columns, pg_.Describe("SELECT * FROM " + relation));
    std::string oids = "{", modifiers = "{";
    for (const PostgresColumn& c : columns) {
      oids += (oids.size() > 1 ? "," : "") + std::to_string(c.type_oid);
      modifiers += (modifiers.size() > 1 ? "," : "") + std::to_string(c.type_modifier);
    }
    WEIR_ASSIGN_OR_RETURN(QueryRows types,
                          pg_.Query("SELECT format_type(o, m) FROM unnest(CAST($1 AS oid[]), CAST($2 AS int[])) "
                                    "WITH ORDINALITY AS u(o, m, n) ORDER BY n",
                                    {oids + "}", modifiers + "}"}));
    QueryRows out;
    out.columns = {"column_name", "column_type"};
    for (size_t i = 0; i < columns.size() && i < types.rows.size(); ++i) {
      out.rows.push_back({columns[i].name, types.rows[i][0]});
    }
    return out;
  }

 private:
  PostgresConnection& pg_;
};

}  // namespace

std::unique_ptr<CheckDatabase> DuckDbCheckDatabase(DuckDbConnection& db) { return std::make_unique<DuckDbDatabase>(db); }

std::unique_ptr<CheckDatabase> PostgresCheckDatabase(PostgresConnection& pg) {
  return std::make_unique<PostgresDatabase>(pg);
}

}  // namespace weir
