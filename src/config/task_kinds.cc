#include "config/internal/task_kinds.h"

namespace weir::config_internal {

const std::vector<TaskKindKeys>& TaskKinds() {
  static const std::vector<TaskKindKeys> kKinds = {
      {"shell", {"command"}, {"cwd", "env"}},
      {"sql", {"sql"}, {"inputs", "to", "rejects", "connection"}},
      {"http", {"url"}, {"method", "headers", "body", "records", "to", "auth", "rejects"}},
      {"extract", {"connection", "sql", "to"}, {}},
      {"load", {"from", "table"}, {"mode", "keys", "partition_by", "connection"}},
      {"check", {"checks"}, {"table", "where", "connection"}},
  };
  return kKinds;
}

const TaskKindKeys* FindTaskKind(const std::string& kind) {
  for (const TaskKindKeys& k : TaskKinds()) {
    if (k.kind == kind) return &k;
  }
  return nullptr;
}

const std::vector<std::string>& DefaultableTaskKeys() {
  static const std::vector<std::string> kKeys = {
      "retries", "retry_delay", "retry_exponential_backoff", "max_retry_delay",
      "retry_on", "timeout", "trigger_rule"};
  return kKeys;
}

const std::vector<std::string>& CommonTaskKeys() {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys = {"id", "kind", "after", "description"};
    for (const std::string& k : DefaultableTaskKeys()) keys.push_back(k);
    return keys;
  }();
  return kKeys;
}

}  // namespace weir::config_internal
