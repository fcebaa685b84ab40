#include "models/internal/materialize.h"

#include "models/internal/compile.h"
#include "models/internal/node_config.h"
#include "models/internal/seed_csv.h"

namespace weir::models_internal {
namespace {

std::string Literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}


RelationName WithSuffix(RelationName r, const std::string& suffix) {
  r.identifier += suffix;
  return r;
}

std::string ConfigText(const ModelNode& node, std::string_view key, std::string fallback = "") {
  const TemplateValue* value = node.config.Find(key);
  return value == nullptr || value->is_none() ? fallback : value->ToString();
}

std::vector<std::string> ConfigList(const ModelNode& node, std::string_view key) {
  std::vector<std::string> out;
  const TemplateValue* value = node.config.Find(key);
  if (value == nullptr || value->is_none()) return out;
  if (value->kind() == TemplateValue::Kind::kList) {
    for (const TemplateValue& item : value->AsList()) out.push_back(item.ToString());
  } else {
    out.push_back(value->ToString());
  }
  return out;
}

Status RunInTransaction(DuckDbConnection& db, const std::string& statements) {
  Status status = db.Execute("BEGIN TRANSACTION;\n" + statements + "\nCOMMIT;");
  if (!status.ok()) db.Execute("ROLLBACK").IgnoreError();
  return status;
}

std::string DropStatement(const std::string& type, const RelationName& relation) {
  if (type.empty()) return "";
  return std::string(type == "VIEW" ? "DROP VIEW" : "DROP TABLE") + " IF EXISTS " + relation.Quoted() + ";\n";
}

Result<int64_t> CountRows(DuckDbConnection& db, const RelationName& relation) {
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> count, db.QueryValue("SELECT count(*) FROM " + relation.Quoted()));
  return count ? std::stoll(*count) : 0;
}

// Builds the model under a temporary name, then swaps it in: the old
// relation stays until the new one is complete.
Result<Materialized> BuildTable(DuckDbConnection& db, const ModelNode& node, const std::string& sql,
                                const std::string& existing) {
  RelationName tmp = WithSuffix(node.relation, "__dbt_tmp");
  WEIR_TRY(db.Execute("DROP TABLE IF EXISTS " + tmp.Quoted()));
  WEIR_TRY(RunInTransaction(db, "CREATE TABLE " + tmp.Quoted() + " AS (\n" + sql + "\n);\n" +
                                    DropStatement(existing, node.relation) + "ALTER TABLE " + tmp.Quoted() +
                                    " RENAME TO " + QuoteIdentifier(node.relation.identifier) + ";"));
  return Materialized{.message = "OK"};
}

Result<Materialized> BuildView(DuckDbConnection& db, const ModelNode& node, const std::string& sql,
                               const std::string& existing) {
  std::string drop = existing == "BASE TABLE" ? DropStatement(existing, node.relation) : "";
  WEIR_TRY(RunInTransaction(db, drop + "CREATE OR REPLACE VIEW " + node.relation.Quoted() + " AS (\n" + sql + "\n);"));
  return Materialized{.message = "OK"};
}

struct Column {
  std::string name;
  std::string type;
};

Result<std::vector<Column>> ColumnsOf(DuckDbConnection& db, const RelationName& relation) {
  WEIR_ASSIGN_OR_RETURN(QueryRows rows,
                        db.Query("SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = " +
                                 Literal(relation.database) + " AND table_schema = " + Literal(relation.schema) +
                                 " AND table_name = " + Literal(relation.identifier) + " ORDER BY ordinal_position"));
  std::vector<Column> out;
  for (const auto& row : rows.rows) out.push_back({row[0].value_or(""), row[1].value_or("")});
  return out;
}

bool HasColumn(const std::vector<Column>& columns, const std::string& name) {
  return std::any_of(columns.begin(), columns.end(), [&](const Column& c) { return c.name == name; });
}

// on_schema_change: ignore (new columns dropped), fail, append_new_columns,
// sync_all_columns (also drops columns that went away).
Result<std::vector<Column>> ReconcileSchema(DuckDbConnection& db, const ModelNode& node, const RelationName& tmp) {
  WEIR_ASSIGN_OR_RETURN(std::vector<Column> target, ColumnsOf(db, node.relation));
  WEIR_ASSIGN_OR_RETURN(std::vector<Column> incoming, ColumnsOf(db, tmp));
  std::string policy = ConfigText(node, "on_schema_change", "ignore");
  std::vector<Column> added, removed;
  for (const Column& c : incoming) {
    if (!HasColumn(target, c.name)) added.push_back(c);
  }
  for (const Column& c : target) {
    if (!HasColumn(incoming, c.name)) removed.push_back(c);
  }
  if (added.empty() && removed.empty()) return target;
  if (policy == "fail") {
    std::string what;
    for (const Column& c : added) what += (what.empty() ? "" : ", ") + std::string("added ") + c.name;
    for (const Column& c : removed) what += (what.empty() ? "" : ", ") + std::string("removed ") + c.name;
    return UserError("schema-change", "the schema of incremental model '" + node.name + "' changed (" + what +
                                          ") and on_schema_change is 'fail': run with --full-refresh or set "
                                          "on_schema_change");
  }
  if (policy == "append_new_columns" || policy == "sync_all_columns") {
    for (const Column& c : added) {
      WEIR_TRY(db.Execute("ALTER TABLE " + node.relation.Quoted() + " ADD COLUMN " + QuoteIdentifier(c.name) + " " +
                          c.type));
    }
    if (policy == "sync_all_columns") {
      for (const Column& c : removed) {
        WEIR_TRY(db.Execute("ALTER TABLE " + node.relation.Quoted() + " DROP COLUMN " + QuoteIdentifier(c.name)));
      }
    }
    return ColumnsOf(db, node.relation);
  }
  return target;  // ignore: the columns the table already has, that the new rows also have
}

Result<Materialized> BuildIncremental(DuckDbConnection& db, const ModelNode& node, const std::string& sql,
                                      const std::string& existing, bool full_refresh) {
  if (existing != "BASE TABLE" || full_refresh) return BuildTable(db, node, sql, existing);
  RelationName tmp{node.relation.database, node.relation.schema, node.relation.identifier + "__dbt_tmp"};
  WEIR_TRY(db.Execute("DROP TABLE IF EXISTS " + tmp.Quoted() + ";\nCREATE TABLE " + tmp.Quoted() + " AS (\n" + sql +
                      "\n)"));
  Result<std::vector<Column>> columns = ReconcileSchema(db, node, tmp);
  if (!columns.ok()) {
    db.Execute("DROP TABLE IF EXISTS " + tmp.Quoted()).IgnoreError();
    return columns.status();
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<Column> incoming, ColumnsOf(db, tmp));
  std::string list;
  for (const Column& c : *columns) {
    if (HasColumn(incoming, c.name)) list += (list.empty() ? "" : ", ") + QuoteIdentifier(c.name);
  }
  std::string strategy = ConfigText(node, "incremental_strategy", "");
  std::vector<std::string> keys = ConfigList(node, "unique_key");
  std::string statements;
  if (!keys.empty() && strategy != "append") {
    std::string match;
    for (const std::string& key : keys) {
      match += (match.empty() ? "" : " AND ") + node.relation.Quoted() + "." + key + " = " + tmp.Quoted() + "." + key;
    }
    statements += "DELETE FROM " + node.relation.Quoted() + " USING " + tmp.Quoted() + " WHERE " + match + ";\n";
  } else if (strategy == "delete+insert" || strategy == "merge") {
    return UserError("missing-unique-key", "incremental_strategy '" + strategy + "' of '" + node.name +
                                               "' needs a unique_key");
  }
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> new_rows, db.QueryValue("SELECT count(*) FROM " + tmp.Quoted()));
  statements += "INSERT INTO " + node.relation.Quoted() + " (" + list + ") SELECT " + list + " FROM " + tmp.Quoted() +
                ";\nDROP TABLE " + tmp.Quoted() + ";";
  WEIR_TRY(RunInTransaction(db, statements));
  int64_t rows = new_rows ? std::stoll(*new_rows) : 0;
  return Materialized{.message = "INSERT " + std::to_string(rows), .rows = rows};
}

}  // namespace

Status RelationCache::Load(DuckDbConnection& db) {
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, db.Query("SELECT table_catalog, table_schema, table_name, table_type "
                                                 "FROM information_schema.tables"));
  MutexLock lock(mu_);
  for (const auto& row : rows.rows) {
    RelationName name{row[0].value_or(""), row[1].value_or(""), row[2].value_or("")};
    types_[name.Quoted()] = row[3].value_or("");
  }
  return OkStatus();
}

std::string RelationCache::TypeOf(const RelationName& relation) const {
  MutexLock lock(mu_);
  auto it = types_.find(relation.Quoted());
  return it == types_.end() ? "" : it->second;
}

void RelationCache::Set(const RelationName& relation, std::string type) {
  MutexLock lock(mu_);
  types_[relation.Quoted()] = std::move(type);
}

Result<Materialized> MaterializeModel(DuckDbConnection& db, RelationCache& relations, const ModelNode& node,
                                      const std::string& sql, bool full_refresh) {
  std::string existing = relations.TypeOf(node.relation);
  std::string kind = node.materialized();
  Result<Materialized> done = UserError("unknown-materialization", "");
  if (kind == "view") {
    done = BuildView(db, node, sql, existing);
  } else if (kind == "table") {
    done = BuildTable(db, node, sql, existing);
  } else if (kind == "incremental") {
    done = BuildIncremental(db, node, sql, existing, full_refresh);
  } else {
    return UserError("unknown-materialization", "model '" + node.name + "' is materialized as '" + kind +
                                                  "': weir builds view, table, incremental and ephemeral",
                     SourceLocation{node.original_file_path});
  }
  if (done.ok()) relations.Set(node.relation, kind == "view" ? "VIEW" : "BASE TABLE");
  return done;
}

namespace {

// DuckDB names the CSV line of a value it cannot convert ("CSV Error on
// Line: 4"): report it at the seed file's line.
Status AtSeedLine(Status status, const std::string& file) {
  const std::string& message = status.message();
  size_t at = message.find("Line: ");
  if (at == std::string::npos) return status.At(SourceLocation{file});
  int line = std::atoi(message.c_str() + at + 6);
  return status.At(SourceLocation{file, line > 0 ? line : 0, line > 0 ? 1 : 0});
}

Result<char> SeedDelimiter(const ModelNode& node) {
  std::string delimiter = ConfigText(node, "delimiter", ",");
  if (delimiter.size() != 1) {
    return UserError("seed-config", "delimiter of seed '" + node.name + "' must be one character, not '" + delimiter + "'",
                     SourceLocation{node.original_file_path});
  }
  return delimiter[0];
}

}  // namespace

Result<Materialized> LoadSeed(DuckDbConnection& db, RelationCache& relations, const ModelNode& node,
                              const std::string& csv_path, std::string_view csv_text) {
  WEIR_ASSIGN_OR_RETURN(char delimiter, SeedDelimiter(node));
  WEIR_ASSIGN_OR_RETURN(SeedCsv csv, ReadSeedCsv(csv_text, delimiter, node.original_file_path));
  const TemplateValue* quote_columns = node.config.Find("quote_columns");
  if (quote_columns != nullptr && !quote_columns->is_none() && !quote_columns->Truthy()) {
    WEIR_TRY(CheckUnquotedColumns(csv, node.original_file_path));
  }
  // Quote and escape pinned: DuckDB's sniffer reads only the first rows.
  std::string options = "header = true, quote = '\"', escape = '\"', delim = " + Literal(std::string(1, delimiter));
  if (const TemplateValue* types = node.config.Find("column_types");
      types != nullptr && types->kind() == TemplateValue::Kind::kMap) {
    std::string list;
    for (const auto& [column, type] : types->AsMap()) {
      list += (list.empty() ? "" : ", ") + Literal(column) + ": " + Literal(type.ToString());
    }
    options += ", types = {" + list + "}";
  }
  std::string sql = "SELECT * FROM read_csv(" + Literal(csv_path) + ", " + options + ")";
  Result<Materialized> built = BuildTable(db, node, sql, relations.TypeOf(node.relation));
  if (!built.ok()) return AtSeedLine(built.status(), node.original_file_path);
  relations.Set(node.relation, "BASE TABLE");
  WEIR_ASSIGN_OR_RETURN(int64_t rows, CountRows(db, node.relation));
  return Materialized{.message = "INSERT " + std::to_string(rows), .rows = rows};
}

Result<Materialized> RunTest(DuckDbConnection& db, const ModelNode& test, const std::string& sql,
                             const DbtTarget& target) {
  const TemplateValue* store = test.config.Find("store_failures");
  if (store != nullptr && store->Truthy()) {
    RelationName audit{target.database, target.schema + "_dbt_test__audit", test.name};
    WEIR_TRY(RunInTransaction(db, "DROP TABLE IF EXISTS " + audit.Quoted() + ";\nCREATE TABLE " + audit.Quoted() +
                                      " AS (\n" + sql + "\n);"));
  }
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, db.Query(TestCountQuery(test, sql)));
  if (rows.rows.size() != 1 || rows.rows[0].size() != 3) {
    return InternalError("a test's count query returned " + std::to_string(rows.rows.size()) + " rows");
  }
  const auto& row = rows.rows[0];
  Materialized result;
  result.failures = std::stoll(row[0].value_or("0"));
  bool should_warn = row[1].value_or("false") == "true";
  bool should_error = row[2].value_or("false") == "true";
  std::string severity = ConfigText(test, "severity", "error");
  for (char& c : severity) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (severity == "error" && should_error) {
    result.status = "fail";
  } else if (should_warn) {
    result.status = "warn";
  } else {
    result.status = "pass";
  }
  result.message = result.status == "pass" ? "" : "Got " + std::to_string(*result.failures) + " result" +
                                                      (*result.failures == 1 ? "" : "s") + ", configured to " +
                                                      result.status + " if " +
                                                      ConfigText(test, result.status == "fail" ? "error_if" : "warn_if",
                                                                 "!= 0");
  return result;
}

}  // namespace weir::models_internal
