#include "config/internal/task_kinds.h"

#include "config/config.h"

namespace weir::config_internal {

const std::vector<TaskKindKeys>& TaskKinds() {
  static const std::vector<TaskKindKeys> kKinds = {
      {"shell", {"command"}, {"cwd", "env"}},
      {"sql", {"sql"}, {"inputs", "to", "rejects", "skip_if"}},
      {"http", {"url"}, {"method", "headers", "body", "records", "to", "auth", "rejects"}},
      {"extract", {"connection", "sql", "to"}, {}},
      {"load", {"from", "table"}, {"mode", "keys", "partition_by"}},
      {"check", {"table", "checks"}, {"where", "skip_if"}},
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
      "retry_on", "timeout", "trigger_rule", "depends_on_past"};
  return kKeys;
}

const std::vector<std::string>& CommonTaskKeys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys = {"id", "kind", "after", "description", "cache", "pool", "pool_slots", "priority"};
    for (const std::string& k : DefaultableTaskKeys()) keys.push_back(k);
    return keys;
  }();
  return kKeys;
}

}  // namespace weir::config_internal
