#pragma once

#include <vector>

#include "common/files.h"
#include "config/config.h"

namespace weir::config_internal {

// Reads `root`/streams/*.yml into project.streams; errors are appended.
// Needs project.connections already read (a stream names its connections).
void ReadStreams(const Filesystem& fs, ProjectDef& project, std::vector<Status>& errors);

}  // namespace weir::config_internal
