// The sensor kind (Airflow's sensors in reschedule mode). Each attempt
// pokes once: a condition that is met ends the attempt with a small output;
// one that is not yet met returns NotYet, and the engine pokes the same
// attempt again after the task's poke_interval, holding no worker between
// pokes (engine/executor.cc). Sensor types:
//   file           a lake path or glob matches a file (or a folder holding one)
//   sql            a query's first cell is true, or a number other than 0
//   http           a URL answers 2xx
//   external_task  a task of another pipeline succeeded for the same interval
#include <cstdlib>
#include <ctime>

#include "common/text.h"
#include "config/pipeline_schedule.h"
#include "schedule/schedule.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/http_request.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

constexpr size_t kListedPaths = 100;  // paths a file sensor's output names
constexpr auto kHttpPokeLimit = std::chrono::minutes(1);

Result<std::string> PokeFile(const TaskContext& context, const TemplateContext& names, const TaskServices& services,
                             AttemptLog& log) {
  WEIR_ASSIGN_OR_RETURN(RenderedText path, RenderParam(context.task, "path", names));
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services));
  Result<std::vector<std::string>> matches = lake->Matches(path.text);
  if (!matches.ok()) {
    // An absolute path or one with '..' is the task's mistake: say where.
    bool bad_path = matches.status().code() == "bad-lake-path";
    return bad_path ? matches.status().At(context.task.param("path")->where()) : matches.status();
  }
  std::string listed;
  for (size_t i = 0; i < matches->size() && i < kListedPaths; ++i) {
    listed += (listed.empty() ? "" : ", ") + JsonString((*matches)[i]);
  }
  size_t count = matches->size();
  if (count == 0) return NotYet("nothing in the lake matches '" + path.shown + "'");
  log.Line("met: " + std::to_string(count) + " match" + (count == 1 ? "" : "es") + " for '" + path.shown + "'", false);
  return JsonObject({{"matched", std::to_string(count)}, {"paths", "[" + listed + "]"}});
}

bool IsNumericType(const std::string& type) {
  static const char* const kNumeric[] = {"TINYINT",  "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                                         "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT",  "DOUBLE"};
  for (const char* name : kNumeric) {
    if (type == name) return true;
  }
  return type.rfind("DECIMAL", 0) == 0;
}

Result<std::string> PokeSql(const TaskContext& context, const TemplateContext& names, const TaskServices& services,
                            AttemptLog& log) {
  std::string shown;
  WEIR_ASSIGN_OR_RETURN(std::string sql, RenderSqlParam(context.task, "sql", names, context, services, &shown));
  std::unique_ptr<DuckDbConnection> db;
  if (const ConfigNode* connection = context.task.param("connection")) {
    WEIR_ASSIGN_OR_RETURN(RenderedText name, RenderParam(context.task, "connection", names));
    WEIR_ASSIGN_OR_RETURN(std::string path, DuckDbSourcePath(context, name.text, connection->where()));
    WEIR_ASSIGN_OR_RETURN(db, services.duckdb.Connect(path, /*read_only=*/true));
  } else {
    WEIR_ASSIGN_OR_RETURN(db, ConnectWarehouse(context, services));
  }
  Result<QueryRows> rows = db->Query(sql);
  if (!rows.ok()) {
    log.Line("SQL:\n" + shown);
    return rows.status();
  }
  if (rows->rows.empty() || rows->rows[0].empty()) return NotYet("the sensor's query returned no rows");
  const std::optional<std::string>& cell = rows->rows[0][0];
  const std::string& type = rows->types[0];
  if (!cell) return NotYet("the sensor's query returned NULL");
  bool met;
  if (type == "BOOLEAN") {
    met = *cell == "true";
  } else if (IsNumericType(type)) {
    met = std::strtod(cell->c_str(), nullptr) != 0.0;
  } else {
    return UserError("sensor-bad-value", "a sql sensor's query must return a boolean or a number in its first cell, "
                                         "got " + type + " '" + *cell + "'",
                     context.task.param("sql")->where());
  }
  if (!met) return NotYet("the sensor's query returned " + *cell);
  log.Line("met: the query returned " + *cell, false);
  return JsonObject({{"value", JsonString(*cell)}});
}

// 2xx is met. Another status, or no answer at all (connection refused, a
// request timeout), is not yet: the service may still be coming up.
Result<std::string> PokeHttp(const TaskContext& context, const TemplateContext& names, AttemptLog& log) {
  WEIR_ASSIGN_OR_RETURN(PreparedRequest prepared, PrepareHttpRequest(context.task, names));
  prepared.request.timeout = kHttpPokeLimit;
  std::string request_line = prepared.request.method + " " + prepared.shown_url;
  Result<HttpResponse> response = HttpFetch(prepared.request, context.cancel, context.deadline);
  if (!response.ok()) {
    if (response.status().kind() != ErrorKind::kFault || context.cancel.cancelled()) {
      return response.status().WithContext(request_line);
    }
    return NotYet(request_line + ": " + response.status().message());
  }
  std::string status = std::to_string(response->status);
  if (response->status < 200 || response->status > 299) return NotYet(request_line + " answered " + status);
  log.Line("met: " + request_line + " answered " + status, false);
  return JsonObject({{"status", status}});
}

// external_task's `delta:` ("-1d"): an offset added to this run's interval start.
Result<std::chrono::milliseconds> SignedDuration(const ConfigNode& node) {
  WEIR_ASSIGN_OR_RETURN(std::string text, node.AsString("'delta'"));
  std::string_view digits = text;
  bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  Result<std::chrono::milliseconds> d = ParseDuration(digits);
  if (!d.ok()) return d.status().At(node.where());
  return negative ? -*d : *d;
}

bool Listed(const ConfigNode* list, std::string_view name) {
  if (list == nullptr || !list->is_sequence()) return false;
  for (const ConfigNode& item : list->items()) {
    if (item.is_scalar() && item.scalar() == name) return true;
  }
  return false;
}

// The latest run of the other pipeline for this run's interval start (plus
// `delta`), as `weir run --date` finds it: met when its task succeeded.
Result<std::string> PokeExternalTask(const TaskContext& context, const TemplateContext& names) {
  const TaskDef& task = context.task;
  WEIR_ASSIGN_OR_RETURN(RenderedText pipeline_name, RenderParam(task, "pipeline", names));
  WEIR_ASSIGN_OR_RETURN(RenderedText task_name, RenderParam(task, "task", names));
  const PipelineDef* other = context.project.FindPipeline(pipeline_name.text);
  if (other == nullptr) {
    std::vector<std::string> known;
    for (const PipelineDef& p : context.project.pipelines) known.push_back(p.name);
    return UserError("unknown-pipeline", "no pipeline named '" + pipeline_name.text + "' for the sensor" +
                                             DidYouMean(pipeline_name.text, known),
                     task.param("pipeline")->where());
  }
  if (other->FindTask(task_name.text) == nullptr) {
    std::vector<std::string> known;
    for (const TaskDef& t : other->tasks) known.push_back(t.id);
    return UserError("unknown-task", "pipeline '" + other->name + "' has no task '" + task_name.text + "'" +
                                         DidYouMean(task_name.text, known),
                     task.param("task")->where());
  }
  if (context.store == nullptr) return InternalError("an external_task sensor needs the state store");
  std::chrono::milliseconds delta{0};
  if (const ConfigNode* node = task.param("delta")) {
    WEIR_ASSIGN_OR_RETURN(delta, SignedDuration(*node));
  }
  WEIR_ASSIGN_OR_RETURN(Schedule schedule, ScheduleOf(*other));
  WEIR_ASSIGN_OR_RETURN(DataInterval target,
                        IntervalStartingAt(schedule, other->timezone, context.interval.start + delta));
  RunFilter filter;
  filter.pipeline = other->name;
  filter.ds = target.ds;
  filter.limit = 0;  // every run of that date
  WEIR_ASSIGN_OR_RETURN(auto runs, context.store->ListRuns(filter));
  std::string what = "task '" + task_name.text + "' of pipeline '" + other->name + "'";
  for (const RunRecord& run : runs) {  // newest first
    if (run.interval_start != target.start_iso) continue;
    WEIR_ASSIGN_OR_RETURN(auto instances, context.store->TaskInstances(run.id));
    for (const TaskInstanceRecord& instance : instances) {
      if (instance.task_id != task_name.text) continue;
      std::string state(TaskStateName(instance.state));
      std::string where = " in run " + std::to_string(run.id.value) + " (interval " + target.start_iso + ")";
      if (Succeeded(instance.state)) {
        return JsonObject({{"run_id", std::to_string(run.id.value)}, {"state", JsonString(state)}});
      }
      if (Listed(task.param("failed_states"), state)) {
        return UserError("external-task-failed", what + " ended " + state + where, task.param("task")->where());
      }
      return NotYet(what + " is " + state + where);
    }
    return NotYet(what + " is not in run " + std::to_string(run.id.value));
  }
  return NotYet("no run of pipeline '" + other->name + "' for the interval " + target.start_iso + " yet");
}

class SensorTask final : public RedactingTask {
 public:
  explicit SensorTask(const TaskServices& services) : services_(services) {}

  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    const ConfigNode* type_node = context.task.param("sensor");
    if (type_node == nullptr) {
      return UserError("missing-key", "task '" + context.task.id + "' needs the key 'sensor'", context.task.where);
    }
    WEIR_ASSIGN_OR_RETURN(std::string type, type_node->AsString("'sensor'"));
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": " + type + " sensor, poke at " +
                                         FormatUtc(std::chrono::system_clock::now()));
    log.SetSecrets(secrets);
    Result<std::string> poked = Poke(type, *type_node, context, names, log);
    if (!poked.ok()) {
      bool not_yet = poked.status().kind() == ErrorKind::kNotYet;
      log.Line((not_yet ? "not yet: " : "failed: ") + poked.status().message());
    }
    return poked;
  }

 private:
  Result<std::string> Poke(const std::string& type, const ConfigNode& type_node, const TaskContext& context,
                           const TemplateContext& names, AttemptLog& log) {
    if (type == "file") return PokeFile(context, names, services_, log);
    if (type == "sql") return PokeSql(context, names, services_, log);
    if (type == "http") return PokeHttp(context, names, log);
    if (type == "external_task") return PokeExternalTask(context, names);
    return UserError("unknown-sensor", "unknown sensor '" + type + "'", type_node.where());
  }

  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewSensorTask(const TaskServices& services) {
  return std::make_shared<SensorTask>(services);
}

}  // namespace weir::tasks_internal
