// The sql task. With `to:` it computes in a private DuckDB over its
// `inputs:` (lake files registered as views) and writes the final SELECT to
// the lake, routing rows that match `rejects:` rules to the rejects table.
// Without `to:` its statements run in the warehouse.
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

struct RejectRule {
  std::string when;
  std::string reason;
};

struct RejectSpec {
  std::string table;
  std::vector<RejectRule> rules;
};

Result<std::optional<RejectSpec>> ReadRejects(const TaskDef& task) {
  const ConfigNode* node = task.param("rejects");
  if (node == nullptr || node->is_null()) return std::optional<RejectSpec>();
  const ConfigNode* table = node->is_map() ? node->Find("table") : nullptr;
  const ConfigNode* rules = node->is_map() ? node->Find("rules") : nullptr;
  if (table == nullptr || !table->is_scalar() || rules == nullptr || !rules->is_sequence()) {
    return UserError("bad-rejects", "'rejects' needs 'table' (a name) and 'rules' (a list of {when, reason})",
                     node->where());
  }
  RejectSpec spec{table->scalar(), {}};
  for (const ConfigNode& rule : rules->items()) {
    const ConfigNode* when = rule.is_map() ? rule.Find("when") : nullptr;
    const ConfigNode* reason = rule.is_map() ? rule.Find("reason") : nullptr;
    if (when == nullptr || !when->is_scalar() || reason == nullptr || !reason->is_scalar()) {
      return UserError("bad-rejects", "each rejects rule needs 'when' (a SQL condition) and 'reason'", rule.where());
    }
    spec.rules.push_back({when->scalar(), reason->scalar()});
  }
  return std::optional<RejectSpec>(std::move(spec));
}

bool IsQuery(const std::string& statement) {
  size_t i = 0;
  for (;;) {  // past blanks, parentheses and comments
    i = statement.find_first_not_of(" \t\r\n(", i);
    if (i == std::string::npos) return false;
    if (statement.compare(i, 2, "--") == 0) {
      i = statement.find('\n', i);
      if (i == std::string::npos) return false;
    } else if (statement.compare(i, 2, "/*") == 0) {
      i = statement.find("*/", i);
      if (i == std::string::npos) return false;
      i += 2;
    } else {
      break;
    }
  }
  std::string word;
  for (; i < statement.size() && std::isalpha(static_cast<unsigned char>(statement[i])); ++i) {
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(statement[i])));
  }
  return word == "SELECT" || word == "WITH" || word == "FROM" || word == "VALUES" || word == "TABLE";
}

class SqlTask final : public RedactingTask {
 public:
  explicit SqlTask(const TaskServices& services) : services_(services) {}

  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    std::string shown;
    WEIR_ASSIGN_OR_RETURN(std::string sql, RenderSqlParam(context.task, "sql", names, context, services_, &shown));
    WEIR_TRY(SkipIf(context, names, services_));
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": sql");
    log.SetSecrets(secrets);
    log.Line("SQL:\n" + shown, false);
    if (const ConfigNode* connection = context.task.param("connection")) {
      Result<std::string> result = InPostgres(context, names, sql, *connection, log);
      if (!result.ok()) log.Line("failed: " + result.status().message());
      return result;
    }
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services_));
    Result<std::string> result = context.task.param("to") != nullptr ? ToLake(context, names, sql, *lake, log)
                                                                     : InWarehouse(context, names, sql, *lake);
    if (!result.ok()) {
      log.Line("SQL:\n" + shown);
      log.Line("failed: " + result.status().message());
    }
    return result;
  }

 private:
  Result<std::string> InWarehouse(const TaskContext& context, const TemplateContext& names, const std::string& sql,
                                  Lake& lake) {
    WEIR_ASSIGN_OR_RETURN(auto db, ConnectWarehouse(context, services_));
    WEIR_ASSIGN_OR_RETURN(auto writing, db->LockForWrite(context.cancel, context.deadline));
    std::string sources;
    WEIR_TRY(RegisterInputs(*db, context, names, lake, sources));
    WEIR_TRY(db->ExecuteUntil(sql, context.cancel, context.deadline));
    return JsonObject({{"statements", std::to_string(SplitSqlStatements(sql).size())}});
  }

  // `connection:` a Postgres connection of weir.yml: the statements run
  // there one by one in one transaction (Airflow's PostgresOperator), so a
  // failing statement leaves nothing of the others.
  Result<std::string> InPostgres(const TaskContext& context, const TemplateContext& names, const std::string& sql,
                                 const ConfigNode& param, AttemptLog& log) {
    for (const char* lake_key : {"to", "inputs"}) {
      if (const ConfigNode* node = context.task.param(lake_key)) {
        return UserError("not-available", std::string("'") + lake_key + "' reads or writes the lake through DuckDB; "
                                          "with 'connection:' the SQL runs in Postgres", node->where());
      }
    }
    WEIR_ASSIGN_OR_RETURN(std::string name, param.AsString("'connection'"));
    WEIR_ASSIGN_OR_RETURN(const ConfigNode* connection, FindConnection(context, name, param.where()));
    if (ConnectionType(*connection) != "postgres") {
      return UserError("connection-not-available", "sql runs in the warehouse or on a postgres connection; '" + name +
                                                       "' is of type '" + ConnectionType(*connection) + "'",
                       param.where());
    }
    WEIR_ASSIGN_OR_RETURN(PostgresParams params, PostgresParamsOf(*connection, name, names));
    log.Line("on postgres " + params.Describe(), false);
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> pg,
                          PostgresConnection::Open(params, context.cancel, context.deadline));
    pg->SetLimits(&context.cancel, context.deadline);
    std::vector<std::string> statements = SplitSqlStatements(sql);
    WEIR_TRY(pg->Execute("BEGIN"));
    for (size_t i = 0; i < statements.size(); ++i) {
      // From its first word, so that the server's positions count from there.
      std::string statement = statements[i].substr(std::min(statements[i].find_first_not_of(" \t\r\n"),
                                                            statements[i].size()));
      Status ran = pg->Execute(statement);
      if (!ran.ok()) {
        pg->Execute("ROLLBACK").IgnoreError();
        return ran.WithContext("statement " + std::to_string(i + 1) + " of " + std::to_string(statements.size()))
            .At(context.task.param("sql")->where());
      }
    }
    WEIR_TRY(pg->Execute("COMMIT"));
    return JsonObject({{"statements", std::to_string(statements.size())}});
  }

  Status RegisterInputs(DuckDbConnection& db, const TaskContext& context, const TemplateContext& names, Lake& lake,
                        std::string& sources) {
    const ConfigNode* inputs = context.task.param("inputs");
    if (inputs == nullptr || inputs->is_null()) return OkStatus();
    if (!inputs->is_map()) {
      return UserError("wrong-type", "'inputs' must map view names to lake paths", inputs->where());
    }
    for (const auto& [name, value] : inputs->entries()) {
      WEIR_ASSIGN_OR_RETURN(std::string relative, value.AsString("input '" + name.scalar() + "'"));
      if (HasTemplateSyntax(relative)) {
        WEIR_ASSIGN_OR_RETURN(relative, RenderTemplate(relative, value.where(), names));
      }
      WEIR_ASSIGN_OR_RETURN(FileFormat format, FormatOf(relative, value.where()));
      WEIR_ASSIGN_OR_RETURN(std::string path, lake.Input(relative, "input '" + name.scalar() + "'", value.where()));
      // Temporary: in the warehouse, a view must not outlive the task.
      WEIR_TRY(db.Execute("CREATE OR REPLACE TEMP VIEW " + SqlIdentifier(name.scalar()) + " AS SELECT * FROM " +
                          ReadFileSql(path, format)));
      sources += (sources.empty() ? "" : ", ") + relative;
    }
    return OkStatus();
  }

  Result<std::string> ToLake(const TaskContext& context, const TemplateContext& names, const std::string& sql,
                             Lake& lake, AttemptLog& log) {
    WEIR_ASSIGN_OR_RETURN(RenderedText to, RenderParam(context.task, "to", names));
    const ConfigNode* to_node = context.task.param("to");
    WEIR_ASSIGN_OR_RETURN(FileFormat format, FormatOf(to.text, to_node->where()));
    WEIR_ASSIGN_OR_RETURN(LakeOutput out, lake.Output(to.text));
    WEIR_ASSIGN_OR_RETURN(std::optional<RejectSpec> rejects, ReadRejects(context.task));
    std::vector<std::string> statements = SplitSqlStatements(sql);
    if (statements.empty() || !IsQuery(statements.back())) {
      return UserError("sql-needs-select", "with 'to:', the task's SQL must end with a SELECT whose rows are written",
                       context.task.param("sql")->where());
    }
    WEIR_ASSIGN_OR_RETURN(auto db, ConnectCompute(context));
    std::string sources;
    WEIR_TRY(RegisterInputs(*db, context, names, lake, sources));
    for (size_t i = 0; i + 1 < statements.size(); ++i) {
      WEIR_TRY(db->ExecuteUntil(statements[i], context.cancel, context.deadline));
    }
    std::map<std::string, std::string> output;
    std::string final_select = statements.back();
    if (rejects) {
      WEIR_ASSIGN_OR_RETURN(final_select, Classify(*db, final_select, *rejects, context, sources, output));
    }
    WEIR_ASSIGN_OR_RETURN(int64_t written, WriteQueryToFile(*db, final_select, out.path, format, context));
    WEIR_TRY(lake.Publish(out));
    output["rows_written"] = std::to_string(written);
    output["path"] = JsonString(to.text);
    log.Line("wrote " + std::to_string(written) + " rows to " + to.text, false);
    return JsonObject(output);
  }

  // Tags each result row with the first rule it matches (a NULL condition
  // does not match), sends tagged rows to the rejects table and returns the
  // SELECT of the rows that pass.
  Result<std::string> Classify(DuckDbConnection& db, const std::string& select, const RejectSpec& spec,
                               const TaskContext& context, const std::string& sources,
                               std::map<std::string, std::string>& output) {
    std::string reason = "CASE";
    for (const RejectRule& rule : spec.rules) {
      reason += " WHEN coalesce((" + rule.when + "), false) THEN " + SqlString(rule.reason);
    }
    reason += " END";
    WEIR_TRY(db.ExecuteUntil("CREATE TEMP TABLE __weir_result AS " + select, context.cancel, context.deadline));
    WEIR_TRY(db.ExecuteUntil("CREATE TEMP TABLE __weir_classified AS SELECT r.*, to_json(r)::VARCHAR AS __weir_row, " +
                                 reason + " AS __weir_reason FROM __weir_result r",
                             context.cancel, context.deadline));
    WEIR_ASSIGN_OR_RETURN(auto counts, WriteRejects(db,
                                                    "SELECT __weir_reason AS reason, " + SqlString(sources) +
                                                        " AS source, __weir_row AS row_json FROM __weir_classified "
                                                        "WHERE __weir_reason IS NOT NULL",
                                                    spec.table, context, services_));
    int64_t total = 0;
    std::map<std::string, std::string> per_reason;
    for (const RejectRule& rule : spec.rules) per_reason[rule.reason] = "0";
    for (const auto& [r, n] : counts) {
      per_reason[r] = std::to_string(n);
      total += n;
    }
    output["rows_rejected"] = std::to_string(total);
    output["rejected"] = JsonObject(per_reason);
    return std::string("SELECT * EXCLUDE (__weir_row, __weir_reason) FROM __weir_classified WHERE __weir_reason IS NULL");
  }

  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewSqlTask(const TaskServices& services) { return std::make_shared<SqlTask>(services); }

}  // namespace weir::tasks_internal
