// Cursor ranges in the SQLite state store (schema 10, table
// cursor_ranges): the statements behind StateStore::RecordCursorRange,
// CursorRangeFor and PreviousCursorRange. The caller holds the store's
// lock and an open transaction.
#pragma once

#include <optional>
#include <string>

#include "state/internal/sqlite_database.h"
#include "state/state.h"

namespace weir::state_internal {

Status UpsertCursorRange(SqliteDatabase& db, const CursorRange& range);

// The range of `interval_start` itself (`before` false) or of the latest
// interval before it (`before` true).
Result<std::optional<CursorRange>> QueryCursorRange(SqliteDatabase& db, const std::string& pipeline,
                                                    const std::string& task_id, const std::string& interval_start,
                                                    bool before);

}  // namespace weir::state_internal
