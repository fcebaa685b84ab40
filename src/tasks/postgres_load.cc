// The load task into a Postgres table. DuckDB reads the lake file and
// writes it as CSV in Postgres's conventions (a private compute database,
// parallel), streamed as it is written through COPY FROM STDIN
// (load_stream.h), all in one transaction:
//   append             DELETE this interval's rows (_weir_ds), then COPY
//                      straight into the table, the ds a constant column
//   replace_partition  COPY into a temporary staging table of text columns,
//                      DELETE the partitions the file has, INSERT from it
//   merge              staged as above; INSERT ... ON CONFLICT (keys) DO
//                      UPDATE when the table has a unique index on exactly
//                      the keys (a table Weir creates has them as its
//                      primary key), else DELETE the keys the file has, INSERT
// The INSERTs cast each staged column to the table's type. Keys the file
// has twice are found by the unique index (or by a GROUP BY of the staged
// rows in Postgres, which spills to disk), never in Weir's memory. The
// table is created from the file's schema when missing; new columns and
// wider types follow `on_schema_change`.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>

#include "common/text.h"
#include "tasks/internal/load.h"
#include "tasks/internal/load_stream.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {
constexpr const char* kStage = "weir_load_stage";

// A column of the file, and how it travels.
struct FileColumn {
  std::string name;
  std::string duckdb_type;
  std::string postgres_type;  // for a new table or a new column
  std::string csv_sql;        // DuckDB expression written to the CSV
};

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The Postgres type of a scalar DuckDB type; "" when there is none.
std::string ScalarPostgresType(const std::string& t) {
  static const std::map<std::string, std::string> kTypes = {
      {"BOOLEAN", "boolean"}, {"TINYINT", "smallint"}, {"SMALLINT", "smallint"}, {"INTEGER", "integer"},
      {"BIGINT", "bigint"}, {"HUGEINT", "numeric(39,0)"}, {"UTINYINT", "smallint"}, {"USMALLINT", "integer"},
      {"UINTEGER", "bigint"}, {"UBIGINT", "numeric(20,0)"}, {"UHUGEINT", "numeric(39,0)"}, {"FLOAT", "real"},
      {"DOUBLE", "double precision"}, {"VARCHAR", "text"}, {"DATE", "date"}, {"TIME", "time"},
      {"TIME WITH TIME ZONE", "timetz"}, {"TIMESTAMP", "timestamp"}, {"TIMESTAMP_S", "timestamp"},
      {"TIMESTAMP_MS", "timestamp"}, {"TIMESTAMP_NS", "timestamp"}, {"TIMESTAMP WITH TIME ZONE", "timestamptz"},
      {"INTERVAL", "interval"}, {"UUID", "uuid"}, {"BLOB", "bytea"}, {"JSON", "jsonb"},
  };
  auto it = kTypes.find(t);
  if (it != kTypes.end()) return it->second;
  if (StartsWith(t, "DECIMAL(")) return "numeric" + t.substr(7);
  if (StartsWith(t, "ENUM(")) return "text";
  return "";
}

FileColumn PlanFileColumn(const std::string& name, const std::string& type) {
  FileColumn column{name, type, ScalarPostgresType(type), SqlIdentifier(name)};
  const std::string c = SqlIdentifier(name);
  if (type == "BLOB") {
    column.csv_sql = "'\\x' || hex(" + c + ")";  // bytea's hex form
  } else if (type == "DATE") {
    column.csv_sql = "replace(CAST(" + c + " AS VARCHAR), ' (BC)', ' BC')";
  } else if (column.postgres_type.empty()) {
    // Lists of a scalar type become arrays, anything else nested jsonb; both
    // travel as JSON text.
    std::string element = type.size() > 2 && type.substr(type.size() - 2) == "[]" ? type.substr(0, type.size() - 2) : "";
    std::string element_type = ScalarPostgresType(element);
    bool array = !element_type.empty() && element_type != "jsonb" && element_type != "bytea";
    column.postgres_type = array ? element_type + "[]" : "jsonb";
    column.csv_sql = "CAST(to_json(" + c + ") AS VARCHAR)";
  }
  return column;
}

// The staged text as the target column's type.
std::string FromStage(const std::string& name, const std::string& target_type) {
  std::string s = "s." + SqlIdentifier(name);
  if (target_type.size() > 2 && target_type.substr(target_type.size() - 2) == "[]") {
    return "CASE WHEN " + s + " IS NULL THEN NULL ELSE CAST(ARRAY(SELECT jsonb_array_elements_text(CAST(" + s +
           " AS jsonb))) AS " + target_type + ") END";
  }
  return "CAST(" + s + " AS " + target_type + ")";
}

// How a wider type replaces a narrower one when the schema may evolve;
// "" when `file_type` fits `table_type` as it is (or cannot widen it).
std::string WiderType(const std::string& table_type, const std::string& file_type) {
  static const std::vector<std::vector<std::string>> kLadders = {
      {"smallint", "integer", "bigint"}, {"real", "double precision"}};
  for (const auto& ladder : kLadders) {
    auto have = std::find(ladder.begin(), ladder.end(), table_type);
    auto want = std::find(ladder.begin(), ladder.end(), file_type);
    if (have != ladder.end() && want != ladder.end()) return want > have ? file_type : "";
  }
  if (StartsWith(table_type, "character varying") && file_type == "text") return "text";
  if (StartsWith(table_type, "numeric(") && StartsWith(file_type, "numeric(")) {
    int tp = 0, ts = 0, fp = 0, fs = 0;
    if (std::sscanf(table_type.c_str(), "numeric(%d,%d)", &tp, &ts) != 2) return "";
    if (std::sscanf(file_type.c_str(), "numeric(%d,%d)", &fp, &fs) != 2) return "";
    int scale = std::max(ts, fs);
    int integer_digits = std::max(tp - ts, fp - fs);
    if (scale == ts && integer_digits + scale == tp) return "";
    return "numeric(" + std::to_string(integer_digits + scale) + "," + std::to_string(scale) + ")";
  }
  if ((table_type == "smallint" || table_type == "integer" || table_type == "bigint") && StartsWith(file_type, "numeric")) {
    return file_type;
  }
  return "";
}

std::string ColumnNames(const std::vector<std::string>& names, const std::string& prefix = "") {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + prefix + SqlIdentifier(n);
  return out;
}

bool IsArrayType(const std::string& type) { return type.size() > 2 && type.substr(type.size() - 2) == "[]"; }

bool HasSqlState(const Status& status, const char* sqlstate) {
  return !status.ok() && status.message().find("[SQLSTATE " + std::string(sqlstate) + "]") != std::string::npos;
}

// The part of `text` between `start` (included) and `end` (excluded); "" if absent.
std::string Between(const std::string& text, const std::string& start, const std::string& end) {
  size_t from = text.find(start);
  size_t to = from == std::string::npos ? from : text.find(end, from);
  return to == std::string::npos ? "" : text.substr(from, to - from);
}

class PostgresLoader {
 public:
  explicit PostgresLoader(const PostgresLoad& load) : load_(load), context_(load.context) {}

  Result<std::string> Run() {
    WEIR_ASSIGN_OR_RETURN(on_schema_change_, OnSchemaChangePolicy(context_, load_.names));
    WEIR_ASSIGN_OR_RETURN(compute_, ConnectCompute(context_));
    // Rows reach Postgres in any order (a table has none), and DuckDB
    // writes the CSV with far less memory when it may reorder them.
    WEIR_TRY(compute_->Execute("SET TimeZone = 'UTC'; SET preserve_insertion_order = false"));
    WEIR_TRY(ReadFileColumns());
    if (load_.mode == "merge") {
      WEIR_ASSIGN_OR_RETURN(keys_, LoadColumns(context_, "keys"));
    } else if (load_.mode == "replace_partition") {
      WEIR_ASSIGN_OR_RETURN(keys_, LoadColumns(context_, "partition_by"));
    } else if (load_.mode != "append") {
      return UserError("bad-value", "'mode' must be 'append', 'replace_partition' or 'merge', got '" + load_.mode + "'",
                       context_.task.param("mode")->where());
    }
    WEIR_TRY(CheckKeysAreColumns());
    if (load_.mode == "merge") WEIR_TRY(CheckMergeKeysNotNull());
    WEIR_ASSIGN_OR_RETURN(PostgresParams params, PostgresParamsOf(load_.connection, load_.connection_name, load_.names));
    load_.log.Line("postgres " + params.Describe());
    WEIR_ASSIGN_OR_RETURN(pg_, PostgresConnection::Open(params, context_.cancel, context_.deadline));
    pg_->SetLimits(&context_.cancel, context_.deadline);
    Status loaded = LoadInTransaction();
    if (!loaded.ok()) {
      pg_->Execute("ROLLBACK").IgnoreError();
      load_.log.Line("failed: " + loaded.message());
      return loaded;
    }
    // No count(*) of the table: on a big table it costs a scan (0.85 s at 5M rows).
    return JsonObject({{"rows_loaded", std::to_string(rows_loaded_)},
                       {"table", JsonString(load_.table)},
                       {"mode", JsonString(load_.mode)}});
  }

 private:
  std::string Target() const { return SqlQualifiedName(load_.table); }

  Status ReadFileColumns() {
    WEIR_ASSIGN_OR_RETURN(QueryRows described, compute_->Query("DESCRIBE SELECT * FROM " + load_.source));
    for (const auto& row : described.rows) {
      columns_.push_back(PlanFileColumn(row.at(0).value_or(""), row.at(1).value_or("")));
    }
    return OkStatus();
  }

  Status CheckKeysAreColumns() const {
    for (const std::string& key : keys_) {
      bool found = std::any_of(columns_.begin(), columns_.end(), [&](const FileColumn& c) { return c.name == key; });
      if (!found) {
        return UserError("bad-value", "'" + key + "' is not a column of the file",
                         context_.task.param(KeysParam())->where());
      }
    }
    return OkStatus();
  }

  const char* KeysParam() const { return load_.mode == "merge" ? "keys" : "partition_by"; }

  // A scan that holds nothing (a unique index takes no NULL key only when
  // it is a primary key). Keys the file has twice are found later, in Postgres.
  Status CheckMergeKeysNotNull() {
    std::string any_null;
    for (const std::string& k : keys_) any_null += (any_null.empty() ? "" : " OR ") + SqlIdentifier(k) + " IS NULL";
    WEIR_ASSIGN_OR_RETURN(std::optional<std::string> nulls,
                          compute_->QueryValue("SELECT count(*) FROM " + load_.source + " WHERE " + any_null));
    if (nulls.value_or("0") == "0") return OkStatus();
    return UserError("merge-keys-not-unique", "merge keys (" + Join(keys_, ", ") + ") must not be NULL; the file has " +
                                                  *nulls + (*nulls == "1" ? " row" : " rows") + " with a NULL key",
                     context_.task.param("keys")->where());
  }

  // The table's columns and types (format_type), in order; none if it is missing.
  Result<std::vector<std::pair<std::string, std::string>>> TableColumns() {
    WEIR_ASSIGN_OR_RETURN(QueryRows rows,
                          pg_->Query("SELECT attname, format_type(atttypid, atttypmod) FROM pg_catalog.pg_attribute "
                                     "WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped "
                                     "ORDER BY attnum",
                                     {Target()}));
    std::vector<std::pair<std::string, std::string>> columns;
    for (const auto& row : rows.rows) columns.emplace_back(row[0].value_or(""), row[1].value_or(""));
    return columns;
  }

  // Postgres lets two sessions race on CREATE SCHEMA IF NOT EXISTS (one
  // fails on the catalog's unique index), so loads take a session lock
  // around it, outside their transaction.
  Status CreateSchema() {
    size_t dot = load_.table.find('.');
    if (dot == std::string::npos) return OkStatus();
    std::string schema = load_.table.substr(0, dot);
    WEIR_ASSIGN_OR_RETURN(QueryRows exists, pg_->Query("SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = $1",
                                                       {schema}));
    if (exists.rows.at(0).at(0) != "0") return OkStatus();
    std::string key = "hashtext(" + SqlString("weir schema " + schema) + ")";
    WEIR_TRY(pg_->Execute("SELECT pg_advisory_lock(" + key + ")"));
    Status created = pg_->Execute("CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier(schema));
    Status unlocked = pg_->Execute("SELECT pg_advisory_unlock(" + key + ")");
    WEIR_TRY(created);
    return unlocked;
  }

  Status CreateTable() {
    std::string definition;
    for (const FileColumn& c : columns_) {
      definition += (definition.empty() ? "" : ", ") + SqlIdentifier(c.name) + " " + c.postgres_type;
    }
    if (load_.mode == "append") definition += ", _weir_ds text";
    if (load_.mode == "merge") definition += ", PRIMARY KEY (" + ColumnNames(keys_) + ")";
    load_.log.Line("creating table " + load_.table);
    return pg_->Execute("CREATE TABLE " + Target() + " (" + definition + ")");
  }

  // Brings the table's columns in line with the file's as on_schema_change
  // allows; returns each file column's type in the table ("" : not loaded).
  Result<std::vector<std::string>> MatchTable() {
    WEIR_ASSIGN_OR_RETURN(auto table, TableColumns());
    if (table.empty()) {
      WEIR_TRY(CreateTable());
      WEIR_ASSIGN_OR_RETURN(table, TableColumns());
    }
    std::map<std::string, std::string> types(table.begin(), table.end());
    if (load_.mode == "append" && types.count("_weir_ds") == 0) {
      WEIR_TRY(pg_->Execute("ALTER TABLE " + Target() + " ADD COLUMN _weir_ds text"));
    }
    std::vector<std::string> loaded_types;
    std::vector<std::string> new_columns;
    for (const FileColumn& c : columns_) {
      auto it = types.find(c.name);
      if (it == types.end()) {
        new_columns.push_back(c.name);
        bool add = on_schema_change_ == "append_new_columns" || on_schema_change_ == "evolve";
        if (add) {
          load_.log.Line("adding column " + c.name + " " + c.postgres_type);
          WEIR_TRY(pg_->Execute("ALTER TABLE " + Target() + " ADD COLUMN " + SqlIdentifier(c.name) + " " +
                                c.postgres_type));
        }
        loaded_types.push_back(add ? c.postgres_type : "");
        continue;
      }
      std::string wider = on_schema_change_ == "evolve" ? WiderType(it->second, c.postgres_type) : "";
      if (!wider.empty()) {
        load_.log.Line("widening column " + c.name + " from " + it->second + " to " + wider);
        WEIR_TRY(pg_->Execute("ALTER TABLE " + Target() + " ALTER COLUMN " + SqlIdentifier(c.name) + " TYPE " + wider));
      }
      loaded_types.push_back(wider.empty() ? it->second : wider);
    }
    if (!new_columns.empty() && on_schema_change_ == "fail") {
      return UserError("load-new-columns", "the file has columns that table " + load_.table + " lacks: " +
                                               QuotedList(new_columns) +
                                               "; set on_schema_change: append_new_columns (or evolve) to add them, "
                                               "or ignore to leave them out", context_.task.param("table")->where());
    }
    return loaded_types;
  }

  // The rows the file gives each column loaded (on_schema_change: ignore
  // leaves some out), plus `extra` constant columns, streamed into `copy_sql`.
  Status StreamRows(const std::string& copy_sql, const std::vector<std::string>& loaded_types,
                    const std::string& extra = "") {
    std::string select;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!loaded_types[i].empty()) select += (select.empty() ? "" : ", ") + columns_[i].csv_sql;
    }
    if (!extra.empty()) select += (select.empty() ? "" : ", ") + extra;
    std::string pipe = context_.project.Resolve(".weir/tmp/load-" + std::to_string(::getpid()) + "-" +
                                                std::to_string(context_.attempt) + "-" + std::to_string(++counter_) +
                                                ".csv");
    Result<int64_t> rows = CopyQueryIntoPostgres({*compute_, "SELECT " + select + " FROM " + load_.source, *pg_,
                                                  copy_sql, pipe, context_.cancel, context_.deadline});
    if (!rows.ok()) return DuplicateKeyError(rows.status());
    rows_loaded_ = *rows;
    return OkStatus();
  }

  std::vector<std::string> LoadedNames(const std::vector<std::string>& loaded_types) const {
    std::vector<std::string> names;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!loaded_types[i].empty()) names.push_back(columns_[i].name);
    }
    return names;
  }

  // append without a staging table: COPY parses each value with the
  // column type's input function, as the staged INSERT's casts do. Arrays
  // travel as JSON, which only the staged INSERT converts.
  bool CanCopyStraight(const std::vector<std::string>& loaded_types) const {
    return load_.mode == "append" && std::none_of(loaded_types.begin(), loaded_types.end(), IsArrayType);
  }

  Status CopyStraight(const std::vector<std::string>& loaded_types) {
    std::string ds = SqlString(context_.interval.ds);
    WEIR_TRY(pg_->Execute("DELETE FROM " + Target() + " WHERE _weir_ds = " + ds));
    std::string columns = ColumnNames(LoadedNames(loaded_types));
    WEIR_TRY(StreamRows("COPY " + Target() + " (" + columns + (columns.empty() ? "" : ", ") +
                            "_weir_ds) FROM STDIN (FORMAT csv)",
                        loaded_types, ds));
    load_.log.Line("copied " + std::to_string(rows_loaded_) + " rows");
    return OkStatus();
  }

  Status StageRows(const std::vector<std::string>& loaded_types) {
    std::string definition;
    for (const std::string& name : LoadedNames(loaded_types)) {
      definition += (definition.empty() ? "" : ", ") + SqlIdentifier(name) + " text";
    }
    WEIR_TRY(pg_->Execute("CREATE TEMP TABLE " + std::string(kStage) + " (" + definition + ") ON COMMIT DROP"));
    WEIR_TRY(StreamRows("COPY " + std::string(kStage) + " FROM STDIN (FORMAT csv)", loaded_types));
    load_.log.Line("staged " + std::to_string(rows_loaded_) + " rows");
    return OkStatus();
  }

  // A unique constraint's refusal (SQLSTATE 23505: a key twice in the file,
  // or, appending, a key the table has) as a user error naming the key.
  Status DuplicateKeyError(const Status& status) const {
    if (!HasSqlState(status, "23505")) return status;
    std::string key = Between(status.message(), "(", " already exists");        // (id)=(5)
    std::string constraint = Between(status.message(), "unique constraint ", ";");  // unique constraint "t_pkey"
    if (key.empty() || constraint.empty()) return status;
    std::string where = load_.mode == "append" ? "table" : KeysParam();
    return UserError(load_.mode == "merge" ? "merge-keys-not-unique" : "load-duplicate-key",
                     "this load gives table " + load_.table + " the key " + key + " twice (" + constraint +
                         "): the file has it twice" + (load_.mode == "merge" ? "" : ", or the table has it already"),
                     context_.task.param(where)->where());
  }

  // merge-keys-not-unique with up to 5 keys the staged rows have twice,
  // compared as the table's types (GROUP BY in Postgres, which spills to disk).
  Status CheckStagedKeysUnique(const std::vector<std::string>& loaded_types) {
    std::string keys, shown;
    for (const std::string& k : keys_) {
      keys += (keys.empty() ? "" : ", ") + FromStage(k, loaded_types[IndexOf(k)]);
      shown += (shown.empty() ? "" : ", ") + k;
    }
    WEIR_ASSIGN_OR_RETURN(QueryRows twice, pg_->Query("SELECT CAST(ROW(" + keys + ") AS text), count(*) FROM " +
                                                      kStage + " s GROUP BY " + keys + " HAVING count(*) > 1 ORDER BY 1 LIMIT 5"));
    if (twice.rows.empty()) return OkStatus();
    std::string examples;
    for (const auto& row : twice.rows) {
      examples += (examples.empty() ? "" : "; ") + row[0].value_or("") + " (" + row[1].value_or("?") + " rows)";
    }
    return UserError("merge-keys-not-unique", "merge keys (" + shown + ") must be unique in the file, e.g. " + examples,
                     context_.task.param("keys")->where());
  }

  // True when the table has a unique index on exactly the merge keys.
  Result<bool> HasUniqueIndexOnKeys() {
    std::vector<std::string> sorted = keys_;
    std::sort(sorted.begin(), sorted.end());
    std::string array = "{";
    for (const std::string& k : sorted) array += (array.size() > 1 ? "," : "") + JsonString(k);
    array += "}";
    WEIR_ASSIGN_OR_RETURN(
        QueryRows rows,
        pg_->Query("SELECT count(*) FROM pg_catalog.pg_index i WHERE i.indrelid = to_regclass($1) AND i.indisunique "
                   "AND i.indpred IS NULL AND i.indexprs IS NULL AND (SELECT array_agg(CAST(a.attname AS text) "
                   "ORDER BY CAST(a.attname AS text) COLLATE \"C\") FROM pg_catalog.pg_attribute a "
                   "WHERE a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)) = CAST($2 AS text[]) "
                   "AND i.indnatts = cardinality(CAST($2 AS text[]))",
                   {Target(), array}));
    return rows.rows.at(0).at(0).value_or("0") != "0";
  }

  // The staged rows into the table, each column cast to its type.
  Status MoveRows(const std::vector<std::string>& loaded_types) {
    std::vector<std::string> names = LoadedNames(loaded_types);
    std::string values;
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (!loaded_types[i].empty()) values += (values.empty() ? "" : ", ") + FromStage(columns_[i].name, loaded_types[i]);
    }
    std::string insert_columns = ColumnNames(names);
    if (load_.mode == "append") {
      std::string ds = SqlString(context_.interval.ds);
      WEIR_TRY(pg_->Execute("DELETE FROM " + Target() + " WHERE _weir_ds = " + ds));
      return DuplicateKeyError(pg_->Execute("INSERT INTO " + Target() + " (" + insert_columns + ", _weir_ds) SELECT " +
                                            values + ", " + ds + " FROM " + kStage + " s"));
    }
    std::string insert = "INSERT INTO " + Target() + " (" + insert_columns + ") SELECT " + values + " FROM " + kStage + " s";
    if (load_.mode == "merge") {
      WEIR_ASSIGN_OR_RETURN(bool upsert, HasUniqueIndexOnKeys());
      if (upsert) return Upsert(insert, names, loaded_types);
      load_.log.Line("no unique index on (" + Join(keys_, ", ") + "): merging by DELETE and INSERT");
      WEIR_TRY(CheckStagedKeysUnique(loaded_types));
    }
    std::string match;
    for (const std::string& k : keys_) {
      std::string table_side = Target() + "." + SqlIdentifier(k);
      std::string stage_side = FromStage(k, loaded_types[IndexOf(k)]);
      match += (match.empty() ? "" : " AND ") + stage_side +
               (load_.mode == "merge" ? " = " : " IS NOT DISTINCT FROM ") + table_side;
    }
    WEIR_TRY(pg_->Execute("DELETE FROM " + Target() + " WHERE EXISTS (SELECT 1 FROM " + kStage + " s WHERE " + match +
                          ")"));
    return DuplicateKeyError(pg_->Execute(insert));
  }

  // INSERT ... ON CONFLICT, whose unique index refuses a key the file has
  // twice (SQLSTATE 21000, naming no key): then, back at a savepoint, the
  // staged rows' GROUP BY finds examples. With no column but the keys it
  // is DO NOTHING, and a key twice is two equal rows, loaded once.
  Status Upsert(const std::string& insert, const std::vector<std::string>& names,
                const std::vector<std::string>& loaded_types) {
    std::string updates;
    for (const std::string& n : names) {
      if (std::find(keys_.begin(), keys_.end(), n) != keys_.end()) continue;
      updates += (updates.empty() ? "" : ", ") + SqlIdentifier(n) + " = EXCLUDED." + SqlIdentifier(n);
    }
    load_.log.Line("merging with INSERT ... ON CONFLICT (" + Join(keys_, ", ") + ")");
    WEIR_TRY(pg_->Execute("SAVEPOINT weir_merge"));
    Status merged = pg_->Execute(insert + " ON CONFLICT (" + ColumnNames(keys_) + ") DO " +
                                 (updates.empty() ? "NOTHING" : "UPDATE SET " + updates));
    if (!HasSqlState(merged, "21000")) return DuplicateKeyError(merged);
    WEIR_TRY(pg_->Execute("ROLLBACK TO SAVEPOINT weir_merge"));
    WEIR_TRY(CheckStagedKeysUnique(loaded_types));
    return merged;  // not a duplicate after all: Postgres's own message
  }

  size_t IndexOf(const std::string& name) const {
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (columns_[i].name == name) return i;
    }
    return 0;
  }

  static std::string Join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
    return out;
  }

  Status LoadInTransaction() {
    WEIR_TRY(CreateSchema());
    WEIR_TRY(pg_->Execute("BEGIN"));
    // Loads of one table take turns (and do not race to create it).
    WEIR_TRY(pg_->Execute("SELECT pg_advisory_xact_lock(hashtext(" + SqlString("weir table " + load_.table) + "))"));
    WEIR_ASSIGN_OR_RETURN(std::vector<std::string> loaded_types, MatchTable());
    for (const std::string& key : keys_) {
      if (loaded_types[IndexOf(key)].empty()) {
        return UserError("load-new-columns", "key column '" + key + "' is not in table " + load_.table,
                         context_.task.where);
      }
    }
    if (CanCopyStraight(loaded_types)) {
      WEIR_TRY(CopyStraight(loaded_types));
    } else {
      WEIR_TRY(StageRows(loaded_types));
      WEIR_TRY(MoveRows(loaded_types));
    }
    return pg_->Execute("COMMIT");
  }

  static inline std::atomic<int> counter_{0};
  const PostgresLoad& load_;
  const TaskContext& context_;
  std::string on_schema_change_;
  std::unique_ptr<DuckDbConnection> compute_;
  std::unique_ptr<PostgresConnection> pg_;
  std::vector<FileColumn> columns_;
  std::vector<std::string> keys_;
  int64_t rows_loaded_ = 0;
};

}  // namespace

Result<std::string> LoadIntoPostgres(const PostgresLoad& load) { return PostgresLoader(load).Run(); }

}  // namespace weir::tasks_internal
