// The keys each task kind takes, beyond the keys every task takes.
#pragma once

#include <string>
#include <vector>

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

}  // namespace weir::config_internal
