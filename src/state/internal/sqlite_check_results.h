// Check results in the SQLite state store (schema 9, table check_results):
// the statements behind StateStore::RecordCheckResults and CheckHistory.
// Kept apart from sqlite_state_store.cc, which holds runs and attempts.
// The caller holds the store's lock and an open transaction.
#pragma once

#include <string>
#include <vector>

#include "state/internal/sqlite_database.h"
#include "state/state.h"

namespace weir::state_internal {

Status InsertCheckResults(SqliteDatabase& db, const std::vector<CheckResultRecord>& results);

// CheckHistory's rules (state.h), in one query.
Result<std::vector<CheckResultRecord>> QueryCheckHistory(SqliteDatabase& db, const std::string& suite,
                                                         const std::string& check, const std::string& before_interval,
                                                         int limit);

// The query QueryCheckHistory runs, with ?1 check, ?2 suite (when
// `one_suite`), ?3 before_interval (when `before_interval`) and ?4 limit;
// public for the test that reads its plan.
std::string CheckHistoryQuery(bool one_suite, bool before_interval);

}  // namespace weir::state_internal
