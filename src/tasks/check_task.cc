// The check task: a suite of data checks (src/quality) on a warehouse table,
// a lake file or a query, scoped by `where:` and `partition_by:` to the
// run's interval. Failed error-severity checks fail the task (not retried:
// the data will not change by asking again); warnings are logged and the
// run goes on. Every result goes to the state store's history, which
// anomaly and change checks compare with.
#include <cmath>
#include <cstdio>

#include "connectors/connectors.h"
#include "quality/quality.h"
#include "state/state.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

// The checks tree with every templated string rendered ({{ ds }} in a
// `where:` or an expression).
Result<ConfigNode> RenderTree(const ConfigNode& node, const TemplateContext& names) {
  if (node.is_scalar()) {
    const std::string& text = node.scalar();
    if (text.find("{{") == std::string::npos && text.find("{%") == std::string::npos) return node;
    WEIR_ASSIGN_OR_RETURN(RenderedText rendered, RenderNode(node, "a check's text", names));
    return ConfigNode::Scalar(rendered.text, node.quoted(), node.where());
  }
  if (node.is_sequence()) {
    std::vector<ConfigNode> items;
    for (const ConfigNode& item : node.items()) {
      WEIR_ASSIGN_OR_RETURN(ConfigNode rendered, RenderTree(item, names));
      items.push_back(std::move(rendered));
    }
    return ConfigNode::Sequence(std::move(items), node.where());
  }
  if (node.is_map()) {
    std::vector<ConfigNode::Entry> entries;
    for (const auto& [key, value] : node.entries()) {
      WEIR_ASSIGN_OR_RETURN(ConfigNode rendered, RenderTree(value, names));
      entries.emplace_back(key, std::move(rendered));
    }
    return ConfigNode::Map(std::move(entries), node.where());
  }
  return node;
}

// table / path / query / where / partition_by, rendered; a path (or glob)
// read through the lake.
Result<CheckTarget> TargetOf(const TaskContext& context, const TemplateContext& names, Lake& lake) {
  const TaskDef& task = context.task;
  std::vector<ConfigNode::Entry> entries;
  std::optional<std::string> lake_name;  // how reports name a `path:`
  for (const char* key : {"table", "path", "query", "where", "partition_by"}) {
    const ConfigNode* param = task.param(key);
    if (param == nullptr) continue;
    WEIR_ASSIGN_OR_RETURN(RenderedText value, RenderParam(task, key, names));
    std::string text = value.text;
    if (std::string_view(key) == "path") {
      lake_name = lake.Name(text);
      WEIR_ASSIGN_OR_RETURN(text, lake.Inputs(text, param->where()));
    }
    entries.emplace_back(ConfigNode::Scalar(key, false, param->where()),
                         ConfigNode::Scalar(text, false, param->where()));
  }
  TargetOptions options{"", std::make_pair(context.interval.start_iso, context.interval.end_iso)};
  WEIR_ASSIGN_OR_RETURN(CheckTarget target, ParseCheckTarget(ConfigNode::Map(std::move(entries), task.where), options));
  if (lake_name) target.label = *lake_name;
  return target;
}

Result<int64_t> IntParam(const TaskDef& task, const char* key, int64_t fallback) {
  const ConfigNode* node = task.param(key);
  return node == nullptr ? fallback : node->AsInt(std::string("'") + key + "'");
}

CheckRunOptions RunOptions(const TaskContext& context, const TaskServices& services, const std::string& suite,
                           DuckDbConnection& db) {
  CheckRunOptions options;
  options.audit_prefix = context.pipeline.name + "__" + context.task.id;
  options.audit_interval = context.interval.start_iso;
  options.reference_time = context.interval.end_iso;
  if (context.store != nullptr) {
    options.history = CheckHistoryLookupIn(*context.store, suite, context.interval.start_iso);
  }
  options.open_connection = [&context, &services](const std::string& name) -> Result<std::unique_ptr<DuckDbConnection>> {
    WEIR_ASSIGN_OR_RETURN(std::string path, DuckDbSourcePath(context, name, context.task.where));
    WEIR_ASSIGN_OR_RETURN(std::string warehouse, WarehousePath(context));
    // The warehouse itself is already open read-write in this process.
    return services.duckdb.Connect(path, /*read_only=*/path != warehouse);
  };
  options.write_turn = [&context, &db](const std::function<Status()>& write) -> Status {
    WEIR_ASSIGN_OR_RETURN(auto writing, db.LockForWrite(context.cancel, context.deadline));
    return write();
  };
  return options;
}

// `connection:` a Postgres connection of weir.yml: the checks run there
// (the statement cancelled on a stop or timeout).
Result<std::unique_ptr<PostgresConnection>> ConnectPostgres(const TaskContext& context, const ConfigNode& param,
                                                            const TemplateContext& names, AttemptLog& log) {
  WEIR_ASSIGN_OR_RETURN(std::string name, param.AsString("'connection'"));
  WEIR_ASSIGN_OR_RETURN(const ConfigNode* connection, FindConnection(context, name, param.where()));
  if (ConnectionType(*connection) != "postgres") {
    return UserError("connection-not-available", "checks run in the warehouse or on a postgres connection; '" + name +
                                                     "' is of type '" + ConnectionType(*connection) + "'",
                     param.where());
  }
  if (context.task.param("path") != nullptr) {
    return UserError("bad-check-target", "checks on a postgres connection read a 'table' or 'query' of it, not lake "
                                         "files ('path')", context.task.param("path")->where());
  }
  WEIR_ASSIGN_OR_RETURN(PostgresParams params, PostgresParamsOf(*connection, name, names));
  log.Line("on postgres " + params.Describe());
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> pg,
                        PostgresConnection::Open(params, context.cancel, context.deadline));
  pg->SetLimits(&context.cancel, context.deadline);
  return pg;
}

Status RecordHistory(const TaskContext& context, const SuiteResult& result) {
  if (context.store == nullptr) return OkStatus();
  return context.store->RecordCheckResults(
      CheckHistoryRecords(result, context.interval.start_iso, context.run.id, std::chrono::system_clock::now()));
}

void LogResults(AttemptLog& log, const SuiteResult& result) {
  for (const CheckResult& r : result.results) {
    log.Line(FormatResultLine(r));
    if (!r.sample_rows.empty()) {
      log.Output("  failing rows (" + std::to_string(r.sample_rows.size()) + " shown" +
                 (r.audit_table.empty() ? "" : ", saved in " + r.audit_table) + "):\n" +
                 FormatSampleRows(r, r.sample_rows.size()));
    }
  }
  log.Line(std::to_string(result.results.size()) + " checks in " + std::to_string(result.scans) + " scan" +
           (result.scans == 1 ? "" : "s") + ": " + std::to_string(result.Count(CheckStatus::kPass)) + " passed, " +
           std::to_string(result.Count(CheckStatus::kWarn)) + " warned, " +
           std::to_string(result.Count(CheckStatus::kFail)) + " failed, " +
           std::to_string(result.Count(CheckStatus::kError)) + " errored");
}

std::string ObservedJson(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", *value);
  return buffer;
}

// What downstream tasks read: each check's status and observed value.
std::string OutputJson(const SuiteResult& result) {
  std::string out = "{\"passed\": " + std::string(result.failed() ? "false" : "true") +
                    ", \"scans\": " + std::to_string(result.scans) + ", \"checks\": [";
  for (size_t i = 0; i < result.results.size(); ++i) {
    const CheckResult& r = result.results[i];
    out += std::string(i ? ", " : "") + "{\"check\": " + JsonString(r.name) + ", \"status\": \"" +
           std::string(CheckStatusName(r.status)) + "\", \"passed\": " +
           (r.status == CheckStatus::kPass || r.status == CheckStatus::kWarn ? "true" : "false") + ", \"observed\": " +
           ObservedJson(r.observed) + "}";
  }
  return out + "]}";
}

Status FailureOf(const SuiteResult& result, const TaskContext& context) {
  std::string message;
  int failed = 0;
  for (const CheckResult& r : result.results) {
    if (r.status != CheckStatus::kFail && r.status != CheckStatus::kError) continue;
    ++failed;
    message += (message.empty() ? "" : "; ") + r.name + ": " + (r.message.empty() ? r.observed_text : r.message);
  }
  return UserError("check-failed", std::to_string(failed) + " of " + std::to_string(result.results.size()) +
                                       " checks failed on " + result.target + ": " + message + " (log: " +
                                       context.log_path + ")");
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
    const ConfigNode* checks = task.param("checks");
    WEIR_ASSIGN_OR_RETURN(ConfigNode rendered, RenderTree(checks != nullptr ? *checks : ConfigNode(), names));
    WEIR_ASSIGN_OR_RETURN(std::vector<CheckSpec> specs, ParseCheckList(rendered));
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services_));
    WEIR_ASSIGN_OR_RETURN(CheckTarget target, TargetOf(context, names, *lake));
    CheckSuite suite{context.pipeline.name + "." + task.id, target, std::move(specs), task.where};

    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": checks on " + target.label);
    log.SetSecrets(secrets);
    WEIR_ASSIGN_OR_RETURN(auto db, ConnectWarehouse(context, services_));
    CheckRunOptions options = RunOptions(context, services_, suite.name, *db);
    WEIR_ASSIGN_OR_RETURN(int64_t sample_limit, IntParam(task, "sample_limit", options.sample_limit));
    options.sample_limit = static_cast<int>(std::clamp<int64_t>(sample_limit, 0, 10000));
    if (const ConfigNode* save = task.param("save_failing_rows")) {
      WEIR_ASSIGN_OR_RETURN(options.save_failing_rows, save->AsBool("'save_failing_rows'"));
    }
    Result<SuiteResult> result = InternalError("no database");
    if (const ConfigNode* connection = task.param("connection")) {
      WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> pg, ConnectPostgres(context, *connection, names, log));
      result = RunCheckSuite(*PostgresCheckDatabase(*pg), suite, options);
    } else {
      DuckDbInterruptWatch watch(*db, context.cancel, context.deadline);
      result = RunCheckSuite(*db, suite, options);
      WEIR_TRY(watch.Interrupted());
    }
    if (!result.ok()) return result.status();
    LogResults(log, *result);
    WEIR_TRY(RecordHistory(context, *result));
    if (result->failed()) return FailureOf(*result, context);
    return OutputJson(*result);
  }

 private:
  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewCheckTask(const TaskServices& services) { return std::make_shared<CheckTask>(services); }

}  // namespace weir::tasks_internal

namespace weir {

std::vector<CheckResultRecord> CheckHistoryRecords(const SuiteResult& result, const std::string& interval_start,
                                                   RunId run, TimePoint recorded_at) {
  std::vector<CheckResultRecord> records;
  for (const CheckResult& r : result.results) {
    std::string status(CheckStatusName(r.status));
    records.push_back(CheckResultRecord{.suite = result.suite, .check = r.name, .status = status,
                                        .observed = r.observed, .interval_start = interval_start, .run_id = run,
                                        .message = r.message, .recorded_at = recorded_at});
    for (const auto& [metric, value] : r.metrics) {
      records.push_back(CheckResultRecord{.suite = result.suite, .check = r.name + "." + metric, .status = status,
                                          .observed = value, .interval_start = interval_start, .run_id = run,
                                          .recorded_at = recorded_at});
    }
  }
  return records;
}

std::function<Result<std::vector<double>>(const std::string& check, int limit)> CheckHistoryLookupIn(
    StateStore& store, const std::string& suite, const std::string& before_interval) {
  return [&store, suite, before_interval](const std::string& check, int limit) -> Result<std::vector<double>> {
    WEIR_ASSIGN_OR_RETURN(auto records, store.CheckHistory(suite, check, before_interval, limit));
    std::vector<double> values;
    for (const CheckResultRecord& r : records) {
      if (r.observed) values.push_back(*r.observed);
    }
    return values;
  };
}

}  // namespace weir
