// The check task: W1's data checks as SQL on a warehouse table, scoped by
// `where:`. Each check counts failing rows; a failed check fails the task
// (not retried: the data will not change by asking again), and the log
// shows every check with its observed value and up to 5 failing rows.
// (The quality issue replaces this with the full quality engine.)
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

struct CheckSql {
  std::string name;        // "not_null(order_id)"
  std::string observed;    // SQL of one value: what was measured
  std::string failing;     // SQL of failing rows, or "" (row_count)
  std::optional<int64_t> min, max;  // for row_count
  std::string unit = "failing rows";  // what `observed` counts
};

std::string Columns(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + SqlIdentifier(c);
  return out;
}

Result<CheckSql> Compile(const ConfigNode& check, const std::string& from) {
  if (!check.is_map() || check.entries().size() != 1) {
    return UserError("bad-check", "each check is a mapping with one key: row_count, not_null, unique or expression",
                     check.where());
  }
  const std::string& kind = check.entries()[0].first.scalar();
  const ConfigNode& arg = check.entries()[0].second;
  if (kind == "row_count") {
    CheckSql c{"row_count", "SELECT count(*) FROM " + from, "", std::nullopt, std::nullopt};
    if (const ConfigNode* n = arg.is_map() ? arg.Find("min") : nullptr) { WEIR_ASSIGN_OR_RETURN(c.min, n->AsInt("'min'")); }
    if (const ConfigNode* n = arg.is_map() ? arg.Find("max") : nullptr) { WEIR_ASSIGN_OR_RETURN(c.max, n->AsInt("'max'")); }
    if (!c.min && !c.max) return UserError("bad-check", "row_count needs 'min' and/or 'max'", arg.where());
    return c;
  }
  if (kind == "not_null") {
    WEIR_ASSIGN_OR_RETURN(std::string column, arg.AsString("not_null"));
    std::string failing = "SELECT * FROM " + from + " WHERE " + SqlIdentifier(column) + " IS NULL";
    return CheckSql{"not_null(" + column + ")", "SELECT count(*) FROM (" + failing + ")", failing, {}, {}};
  }
  if (kind == "unique") {
    WEIR_ASSIGN_OR_RETURN(std::vector<std::string> columns, arg.AsStringList("unique"));
    std::string list = Columns(columns);
    std::string failing = "SELECT " + list + ", count(*) AS rows FROM " + from + " GROUP BY " + list +
                          " HAVING count(*) > 1";
    std::string name = "unique(";
    for (size_t i = 0; i < columns.size(); ++i) name += (i ? ", " : "") + columns[i];
    return CheckSql{name + ")", "SELECT count(*) FROM (" + failing + ")", failing, {}, {}, "duplicated values"};
  }
  if (kind == "expression") {
    WEIR_ASSIGN_OR_RETURN(std::string expr, arg.AsString("expression"));
    std::string failing = "SELECT * FROM " + from + " WHERE NOT (" + expr + ")";
    return CheckSql{"expression(" + expr + ")", "SELECT count(*) FROM (" + failing + ")", failing, {}, {}};
  }
  return UserError("bad-check", "unknown check '" + kind + "': use row_count, not_null, unique or expression",
                   check.entries()[0].first.where());
}

std::string FormatRows(const QueryRows& rows) {
  std::string out;
  for (const auto& row : rows.rows) {
    out += "    ";
    for (size_t c = 0; c < row.size(); ++c) {
      out += (c ? ", " : "") + rows.columns[c] + "=" + row[c].value_or("NULL");
    }
    out += "\n";
  }
  return out;
}

class CheckTask final : public RedactingTask {
 public:
  explicit CheckTask(const TaskServices& services) : services_(services) {}

  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    const TaskDef& task = context.task;
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    WEIR_TRY(SkipIf(context, names, services_));
    WEIR_ASSIGN_OR_RETURN(RenderedText table, RenderParam(task, "table", names));
    std::string from = SqlQualifiedName(table.text);
    if (task.param("where") != nullptr) {
      WEIR_ASSIGN_OR_RETURN(RenderedText where, RenderParam(task, "where", names));
      from = "(SELECT * FROM " + from + " WHERE " + where.text + ") AS checked";
    }
    const ConfigNode* checks = task.param("checks");
    if (checks == nullptr || !checks->is_sequence()) {
      return UserError("bad-check", "'checks' must be a list of checks", task.where);
    }
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": checks on " + table.text);
    log.SetSecrets(secrets);
    WEIR_ASSIGN_OR_RETURN(auto db, ConnectWarehouse(context, services_));
    std::vector<std::string> failures;
    std::string results = "[";
    for (const ConfigNode& check : checks->items()) {
      WEIR_ASSIGN_OR_RETURN(CheckSql sql, Compile(check, from));
      WEIR_ASSIGN_OR_RETURN(auto observed_text, db->QueryValue(sql.observed));
      int64_t observed = std::stoll(observed_text.value_or("0"));
      bool passed = sql.failing.empty() ? (!sql.min || observed >= *sql.min) && (!sql.max || observed <= *sql.max)
                                        : observed == 0;
      std::string detail = sql.failing.empty() ? "observed " + std::to_string(observed)
                                               : std::to_string(observed) + " " + sql.unit;
      log.Line(std::string(passed ? "pass " : "FAIL ") + sql.name + ": " + detail);
      results += std::string(results.size() > 1 ? ", " : "") + "{\"check\": " + JsonString(sql.name) +
                 ", \"passed\": " + (passed ? "true" : "false") + ", \"observed\": " + std::to_string(observed) + "}";
      if (passed) continue;
      failures.push_back(sql.name + ": " + detail);
      if (!sql.failing.empty()) {
        WEIR_ASSIGN_OR_RETURN(auto sample, db->Query(sql.failing + " LIMIT 5"));
        log.Output("  failing rows (up to 5):\n" + FormatRows(sample));
      }
    }
    results += "]";
    if (!failures.empty()) {
      std::string message = std::to_string(failures.size()) + " of " + std::to_string(checks->items().size()) +
                            " checks failed on " + table.text + ": ";
      for (size_t i = 0; i < failures.size(); ++i) message += (i ? "; " : "") + failures[i];
      return UserError("check-failed", message + " (log: " + context.log_path + ")");
    }
    return "{\"checks\": " + results + "}";
  }

 private:
  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewCheckTask(const TaskServices& services) { return std::make_shared<CheckTask>(services); }

}  // namespace weir::tasks_internal
