#include "state/internal/sqlite_check_results.h"

#include "state/internal/records.h"

namespace weir::state_internal {

// The latest result per suite and interval ranks 1; results outside
// intervals ('') are each kept whatever their rank. The conditions are in
// the text rather than bound as "?2 = '' OR ...", so that SQLite can use
// the index for them. SQLite reads a negative LIMIT as no limit.
std::string CheckHistoryQuery(bool one_suite, bool before_interval) {
  return std::string(
             "SELECT id, suite, check_name, status, observed, interval_start, run_id, message, recorded_at_ms FROM ("
             "SELECT *, ROW_NUMBER() OVER (PARTITION BY suite, interval_start "
             "ORDER BY recorded_at_ms DESC, id DESC) AS newest FROM check_results WHERE check_name = ?1") +
         (one_suite ? " AND suite = ?2" : "") +
         (before_interval ? " AND interval_start > '' AND interval_start < ?3" : "") +
         ") WHERE interval_start = '' OR newest = 1 "
         "ORDER BY interval_start DESC, recorded_at_ms DESC, id DESC LIMIT ?4";
}

namespace {

CheckResultRecord CheckResultFromRow(const SqliteStatement& row) {
  CheckResultRecord record;
  record.id = row.Int(0);
  record.suite = row.Text(1);
  record.check = row.Text(2);
  record.status = row.Text(3);
  record.observed = row.OptionalReal(4);
  record.interval_start = row.Text(5);
  record.run_id = RunId{row.Int(6)};
  record.message = row.Text(7);
  record.recorded_at = row.Time(8);
  return record;
}

}  // namespace

Status InsertCheckResults(SqliteDatabase& db, const std::vector<CheckResultRecord>& results) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement insert,
                        db.Prepare("INSERT INTO check_results (suite, check_name, status, observed, interval_start, "
                                   "run_id, message, recorded_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  for (const CheckResultRecord& result : results) {
    CheckResultRecord stored = StoredCheckResult(result);
    WEIR_TRY(insert.Bind(1, stored.suite).Bind(2, stored.check).Bind(3, stored.status).BindReal(4, stored.observed)
                 .Bind(5, stored.interval_start).Bind(6, stored.run_id.value).Bind(7, stored.message)
                 .Bind(8, stored.recorded_at).Run());
  }
  return OkStatus();
}

Result<std::vector<CheckResultRecord>> QueryCheckHistory(SqliteDatabase& db, const std::string& suite,
                                                         const std::string& check, const std::string& before_interval,
                                                         int limit) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement query, db.Prepare(CheckHistoryQuery(!suite.empty(), !before_interval.empty())));
  query.Bind(1, check).Bind(4, int64_t{limit > 0 ? limit : -1});
  if (!suite.empty()) query.Bind(2, suite);
  if (!before_interval.empty()) query.Bind(3, before_interval);
  std::vector<CheckResultRecord> history;
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(bool row, query.Step());
    if (!row) break;
    history.push_back(CheckResultFromRow(query));
  }
  return history;
}

}  // namespace weir::state_internal
