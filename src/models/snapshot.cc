// The snapshot materialization on DuckDB: dbt's snapshot_staging_table
// (insertions, updates, deletes and deletion records against the current
// versions) merged by dbt-duckdb's update-then-insert, in one transaction.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>

#include "models/internal/node_config.h"
#include "models/internal/snapshot.h"

namespace weir::models_internal {
namespace {

using HardDeletes = SnapshotConfig::HardDeletes;

// The snapshot table's own columns, and the staging table's helper columns.
const std::vector<std::string> kMetaColumns = {"dbt_scd_id", "dbt_updated_at", "dbt_valid_from", "dbt_valid_to"};
constexpr std::string_view kKeyPrefix = "dbt_unique_key_";

// dbt-duckdb's snapshot_get_time() is now()::timestamp: local wall time.
std::string TimeLiteral(TimePoint now) {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000 - (micros % 1000000 < 0 ? 1 : 0));
  long fraction = static_cast<long>(((micros % 1000000) + 1000000) % 1000000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[64];
  std::strftime(text, sizeof(text), "%Y-%m-%d %H:%M:%S", &local);
  char out[96];
  std::snprintf(out, sizeof(out), "TIMESTAMP '%s.%06ld'", text, fraction);
  return out;
}

// The pieces of SQL the statements share.
struct SnapshotSql {
  const SnapshotConfig& config;
  const ModelNode& node;
  std::string now;         // the snapshot time, a TIMESTAMP literal
  std::string updated_at;  // the source's updated_at, or the snapshot time (check)
  std::vector<std::string> query_columns;
  std::vector<std::string> target_columns;  // empty on the first build
  bool column_added = false;                // check: the query has a column the table lacks

  bool Deletes() const { return config.hard_deletes != HardDeletes::kIgnore; }
  bool NewRecord() const { return config.hard_deletes == HardDeletes::kNewRecord; }
  std::string ValidToCurrent() const { return config.valid_to_current.empty() ? "null" : config.valid_to_current; }
};

std::string Join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i == 0 ? "" : std::string(separator)) + parts[i];
  return out;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// dbt's snapshot_hash_arguments: md5 of the values joined with '|'.
std::string Hash(const std::vector<std::string>& arguments) {
  std::vector<std::string> parts;
  for (const std::string& a : arguments) parts.push_back("coalesce(cast(" + a + " as varchar), '')");
  return "md5(" + Join(parts, " || '|' || ") + ")";
}

std::string ScdId(const SnapshotSql& s) {
  std::vector<std::string> arguments = s.config.unique_key;
  arguments.push_back(s.updated_at);
  return Hash(arguments);
}

// dbt's get_dbt_valid_to_current: null (or the configured value) typed as updated_at.
std::string ValidTo(const SnapshotSql& s) {
  return "coalesce(nullif(" + s.updated_at + ", " + s.updated_at + "), " + s.ValidToCurrent() + ")";
}

std::string KeyFields(const SnapshotSql& s) {
  std::vector<std::string> fields;
  for (size_t i = 0; i < s.config.unique_key.size(); ++i) {
    fields.push_back(s.config.unique_key[i] + " as " + std::string(kKeyPrefix) + std::to_string(i + 1));
  }
  return Join(fields, ", ");
}

std::string KeyJoin(const SnapshotSql& s) {
  std::vector<std::string> parts;
  for (size_t i = 1; i <= s.config.unique_key.size(); ++i) {
    std::string key = std::string(kKeyPrefix) + std::to_string(i);
    parts.push_back("snapshotted_data." + key + " = source_data." + key);
  }
  return Join(parts, " and ");
}

std::string FirstKey(const std::string& alias) { return alias + "." + std::string(kKeyPrefix) + "1"; }

// Current versions: dbt_valid_to is null, or dbt_valid_to_current.
std::string IsCurrent(const SnapshotSql& s, const std::string& alias) {
  std::string column = alias.empty() ? "dbt_valid_to" : alias + ".dbt_valid_to";
  if (s.config.valid_to_current.empty()) return column + " is null";
  return "(" + column + " = " + s.config.valid_to_current + " or " + column + " is null)";
}

std::string RowChanged(const SnapshotSql& s) {
  std::string changed;
  if (s.config.strategy == SnapshotConfig::Strategy::kTimestamp) {
    changed = "snapshotted_data.dbt_valid_from < source_data." + s.config.updated_at;
  } else if (s.column_added) {
    changed = "true";  // dbt: a new column makes every row a new version
  } else {
    std::vector<std::string> compared;
    std::vector<std::string> columns = s.config.check_all ? s.query_columns : s.config.check_cols;
    for (const std::string& column : columns) {
      std::string quoted = QuoteIdentifier(column);
      compared.push_back("snapshotted_data." + quoted + " is distinct from source_data." + quoted);
    }
    changed = compared.empty() ? "false" : Join(compared, " or ");
  }
  if (s.NewRecord()) changed = "(" + changed + ") or snapshotted_data.dbt_is_deleted = 'True'";
  return "(" + changed + ")";
}

// Query columns as the deletion records take them: the snapshotted value,
// or null for a column the table does not have yet.
std::string DeletedRowColumns(const SnapshotSql& s) {
  std::vector<std::string> columns;
  for (const std::string& column : s.query_columns) {
    std::string quoted = QuoteIdentifier(column);
    columns.push_back((Contains(s.target_columns, column) ? "snapshotted_data." : "source_data.") + quoted);
  }
  for (size_t i = 1; i <= s.config.unique_key.size(); ++i) {
    std::string key = std::string(kKeyPrefix) + std::to_string(i);
    columns.push_back("snapshotted_data." + key);
  }
  return Join(columns, ", ");
}

// dbt's snapshot_staging_table: one row per change, with dbt_change_type
// insert (a new version), update (close a version) or delete (close the
// version of a row gone from the query).
std::string StagingSelect(const SnapshotSql& s, const std::string& sql) {
  const std::string target = s.node.relation.Quoted();
  const std::string key_fields = KeyFields(s);
  const std::string row_changed = RowChanged(s);
  const std::string gone = "source_data." + std::string(kKeyPrefix) + "1 is null";
  std::string out = "with snapshot_query as (\n" + sql + "\n),\nsnapshotted_data as (\n  select *, " + key_fields +
                    " from " + target + " where " + IsCurrent(s, "") + "\n),\n";
  out += "insertions_source_data as (\n  select *, " + key_fields + ", " + s.updated_at + " as dbt_updated_at, " +
         s.updated_at + " as dbt_valid_from, " + ValidTo(s) + " as dbt_valid_to, " + ScdId(s) +
         " as dbt_scd_id\n  from snapshot_query\n),\n";
  out += "updates_source_data as (\n  select *, " + key_fields + ", " + s.updated_at + " as dbt_updated_at, " +
         s.updated_at + " as dbt_valid_from, " + s.updated_at + " as dbt_valid_to\n  from snapshot_query\n),\n";
  if (s.Deletes()) out += "deletes_source_data as (\n  select *, " + key_fields + " from snapshot_query\n),\n";
  out += "insertions as (\n  select 'insert' as dbt_change_type, source_data.*" +
         std::string(s.NewRecord() ? ", 'False' as dbt_is_deleted" : "") +
         "\n  from insertions_source_data as source_data\n  left outer join snapshotted_data on " + KeyJoin(s) +
         "\n  where " + FirstKey("snapshotted_data") + " is null or " + row_changed + "\n),\n";
  out += "updates as (\n  select 'update' as dbt_change_type, source_data.*, snapshotted_data.dbt_scd_id" +
         std::string(s.NewRecord() ? ", snapshotted_data.dbt_is_deleted" : "") +
         "\n  from updates_source_data as source_data\n  join snapshotted_data on " + KeyJoin(s) + "\n  where " +
         row_changed + "\n)";
  // A row deleted once is not deleted again while it stays away.
  std::string still_there = s.NewRecord() ? " and snapshotted_data.dbt_is_deleted is distinct from 'True'" : "";
  if (s.Deletes()) {
    out += ",\ndeletes as (\n  select 'delete' as dbt_change_type, source_data.*, " + s.now + " as dbt_valid_from, " +
           s.now + " as dbt_updated_at, " + s.now + " as dbt_valid_to, snapshotted_data.dbt_scd_id" +
           std::string(s.NewRecord() ? ", snapshotted_data.dbt_is_deleted" : "") +
           "\n  from snapshotted_data\n  left join deletes_source_data as source_data on " + KeyJoin(s) +
           "\n  where " + gone + still_there + "\n)";
  }
  if (s.NewRecord()) {
    out += ",\ndeletion_records as (\n  select 'insert' as dbt_change_type, " + DeletedRowColumns(s) + ", " + s.now +
           " as dbt_valid_from, " + s.now + " as dbt_updated_at, snapshotted_data.dbt_valid_to, " +
           Hash({"snapshotted_data.dbt_scd_id", s.now}) + " as dbt_scd_id, 'True' as dbt_is_deleted" +
           "\n  from snapshotted_data\n  left join deletes_source_data as source_data on " + KeyJoin(s) +
           "\n  where " + gone + still_there + "\n)";
  }
  out += "\nselect * from insertions\nunion all\nselect * from updates";
  if (s.Deletes()) out += "\nunion all\nselect * from deletes";
  if (s.NewRecord()) out += "\nunion all\nselect * from deletion_records";
  return out;
}

// dbt's build_snapshot_table: every row of the query, valid from its updated_at.
std::string FirstBuildSelect(const SnapshotSql& s, const std::string& sql) {
  return "select *, " + ScdId(s) + " as dbt_scd_id, " + s.updated_at + " as dbt_updated_at, " + s.updated_at +
         " as dbt_valid_from, " + ValidTo(s) + " as dbt_valid_to" +
         (s.NewRecord() ? ", 'False' as dbt_is_deleted" : "") + "\nfrom (\n" + sql + "\n) sbq";
}

struct TypedColumn {
  std::string name;
  std::string type;
};

Result<std::vector<TypedColumn>> QueryColumns(DuckDbConnection& db, const std::string& select) {
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, db.Query("select * from (\n" + select + "\n) as dbt_columns limit 0"));
  std::vector<TypedColumn> out;
  for (size_t i = 0; i < rows.columns.size(); ++i) {
    out.push_back({rows.columns[i], i < rows.types.size() ? rows.types[i] : "VARCHAR"});
  }
  return out;
}

Result<std::vector<std::string>> TableColumns(DuckDbConnection& db, const RelationName& relation) {
  WEIR_ASSIGN_OR_RETURN(QueryRows rows,
                        db.Query("SELECT column_name FROM information_schema.columns WHERE table_catalog = ? AND "
                                 "table_schema = ? AND table_name = ? ORDER BY ordinal_position",
                                 {relation.database, relation.schema, relation.identifier}));
  std::vector<std::string> out;
  for (const auto& row : rows.rows) out.push_back(row[0].value_or(""));
  return out;
}

// A statement's error names the snapshot and its file.
Status InSnapshot(const Status& status, const ModelNode& node) {
  return status.WithContext("snapshot '" + node.name + "'").At(SourceLocation{node.original_file_path});
}

// `work` inside BEGIN / COMMIT; any failure rolls everything back.
Status InTransaction(DuckDbConnection& db, const std::function<Status()>& work) {
  WEIR_TRY(db.Execute("BEGIN TRANSACTION"));
  Status status = work();
  if (status.ok()) status = db.Execute("COMMIT");
  if (!status.ok()) db.Execute("ROLLBACK").IgnoreError();
  return status;
}

Result<int64_t> Count(DuckDbConnection& db, const std::string& sql) {
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> count, db.QueryValue(sql));
  return count ? std::stoll(*count) : 0;
}

Result<Materialized> FirstBuild(DuckDbConnection& db, const SnapshotSql& s, const std::string& sql) {
  const std::string target = s.node.relation.Quoted();
  WEIR_TRY(db.Execute("CREATE TABLE " + target + " AS (\n" + FirstBuildSelect(s, sql) + "\n)"));
  WEIR_ASSIGN_OR_RETURN(int64_t rows, Count(db, "SELECT count(*) FROM " + target));
  return Materialized{.message = "INSERT " + std::to_string(rows), .rows = rows};
}

// The columns the table lacks: new query columns, and dbt_is_deleted when
// hard_deletes became new_record.
std::vector<std::string> AddColumnStatements(const SnapshotSql& s, const std::vector<TypedColumn>& query) {
  std::vector<std::string> out;
  const std::string target = s.node.relation.Quoted();
  for (const TypedColumn& column : query) {
    if (Contains(s.target_columns, column.name)) continue;
    out.push_back("ALTER TABLE " + target + " ADD COLUMN " + QuoteIdentifier(column.name) + " " + column.type);
  }
  if (s.NewRecord() && !Contains(s.target_columns, "dbt_is_deleted")) {
    out.push_back("ALTER TABLE " + target + " ADD COLUMN dbt_is_deleted VARCHAR");
  }
  return out;
}

// dbt-duckdb's snapshot_merge_sql: close the versions the staging table
// updates or deletes, then insert its new versions.
std::vector<std::string> MergeStatements(const SnapshotSql& s, const std::string& staging,
                                         const std::vector<std::string>& insert_columns) {
  const std::string target = s.node.relation.Quoted();
  std::vector<std::string> quoted;
  for (const std::string& c : insert_columns) quoted.push_back(QuoteIdentifier(c));
  std::string columns = Join(quoted, ", ");
  return {"UPDATE " + target + " AS dbt_internal_target SET dbt_valid_to = dbt_internal_source.dbt_valid_to FROM " +
              staging + " AS dbt_internal_source WHERE dbt_internal_source.dbt_scd_id = dbt_internal_target.dbt_scd_id "
              "AND dbt_internal_source.dbt_change_type IN ('update', 'delete') AND " +
              IsCurrent(s, "dbt_internal_target"),
          "INSERT INTO " + target + " (" + columns + ") SELECT " + columns + " FROM " + staging +
              " WHERE dbt_change_type = 'insert'"};
}

Result<Materialized> UpdateSnapshot(DuckDbConnection& db, SnapshotSql& s, const std::string& sql,
                                    const std::vector<TypedColumn>& query) {
  WEIR_ASSIGN_OR_RETURN(s.target_columns, TableColumns(db, s.node.relation));
  std::vector<std::string> missing;
  for (const std::string& meta : kMetaColumns) {
    if (!Contains(s.target_columns, meta)) missing.push_back(meta);
  }
  if (!missing.empty()) {
    return UserError("snapshot-target", "the table " + s.node.relation.Quoted() + " of snapshot '" + s.node.name +
                                            "' has no column " + Join(missing, ", ") +
                                            ": it was not built as a snapshot; drop it or choose another name",
                     SourceLocation{s.node.original_file_path});
  }
  if (s.config.strategy == SnapshotConfig::Strategy::kCheck) {
    std::vector<std::string> compared = s.config.check_all ? s.query_columns : s.config.check_cols;
    for (const std::string& column : compared) s.column_added = s.column_added || !Contains(s.target_columns, column);
  }
  // A temporary table: each connection has its own, so parallel snapshots never meet.
  const std::string staging_name = QuoteIdentifier(s.node.relation.identifier + "__dbt_tmp");
  const std::string staging = "temp.main." + staging_name;
  std::vector<std::string> insert_columns = s.query_columns;
  for (const std::string& meta : kMetaColumns) insert_columns.push_back(meta);
  if (s.NewRecord()) insert_columns.push_back("dbt_is_deleted");
  int64_t inserted = 0;
  WEIR_TRY(InTransaction(db, [&]() -> Status {
    for (const std::string& statement : AddColumnStatements(s, query)) WEIR_TRY(db.Execute(statement));
    WEIR_TRY(db.Execute("CREATE OR REPLACE TEMP TABLE " + staging_name + " AS (\n" + StagingSelect(s, sql) + "\n)"));
    WEIR_ASSIGN_OR_RETURN(inserted, Count(db, "SELECT count(*) FROM " + staging + " WHERE dbt_change_type = 'insert'"));
    for (const std::string& statement : MergeStatements(s, staging, insert_columns)) WEIR_TRY(db.Execute(statement));
    return db.Execute("DROP TABLE " + staging);
  }));
  return Materialized{.message = "INSERT " + std::to_string(inserted), .rows = inserted};
}

}  // namespace

Result<Materialized> MaterializeSnapshot(DuckDbConnection& db, RelationCache& relations, const ModelNode& node,
                                         const std::string& sql, TimePoint now) {
  WEIR_ASSIGN_OR_RETURN(SnapshotConfig config, ReadSnapshotConfig(node, [&](std::string_view) {
                          return SourceLocation{node.original_file_path};
                        }));
  std::string existing = relations.TypeOf(node.relation);
  if (existing == "VIEW") {
    return UserError("snapshot-target", node.relation.Quoted() + " is a view: snapshot '" + node.name +
                                            "' builds a table; drop the view or choose another name",
                     SourceLocation{node.original_file_path});
  }
  Result<std::vector<TypedColumn>> query = QueryColumns(db, sql);
  if (!query.ok()) return InSnapshot(query.status(), node);
  if (!config.check_cols.empty()) {
    // The columns as the query names them (and an error for one it lacks).
    Result<std::vector<TypedColumn>> checked =
        QueryColumns(db, "select " + Join(config.check_cols, ", ") + " from (\n" + sql + "\n) subq");
    if (!checked.ok()) return InSnapshot(checked.status().WithContext("check_cols"), node);
    config.check_cols.clear();
    for (const TypedColumn& column : *checked) config.check_cols.push_back(column.name);
  }
  SnapshotSql s{.config = config, .node = node, .now = TimeLiteral(now)};
  s.updated_at = config.updated_at.empty() ? s.now : config.updated_at;
  for (const TypedColumn& column : *query) s.query_columns.push_back(column.name);
  Result<Materialized> done = existing.empty() ? FirstBuild(db, s, sql) : UpdateSnapshot(db, s, sql, *query);
  if (!done.ok()) return InSnapshot(done.status(), node);
  relations.Set(node.relation, "BASE TABLE");
  return done;
}

}  // namespace weir::models_internal
