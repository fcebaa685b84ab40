// An extract's file source checked by `weir validate`
// (file_source_config.cc): `files:` (a glob), `format:` (its type, and
// keys that fit it), `incremental: new_files`, `allow_empty`,
// `filename_column`, and `rejects: {table}` (CSV only). The task reads
// them again when it runs (src/tasks/file_source.cc, file_extract.cc),
// with the same error codes.
#pragma once

#include <vector>

#include "common/status.h"
#include "config/config.h"

namespace weir::config_internal {

// `node` is the task's mapping, which has `files`; errors are added to `errors`.
void CheckFileSource(const ConfigNode& node, const std::string& label, std::vector<Status>& errors);

// The keys only a file source takes, and only a connection's.
const std::vector<std::string>& FileSourceKeys();
const std::vector<std::string>& ConnectionSourceKeys();

}  // namespace weir::config_internal
