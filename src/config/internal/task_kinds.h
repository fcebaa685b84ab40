// The keys each task kind takes, beyond the keys every task takes.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace weir::config_internal {

struct TaskKindKeys {
  std::string kind;
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const std::vector<TaskKindKeys>& TaskKinds();
const TaskKindKeys* FindTaskKind(const std::string& kind);
// Keys every task may have, whatever its kind (and `defaults:` may set).
const std::vector<std::string>& CommonTaskKeys();
const std::vector<std::string>& DefaultableTaskKeys();

// What some kinds read beyond their keys' presence, once the task's common
// keys are read: a sensor's type and the keys that type takes, and its wait
// (poke_interval, timeout, soft_fail, mode) into `task.sensor`. `node` is
// the task's mapping.
void ReadKindDetails(const ConfigNode& node, TaskDef& task, std::vector<Status>& errors);

}  // namespace weir::config_internal
