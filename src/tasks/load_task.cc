// The load task: a lake file into a warehouse table, in one transaction
// (or, with `connection:`, into a Postgres table: postgres_load.cc).
//   append             rows added; a rerun of the same interval first removes
//                      what that interval added (column _weir_ds), so
//                      nothing is duplicated
//   replace_partition  rows whose `partition_by` value appears in the file
//                      are replaced by the file's rows
//   merge              rows whose `keys` appear in the file are replaced
//                      (an upsert); keys must be unique within the file
// The table is created from the file's schema when missing; columns are
// matched by name. With `quarantine:`, rows that fail its row checks go to
// the rejects table (DESIGN.md's shape, the check's name as the reason)
// instead of the table, and the load goes on with the rest.
#include <algorithm>
#include <cstdio>
#include <map>

#include "common/text.h"
#include "quality/quality.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/load.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

std::string ColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + SqlIdentifier(c);
  return out;
}

// What a file whose columns differ from the table's changes first
// (on_schema_change), and the file's columns the load inserts.
struct SchemaChange {
  std::string statements;  // ALTER TABLE ...; each ending in "; "
  std::string columns = "*";
  std::vector<std::string> log;
};

// The type that holds both a column's `table_type` and the file's
// `file_type`, when wider than `table_type`; "" otherwise.
std::string WiderDuckDbType(const std::string& table_type, const std::string& file_type) {
  static const std::vector<std::vector<std::string>> kLadders = {
      {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"}, {"FLOAT", "DOUBLE"}};
  for (const auto& ladder : kLadders) {
    auto have = std::find(ladder.begin(), ladder.end(), table_type);
    auto want = std::find(ladder.begin(), ladder.end(), file_type);
    if (have != ladder.end() && want != ladder.end()) return want > have ? file_type : "";
  }
  int tp = 0, ts = 0, fp = 0, fs = 0;
  if (std::sscanf(table_type.c_str(), "DECIMAL(%d,%d)", &tp, &ts) == 2 &&
      std::sscanf(file_type.c_str(), "DECIMAL(%d,%d)", &fp, &fs) == 2) {
    int scale = std::max(ts, fs);
    int digits = std::min(38, std::max(tp - ts, fp - fs) + scale);
    return digits == tp && scale == ts ? "" : "DECIMAL(" + std::to_string(digits) + "," + std::to_string(scale) + ")";
  }
  return "";
}

Result<SchemaChange> PlanSchemaChange(DuckDbConnection& db, const TaskContext& context, const std::string& table,
                                      const std::string& source, const std::string& policy) {
  size_t dot = table.find('.');
  std::string schema = dot == std::string::npos ? "main" : table.substr(0, dot);
  std::string name = dot == std::string::npos ? table : table.substr(dot + 1);
  WEIR_ASSIGN_OR_RETURN(QueryRows existing,
                        db.Query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                                 "AND table_name = ? ORDER BY ordinal_position",
                                 {schema, name}));
  SchemaChange change;
  if (existing.rows.empty()) return change;  // created from the file
  std::map<std::string, std::string> types;
  for (const auto& row : existing.rows) types[row[0].value_or("")] = row[1].value_or("");
  WEIR_ASSIGN_OR_RETURN(QueryRows file, db.Query("DESCRIBE SELECT * FROM " + source));
  std::vector<std::string> new_columns, loaded;
  std::string target = SqlQualifiedName(table);
  for (const auto& row : file.rows) {
    std::string column = row[0].value_or(""), type = row[1].value_or("");
    auto it = types.find(column);
    bool add = it == types.end() && (policy == "append_new_columns" || policy == "evolve");
    if (it == types.end()) new_columns.push_back(column);
    if (add) {
      change.statements += "ALTER TABLE " + target + " ADD COLUMN " + SqlIdentifier(column) + " " + type + "; ";
      change.log.push_back("adding column " + column + " " + type);
    }
    std::string wider = it != types.end() && policy == "evolve" ? WiderDuckDbType(it->second, type) : "";
    if (!wider.empty()) {
      change.statements += "ALTER TABLE " + target + " ALTER COLUMN " + SqlIdentifier(column) + " TYPE " + wider + "; ";
      change.log.push_back("widening column " + column + " from " + it->second + " to " + wider);
    }
    if (it != types.end() || add) loaded.push_back(column);
  }
  if (!new_columns.empty() && policy == "fail") {
    return UserError("load-new-columns", "the file has columns that table " + table + " lacks: " +
                                             QuotedList(new_columns) +
                                             "; set on_schema_change: append_new_columns (or evolve) to add them, or "
                                             "ignore to leave them out", context.task.param("table")->where());
  }
  if (policy == "ignore" && !new_columns.empty()) change.columns = ColumnList(loaded);
  return change;
}

class LoadTask final : public RedactingTask {
 public:
  explicit LoadTask(const TaskServices& services) : services_(services) {}

  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    const TaskDef& task = context.task;
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    WEIR_ASSIGN_OR_RETURN(RenderedText from, RenderParam(task, "from", names));
    WEIR_ASSIGN_OR_RETURN(RenderedText table, RenderParam(task, "table", names));
    WEIR_ASSIGN_OR_RETURN(FileFormat format, FormatOf(from.text, task.param("from")->where()));
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services_));
    WEIR_ASSIGN_OR_RETURN(std::string path, lake->Input(from.text, "the file to load", task.param("from")->where()));
    std::string mode = "append";
    if (task.param("mode") != nullptr) {
      WEIR_ASSIGN_OR_RETURN(RenderedText m, RenderParam(task, "mode", names));
      mode = m.text;
    }
    std::string source = ReadFileSql(path, format);
    std::string target = SqlQualifiedName(table.text);
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": load " + from.text + " into " +
                                         table.text + " (" + mode + ")");
    log.SetSecrets(secrets);
    if (const ConfigNode* connection_param = task.param("connection")) {
      WEIR_ASSIGN_OR_RETURN(RenderedText name, RenderParam(task, "connection", names));
      WEIR_ASSIGN_OR_RETURN(const ConfigNode* connection, FindConnection(context, name.text, connection_param->where()));
      if (ConnectionType(*connection) != "postgres") {
        return UserError("connection-not-available", "load writes to the warehouse or to a postgres connection; '" +
                                                         name.text + "' is of type '" + ConnectionType(*connection) +
                                                         "'", connection_param->where());
      }
      if (task.param("quarantine") != nullptr) {
        return UserError("not-available", "'quarantine' works on loads into the DuckDB warehouse; a load into "
                                          "postgres cannot quarantine rows yet", task.param("quarantine")->where());
      }
      return LoadIntoPostgres(PostgresLoad{context, *connection, name.text, names, source, table.text, mode, log});
    }
    WEIR_ASSIGN_OR_RETURN(auto warehouse, ConnectWarehouse(context, services_));
    std::map<std::string, int64_t> quarantined;
    if (const ConfigNode* quarantine = task.param("quarantine")) {
      WEIR_ASSIGN_OR_RETURN(source, Quarantine(*warehouse, context, *quarantine, source, from.text, quarantined));
      for (const auto& [check, rows] : quarantined) log.Line("quarantined " + std::to_string(rows) + " rows: " + check);
    }
    WEIR_ASSIGN_OR_RETURN(std::string replace, ReplaceStatement(context, mode, target, source));
    size_t dot = table.text.find('.');
    std::string schema =
        dot == std::string::npos ? "" : "CREATE SCHEMA IF NOT EXISTS " + SqlIdentifier(table.text.substr(0, dot)) + "; ";
    std::string marker = mode == "append" ? ", " + SqlString(context.interval.ds) + " AS _weir_ds" : "";
    if (mode == "merge") WEIR_TRY(CheckMergeKeysUnique(*warehouse, context, source));
    WEIR_ASSIGN_OR_RETURN(std::string policy, OnSchemaChangePolicy(context, names));
    WEIR_ASSIGN_OR_RETURN(auto before, warehouse->QueryValue("SELECT count(*) FROM " + source));
    WEIR_ASSIGN_OR_RETURN(auto writing, warehouse->LockForWrite(context.cancel, context.deadline));
    WEIR_ASSIGN_OR_RETURN(SchemaChange change, PlanSchemaChange(*warehouse, context, table.text, source, policy));
    for (const std::string& line : change.log) log.Line(line);
    std::string sql = "BEGIN; " + schema + "CREATE TABLE IF NOT EXISTS " + target + " AS SELECT *" + marker +
                      " FROM " + source + " LIMIT 0; " + change.statements + replace + "; INSERT INTO " + target +
                      " BY NAME SELECT " + change.columns + marker + " FROM " + source + "; COMMIT;";
    Status loaded = warehouse->ExecuteUntil(sql, context.cancel, context.deadline);
    if (!loaded.ok()) {
      warehouse->Execute("ROLLBACK").IgnoreError();
      log.Line("failed: " + loaded.message());
      return loaded;
    }
    WEIR_ASSIGN_OR_RETURN(auto total, warehouse->QueryValue("SELECT count(*) FROM " + target));
    std::map<std::string, std::string> output = {{"rows_loaded", before.value_or("0")},
                                                 {"table_rows", total.value_or("0")},
                                                 {"table", JsonString(table.text)},
                                                 {"mode", JsonString(mode)}};
    if (task.param("quarantine") != nullptr) {
      int64_t all = 0;
      std::map<std::string, std::string> per_check;
      for (const auto& [check, rows] : quarantined) {
        per_check[check] = std::to_string(rows);
        all += rows;
      }
      output["rows_quarantined"] = std::to_string(all);
      output["quarantined"] = JsonObject(per_check);
    }
    return JsonObject(output);
  }

 private:
  // Classifies the file's rows in a temporary table of the warehouse
  // connection (a values_in check reads warehouse tables), writes the
  // failing ones to the rejects table, and returns the rows to load.
  Result<std::string> Quarantine(DuckDbConnection& db, const TaskContext& context, const ConfigNode& node,
                                 const std::string& source, const std::string& from,
                                 std::map<std::string, int64_t>& counts) {
    const ConfigNode* table = node.is_map() ? node.Find("table") : nullptr;
    const ConfigNode* checks = node.is_map() ? node.Find("checks") : nullptr;
    if (table == nullptr || checks == nullptr) {
      return UserError("bad-quarantine", "'quarantine' takes 'table' (the rejects table) and 'checks' (row checks)",
                       node.where());
    }
    WEIR_ASSIGN_OR_RETURN(std::string rejects, table->AsString("'table'"));
    WEIR_ASSIGN_OR_RETURN(std::vector<CheckSpec> specs, ParseCheckList(*checks));
    std::string reason = "CASE";
    for (const CheckSpec& spec : specs) {
      WEIR_ASSIGN_OR_RETURN(std::string fails, RowFailurePredicate(spec));
      reason += " WHEN " + fails + " THEN " + SqlString(spec.name);
    }
    reason += " END";
    WEIR_TRY(db.ExecuteUntil("CREATE OR REPLACE TEMP TABLE __weir_quarantine AS SELECT t.*, to_json(t)::VARCHAR AS "
                             "__weir_row, " + reason + " AS __weir_reason FROM " + source + " AS t",
                             context.cancel, context.deadline));
    WEIR_ASSIGN_OR_RETURN(counts, WriteRejects(db,
                                               "SELECT __weir_reason AS reason, " + SqlString(from) +
                                                   " AS source, __weir_row AS row_json FROM __weir_quarantine "
                                                   "WHERE __weir_reason IS NOT NULL",
                                               rejects, context, services_));
    for (const CheckSpec& spec : specs) counts.emplace(spec.name, 0);
    return std::string("(SELECT * EXCLUDE (__weir_row, __weir_reason) FROM __weir_quarantine "
                       "WHERE __weir_reason IS NULL)");
  }

  // The statement that removes what this load replaces.
  Result<std::string> ReplaceStatement(const TaskContext& context, const std::string& mode, const std::string& target,
                                       const std::string& source) {
    if (mode == "append") {
      return "DELETE FROM " + target + " WHERE _weir_ds = " + SqlString(context.interval.ds);
    }
    if (mode == "replace_partition" || mode == "merge") {
      WEIR_ASSIGN_OR_RETURN(auto columns, LoadColumns(context, mode == "merge" ? "keys" : "partition_by"));
      std::string match;
      for (const std::string& c : columns) {
        match += (match.empty() ? "" : " AND ") + std::string("s.") + SqlIdentifier(c) + " IS NOT DISTINCT FROM " +
                 target + "." + SqlIdentifier(c);
      }
      return "DELETE FROM " + target + " WHERE EXISTS (SELECT 1 FROM " + source + " s WHERE " + match + ")";
    }
    return UserError("bad-value", "'mode' must be 'append', 'replace_partition' or 'merge', got '" + mode + "'",
                     context.task.param("mode")->where());
  }

  const TaskServices& services_;
};

}  // namespace

Result<std::vector<std::string>> LoadColumns(const TaskContext& context, const std::string& key) {
  const ConfigNode* node = context.task.param(key);
  if (node == nullptr) {
    return UserError("missing-key", "load with this mode needs '" + key + "'", context.task.where);
  }
  return node->AsStringList("'" + key + "'");
}

Result<std::string> OnSchemaChangePolicy(const TaskContext& context, const TemplateContext& names) {
  const ConfigNode* node = context.task.param("on_schema_change");
  if (node == nullptr) return std::string("fail");
  WEIR_ASSIGN_OR_RETURN(RenderedText value, RenderNode(*node, "'on_schema_change'", names));
  static const std::vector<std::string> kValues = {"fail", "ignore", "append_new_columns", "evolve"};
  if (std::find(kValues.begin(), kValues.end(), value.text) == kValues.end()) {
    return UserError("bad-value", "'on_schema_change' must be one of " + QuotedList(kValues) + ", got '" + value.text +
                                      "'" + DidYouMean(value.text, kValues), node->where());
  }
  return value.text;
}

Status CheckMergeKeysUnique(DuckDbConnection& db, const TaskContext& context, const std::string& source) {
  WEIR_ASSIGN_OR_RETURN(auto keys, LoadColumns(context, "keys"));
  std::string list = ColumnList(keys);
  std::string any_null;
  for (const std::string& k : keys) any_null += (any_null.empty() ? "" : " OR ") + SqlIdentifier(k) + " IS NULL";
  WEIR_ASSIGN_OR_RETURN(auto rows, db.Query("SELECT " + list + ", count(*) AS n FROM " + source + " GROUP BY " + list +
                                            " HAVING count(*) > 1 OR " + any_null + " LIMIT 5"));
  if (rows.rows.empty()) return OkStatus();
  std::string examples;
  for (const auto& row : rows.rows) {
    examples += (examples.empty() ? "" : "; ") + row[0].value_or("NULL") + " (" + row.back().value_or("?") + " rows)";
  }
  return UserError("merge-keys-not-unique", "merge keys must be unique and not null in the file, e.g. " + examples,
                   context.task.param("keys")->where());
}

std::shared_ptr<TaskRunner> NewLoadTask(const TaskServices& services) { return std::make_shared<LoadTask>(services); }

}  // namespace weir::tasks_internal
