// What the server reads and records in the SQLite state store besides
// runs: counts by state (/metrics) and the audit trail (schema 12, table
// audit_log). The caller holds the store's lock and an open transaction.
#pragma once

#include <vector>

#include "state/internal/sqlite_database.h"
#include "state/state.h"

namespace weir::state_internal {

Result<StateCounts> QueryStateCounts(SqliteDatabase& db);

// Inserts `entry` (its `at` already to the millisecond) and returns it with its id.
Result<AuditEntry> InsertAuditEntry(SqliteDatabase& db, AuditEntry entry);
Result<std::vector<AuditEntry>> QueryAuditLog(SqliteDatabase& db, int limit, int offset);

}  // namespace weir::state_internal
