#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace weir::config_internal {

// Reads a pipeline file's tree; errors are appended. nullopt when the file
// has no usable pipeline name.
std::optional<PipelineDef> ReadPipeline(const ConfigNode& root, const std::string& file,
                                        std::vector<Status>& errors);

// A callback key's value (`on_failure:`, `on_stale:`, ...): one action or a
// list of them; errors are appended.
std::vector<CallbackAction> ReadCallbackActions(const ConfigNode& node, const std::string& key,
                                                std::vector<Status>& errors);

}  // namespace weir::config_internal
