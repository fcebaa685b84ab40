// File sources' files in the SQLite state store (schema 11, tables
// source_file_sets and source_files): the statements behind
// StateStore::RecordSourceFiles, SourceFilesFor and SourceFileSets. The
// caller holds the store's lock and an open transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "state/internal/sqlite_database.h"
#include "state/state.h"

namespace weir::state_internal {

// Replaces the interval's set with `set` (already StoredSourceFiles).
Status ReplaceSourceFileSet(SqliteDatabase& db, const SourceFileSet& set);

// The sets of the task, oldest interval first; only `interval_start`'s
// when it is not empty.
Result<std::vector<SourceFileSet>> QuerySourceFileSets(SqliteDatabase& db, const std::string& pipeline,
                                                       const std::string& task_id,
                                                       const std::string& interval_start);

}  // namespace weir::state_internal
