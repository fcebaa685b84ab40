// A suite compiled to SQL: each check becomes aggregates over a source, and
// checks with the same source and segments share one query (one scan).
#pragma once

#include <string>
#include <vector>

#include "quality/quality.h"

namespace weir::quality_internal {

// How one check is measured.
struct Measure {
  // FROM clause it aggregates over: the target (shared) or its own, such as
  // a join with another table or a custom query.
  std::string from;
  std::vector<std::string> group_by;  // quoted columns
  std::string value;   // aggregate SQL: failing rows, or the metric
  std::string rows;    // aggregate SQL: rows it was measured on; "" = the target's row count
  std::string detail;  // an extra aggregate shown with the value (freshness: the newest value), or ""
  std::string failing_rows;  // SELECT of failing rows (no LIMIT), or ""
  std::string other_query;   // compare_to, reconcile: the other side's value
  std::string other_connection;  // reconcile: where other_query runs ("": the same database)
  std::string unsupported;       // why this database cannot measure it ("" : it can)
};

struct PlannedScan {
  std::string from;
  std::vector<std::string> group_by;
  std::vector<size_t> checks;  // indexes into the suite's checks
};

struct SuitePlan {
  std::string base;             // the filtered target, as a FROM item aliased t
  std::vector<Measure> measures;  // one per check (schema checks: empty value)
  std::vector<PlannedScan> scans;  // scans[0]: the target, ungrouped, with count(*) first
};

// `now`: SQL of the time freshness is measured at ("now()" or a literal).
// Rows that fail a row-level check, as a predicate over `t`; "" for other
// kinds.
std::string FailingPredicate(const CheckSpec& spec, SqlDialect dialect = SqlDialect::kDuckDb);

SuitePlan CompileSuite(const CheckSuite& suite, const std::string& now, SqlDialect dialect = SqlDialect::kDuckDb);

// The SELECT a scan runs: group columns, then for each check its value,
// rows (when it has its own) and detail, in the order of `checks`.
std::string ScanSql(const SuitePlan& plan, const PlannedScan& scan);

}  // namespace weir::quality_internal
