// weir.yml's `heartbeat:` (how a running weir shows it is alive),
// `datasets:` (what the project promises about the datasets tasks produce)
// and `connections:` (the systems tasks read and write).
#include "config/internal/project_settings.h"

#include <algorithm>

#include "common/text.h"
#include "config/internal/fields.h"
#include "config/internal/pipeline_loader.h"
#include "schedule/schedule.h"

namespace weir::config_internal {

void ReadHeartbeat(const ConfigNode& node, HeartbeatSettings& heartbeat, std::vector<Status>& errors) {
  MapFields fields(node, "'heartbeat'", {"interval", "zombie_after"}, errors);
  if (!fields.is_map()) return;
  if (auto d = fields.Duration("interval")) {
    if (d->count() <= 0) {
      fields.Add(UserError("out-of-range", "'interval' must be longer than 0s", fields.Get("interval")->where()));
    } else {
      heartbeat.interval = *d;
    }
  }
  auto zombie_after = fields.Duration("zombie_after");
  if (!zombie_after) return;
  // A zombie is an attempt that missed beats: a threshold within one beat
  // would take attempts whose owner is merely between two.
  if (*zombie_after <= heartbeat.interval) {
    fields.Add(UserError("out-of-range", "'zombie_after' must be longer than the heartbeat 'interval' (" +
                                             FormatDuration(heartbeat.interval) + "), got " +
                                             FormatDuration(*zombie_after), fields.Get("zombie_after")->where()));
    return;
  }
  heartbeat.zombie_after = *zombie_after;
}

namespace {

std::optional<DatasetDef> ReadDataset(const ConfigNode& key, const ConfigNode& value, std::vector<Status>& errors) {
  MapFields fields(value, "dataset '" + key.scalar() + "'", {"freshness", "on_stale"}, errors);
  if (!fields.is_map()) return std::nullopt;
  DatasetDef dataset;
  dataset.name = key.scalar();
  dataset.where = key.where();
  if (fields.Require("freshness") == nullptr) return std::nullopt;
  std::optional<std::chrono::milliseconds> freshness = fields.Duration("freshness");
  if (!freshness) return std::nullopt;
  if (freshness->count() <= 0) {
    fields.Add(UserError("out-of-range", "'freshness' must be longer than 0s", fields.Get("freshness")->where()));
    return std::nullopt;
  }
  dataset.freshness = *freshness;
  if (const ConfigNode* on_stale = fields.Get("on_stale")) dataset.on_stale = ReadCallbackActions(*on_stale, "on_stale", errors);
  return dataset;
}

}  // namespace

void ReadDatasets(const ConfigNode& node, ProjectDef& project, std::vector<Status>& errors) {
  if (!node.is_map()) {
    errors.push_back(UserError("wrong-type", "'datasets' must map dataset names to their promises, got " +
                                                 std::string(node.Describe()), node.where()));
    return;
  }
  for (const auto& [key, value] : node.entries()) {
    if (auto dataset = ReadDataset(key, value, errors)) project.datasets.emplace(dataset->name, std::move(*dataset));
  }
}

void CheckDatasetPromises(const ProjectDef& project, std::vector<Status>& errors) {
  std::vector<std::string> produced;
  for (const PipelineDef& p : project.pipelines) {
    for (const TaskDef& t : p.tasks) {
      for (const auto& d : t.produces) produced.push_back(d.value);
    }
  }
  for (const auto& [name, dataset] : project.datasets) {
    if (std::find(produced.begin(), produced.end(), name) == produced.end()) {
      errors.push_back(UserError("unknown-dataset", "weir.yml promises the freshness of dataset '" + name +
                                                        "', which no task produces (a task's 'produces:')" +
                                                        DidYouMean(name, produced), dataset.where));
    }
    for (const CallbackAction& action : dataset.on_stale) {
      if (action.kind != CallbackAction::Kind::kEmail || project.smtp) continue;
      errors.push_back(UserError("no-smtp", "an email action of 'on_stale' needs weir.yml's 'smtp:' (url and from) "
                                            "to send through", action.where));
    }
  }
}

const std::vector<std::string>& PostgresConnectionKeys() {
  static const std::vector<std::string> kKeys = {"type",     "host",    "port",           "user",
                                                 "dbname",   "password", "sslmode",       "connect_timeout"};
  return kKeys;
}

namespace {

const std::vector<std::string> kConnectionTypes = {"duckdb", "postgres", "kafka"};
const std::vector<std::string> kSslModes = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};

// A whole number in [1, max] unless it is a template (checked when rendered).
void CheckNumber(MapFields& fields, const std::string& key, int64_t max) {
  const ConfigNode* value = fields.Get(key);
  if (value == nullptr || value->scalar().find("{{") != std::string::npos) return;
  const std::string& text = value->scalar();
  bool digits = value->quoted() && !text.empty() && text.size() <= 9 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {  // "5432" in quotes: a number to libpq as well
    int64_t n = std::stoll(text);
    if (n < 1 || n > max) {
      fields.Add(UserError("out-of-range", "'" + key + "' must be from 1 to " + std::to_string(max), value->where()));
    }
    return;
  }
  if (auto n = fields.Int(key, 1); n && *n > max) {
    fields.Add(UserError("out-of-range", "'" + key + "' must be at most " + std::to_string(max), value->where()));
  }
}

// A kafka connection: brokers, and librdkafka properties (strings or
// templates: a SASL password comes from secret()).
void CheckKafkaConnection(MapFields& fields) {
  fields.Require("brokers");
  fields.String("brokers");
  const ConfigNode* properties = fields.Get("properties");
  if (properties == nullptr) return;
  if (!properties->is_map()) {
    fields.Add(UserError("wrong-type", "'properties' must map librdkafka settings to values, got " +
                                           std::string(properties->Describe()), properties->where()));
    return;
  }
  for (const auto& [key, value] : properties->entries()) {
    fields.Add(value.AsString("kafka property '" + key.scalar() + "'").status());
  }
}

std::vector<std::string> ConnectionKeys(const std::string& kind) {
  if (kind == "duckdb") return {"type", "path"};
  if (kind == "kafka") return {"type", "brokers", "properties"};
  std::vector<std::string> keys = PostgresConnectionKeys();
  if (kind != "postgres") keys.push_back("path");  // unknown type: only the type is reported
  return keys;
}

void CheckConnection(const std::string& name, const ConfigNode& node, std::vector<Status>& errors) {
  const ConfigNode* type = node.is_map() ? node.Find("type") : nullptr;
  std::string kind = type != nullptr ? type->scalar() : "";
  MapFields fields(node, "connection '" + name + "'", ConnectionKeys(kind), errors);
  if (!fields.is_map() || fields.Require("type") == nullptr) return;
  if (!fields.Choice("type", kConnectionTypes)) return;
  if (kind == "duckdb") {
    fields.Require("path");
    return;
  }
  if (kind == "kafka") {
    CheckKafkaConnection(fields);
    return;
  }
  CheckNumber(fields, "port", 65535);
  CheckNumber(fields, "connect_timeout", 3600);
  const ConfigNode* sslmode = fields.Get("sslmode");
  if (sslmode != nullptr && sslmode->scalar().find("{{") == std::string::npos) fields.Choice("sslmode", kSslModes);
}

}  // namespace

void CheckConnections(const std::map<std::string, ConfigNode>& connections, std::vector<Status>& errors) {
  for (const auto& [name, node] : connections) CheckConnection(name, node, errors);
}

}  // namespace weir::config_internal
