#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/files.h"
#include "config/config_node.h"

namespace weir::config_internal {

// Calls `read` with the tree of each `root`/`folder`/*.yml (and *.yaml)
// and its path relative to root; a file that cannot be read or parsed is
// one error in `errors` instead.
using YamlFileReader = std::function<void(const ConfigNode& root, const std::string& shown_path)>;
void ForEachYamlFile(const Filesystem& fs, const std::string& root, const std::string& folder,
                     std::vector<Status>& errors, const YamlFileReader& read);

}  // namespace weir::config_internal
