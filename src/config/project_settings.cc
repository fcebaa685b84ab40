// weir.yml's `heartbeat:` (how a running weir shows it is alive) and
// `datasets:` (what the project promises about the datasets tasks produce).
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

}  // namespace weir::config_internal
