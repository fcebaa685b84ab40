#include "config/internal/task_kinds.h"

#include <algorithm>

#include "common/text.h"
#include "config/config.h"
#include "config/internal/fields.h"
#include "config/internal/file_source_config.h"
#include "config/internal/http_config.h"
#include "config/internal/models_config.h"
#include "schedule/schedule.h"

namespace weir::config_internal {
namespace {

// The keys of each sensor type (`kind: sensor`, `sensor: TYPE`).
struct SensorType {
  std::string name;
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const std::vector<SensorType>& SensorTypes() {
  static const std::vector<SensorType> kTypes = {
      {"file", {"path"}, {}},
      {"sql", {"sql"}, {"connection"}},
      {"http", {"url"}, {"headers", "auth"}},
      {"external_task", {"pipeline", "task"}, {"delta", "failed_states"}},
  };
  return kTypes;
}

// Keys of every sensor, whatever its type.
const std::vector<std::string> kSensorWaitKeys = {"sensor", "poke_interval", "soft_fail", "mode"};

TaskKindKeys SensorKindKeys() {
  TaskKindKeys keys{"sensor", {"sensor"}, {}};
  for (const std::string& k : kSensorWaitKeys) {
    if (k != "sensor") keys.optional.push_back(k);
  }
  for (const SensorType& type : SensorTypes()) {
    for (const auto* list : {&type.required, &type.optional}) {
      for (const std::string& k : *list) {
        if (std::find(keys.optional.begin(), keys.optional.end(), k) == keys.optional.end()) keys.optional.push_back(k);
      }
    }
  }
  return keys;
}

}  // namespace

const std::vector<TaskKindKeys>& TaskKinds() {
  static const std::vector<TaskKindKeys> kKinds = {
      {"shell", {"command"}, {"cwd", "env"}},
      {"sql", {"sql"}, {"inputs", "to", "rejects", "skip_if", "connection"}},
      {"http", {"url"}, {"method", "headers", "body", "records", "to", "auth", "rejects", "paginate",
                         "request_retries", "request_timeout", "rate_limit", "incremental"}},
      {"extract", {"to"}, {"connection", "sql", "incremental", "parallel", "files", "format", "filename_column",
                           "allow_empty", "rejects"}},
      {"load", {"from", "table"}, {"mode", "keys", "partition_by", "quarantine", "connection", "on_schema_change"}},
      {"check", {"checks"}, {"table", "path", "query", "where", "partition_by", "sample_limit", "save_failing_rows", "skip_if", "connection"}},
      SensorKindKeys(),
      {"noop", {}, {}},
      {"models", {}, {"select", "exclude", "command", "full_refresh", "vars", "threads", "fail_fast"}},
  };
  return kKinds;
}

const TaskKindKeys* FindTaskKind(const std::string& kind) {
  for (const TaskKindKeys& k : TaskKinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

}  // namespace weir::config_internal

namespace weir {

namespace {
const std::pair<TriggerRule, const char*> kTriggerRuleNames[] = {
    {TriggerRule::kAllSuccess, "all_success"}, {TriggerRule::kAllFailed, "all_failed"},
    {TriggerRule::kAllDone, "all_done"},       {TriggerRule::kAllSkipped, "all_skipped"},
    {TriggerRule::kOneSuccess, "one_success"}, {TriggerRule::kOneFailed, "one_failed"},
    {TriggerRule::kOneDone, "one_done"},       {TriggerRule::kNoneFailed, "none_failed"},
    {TriggerRule::kNoneFailedMinOneSuccess, "none_failed_min_one_success"},
    {TriggerRule::kNoneSkipped, "none_skipped"}, {TriggerRule::kAlways, "always"},
};
}  // namespace

std::optional<TriggerRule> ParseTriggerRule(std::string_view name) {
  for (const auto& [rule, text] : kTriggerRuleNames) {
    if (name == text) return rule;
  }
  return std::nullopt;
}

const std::vector<std::string>& TriggerRuleNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& [rule, text] : kTriggerRuleNames) names.emplace_back(text);
    return names;
  }();
  return kNames;
}

}  // namespace weir

namespace weir::config_internal {

const std::vector<std::string>& DefaultableTaskKeys() {
  static const std::vector<std::string> kKeys = {
      "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay",
      "retry_on", "timeout", "trigger_rule", "depends_on_past", "wait_for_downstream"};
  return kKeys;
}

const std::vector<std::string>& CommonTaskKeys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys = {"id",   "kind",       "after",    "description", "cache",
                                     "pool", "pool_slots", "priority", "map_over",    "max_map_parallelism"};
    for (const std::string& k : DefaultableTaskKeys()) keys.push_back(k);
    return keys;
  }();
  return kKeys;
}

}  // namespace weir::config_internal

namespace weir::config_internal {
namespace {

const SensorType* FindSensorType(const std::string& name) {
  for (const SensorType& type : SensorTypes()) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

std::vector<std::string> SensorTypeNames() {
  std::vector<std::string> names;
  for (const SensorType& type : SensorTypes()) names.push_back(type.name);
  return names;
}

// The type's own keys: another type's key on this sensor is a mistake.
void CheckSensorTypeKeys(const ConfigNode& node, const SensorType& type, const std::string& label,
                         std::vector<Status>& errors) {
  std::vector<std::string> own = type.required;
  own.insert(own.end(), type.optional.begin(), type.optional.end());
  std::vector<std::string> sensor_keys = SensorKindKeys().optional;
  for (const auto& [key, value] : node.entries()) {
    const std::string& name = key.scalar();
    bool of_sensors = std::find(sensor_keys.begin(), sensor_keys.end(), name) != sensor_keys.end();
    bool of_wait = std::find(kSensorWaitKeys.begin(), kSensorWaitKeys.end(), name) != kSensorWaitKeys.end();
    if (!of_sensors || of_wait || std::find(own.begin(), own.end(), name) != own.end()) continue;
    errors.push_back(UserError("unknown-key", "key '" + name + "' does not apply to a " + type.name + " sensor (" +
                                                  label + "; its keys: " + QuotedList(own) + ")",
                               key.where()));
  }
  for (const std::string& key : type.required) {
    const ConfigNode* value = node.Find(key);
    if (value != nullptr && !value->is_null()) continue;
    errors.push_back(UserError("missing-key", label + ", a " + type.name + " sensor, needs the key '" + key + "'",
                               node.where()));
  }
}

// external_task's `delta: -1d`: a duration with an optional sign.
void CheckSignedDuration(const ConfigNode* value, std::vector<Status>& errors) {
  if (value == nullptr) return;
  Result<std::string> text = value->AsString("'delta'");
  if (!text.ok()) {
    errors.push_back(text.status());
    return;
  }
  std::string_view unsigned_text = *text;
  if (!unsigned_text.empty() && (unsigned_text[0] == '-' || unsigned_text[0] == '+')) unsigned_text.remove_prefix(1);
  Result<std::chrono::milliseconds> d = ParseDuration(unsigned_text);
  if (!d.ok()) errors.push_back(d.status().At(value->where()));
}

void CheckFailedStates(MapFields& fields) {
  static const std::vector<std::string> kStates = {"failed", "upstream_failed", "skipped"};
  std::optional<std::vector<std::string>> states = fields.StringList("failed_states");
  if (!states) return;
  for (const std::string& state : *states) {
    if (std::find(kStates.begin(), kStates.end(), state) != kStates.end()) continue;
    fields.Add(UserError("bad-value", "'failed_states' may hold " + QuotedList(kStates) + ", got '" + state + "'" +
                                          DidYouMean(state, kStates),
                         fields.Get("failed_states")->where()));
  }
}

void ReadSensor(const ConfigNode& node, TaskDef& task, std::vector<Status>& errors) {
  std::string label = "task '" + task.id + "'";
  // Every key is allowed here: ReadTask has already reported unknown ones.
  std::vector<std::string> present;
  for (const auto& [key, value] : node.entries()) present.push_back(key.scalar());
  MapFields fields(node, label, present, errors);
  SensorPolicy policy;
  if (auto d = fields.Duration("poke_interval")) {
    if (*d < std::chrono::seconds(1)) {
      fields.Add(UserError("out-of-range", "'poke_interval' must be at least 1s, got '" + FormatDuration(*d) + "'",
                           fields.Get("poke_interval")->where()));
    } else {
      policy.poke_interval = *d;
    }
  }
  // A sensor's own `timeout:` bounds its whole wait (Airflow's sensor
  // timeout); a timeout from `defaults:` still bounds each poke only.
  if (fields.Get("timeout") != nullptr && task.timeout) policy.timeout = *task.timeout;
  if (auto b = fields.Bool("soft_fail")) policy.soft_fail = *b;
  fields.Choice("mode", {"reschedule"});
  task.sensor = policy;
  std::optional<std::string> type_name = fields.String("sensor");
  if (!type_name) return;
  const SensorType* type = FindSensorType(*type_name);
  if (type == nullptr) {
    fields.Add(UserError("unknown-sensor", "unknown sensor '" + *type_name + "'" +
                                               DidYouMean(*type_name, SensorTypeNames()) + " (sensors: " +
                                               QuotedList(SensorTypeNames()) + ")",
                         fields.Get("sensor")->where()));
    return;
  }
  CheckSensorTypeKeys(node, *type, label, errors);
  if (type->name == "external_task") {
    CheckSignedDuration(fields.Get("delta"), errors);
    CheckFailedStates(fields);
  }
}

// An extract reads files (`files:`, file_source_config.cc) or a
// connection's `sql:`, with `incremental: {cursor, initial, overlap}`.
void CheckExtractTask(const ConfigNode& node, const TaskDef& task, std::vector<Status>& errors) {
  const std::string label = "task '" + task.id + "'";
  if (node.Find("files") != nullptr) return CheckFileSource(node, label, errors);
  for (const char* key : {"connection", "sql"}) {
    if (node.Find(key) != nullptr) continue;
    errors.push_back(UserError("missing-key", label + " needs the key '" + key + "' (or 'files', to read files)",
                               node.where()));
  }
  for (const auto& [key, value] : node.entries()) {
    const std::vector<std::string>& file_keys = FileSourceKeys();
    if (std::find(file_keys.begin(), file_keys.end(), key.scalar()) == file_keys.end()) continue;
    errors.push_back(UserError("unknown-key", "'" + key.scalar() + "' applies to an extract that reads 'files', "
                                              "and " + label + " reads a connection", key.where()));
  }
  const ConfigNode* incremental = node.Find("incremental");
  if (incremental == nullptr || incremental->is_null()) return;
  MapFields fields(*incremental, "'incremental'", {"cursor", "initial", "overlap"}, errors);
  if (!fields.is_map()) return;
  fields.Require("cursor");
  for (const char* key : {"cursor", "initial", "overlap"}) fields.String(key);
}

}  // namespace

void ReadKindDetails(const ConfigNode& node, TaskDef& task, std::vector<Status>& errors) {
  if (task.kind.value == "sensor" && node.is_map()) ReadSensor(node, task, errors);
  if (task.kind.value == "models" && node.is_map()) CheckModelsTask(node, task, errors);
  if (task.kind.value == "extract" && node.is_map()) CheckExtractTask(node, task, errors);
  if (task.kind.value == "http" && node.is_map()) CheckHttpTask(node, task, errors);
}

}  // namespace weir::config_internal
