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

}  // namespace weir::config_internal
