// Quality: declarative data checks compiled to SQL and pushed down to the
// warehouse (never by pulling a table into memory). One engine serves the
// `check` task of pipelines and `weir test` over `checks/*.yml`.
//
// A suite is a list of checks on one target (a table or view, a Parquet or
// CSV path, or a query), optionally filtered (`where:`) and scoped to a data
// interval (`partition_by:`). Checks whose measure is an aggregate of the
// target (row counts, nulls, value rules, metrics) share one scan of it: the
// suite runs as few queries as it can, and says how many scans ran. Each
// failed check samples up to N failing rows, optionally saved to a table in
// `weir_audit`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config_node.h"

namespace weir {

class DuckDbConnection;
class PostgresConnection;
struct QueryRows;

// The SQL a suite compiles to, and where it runs: the DuckDB warehouse, or
// a Postgres database (checks pushed down as dbt-postgres runs tests).
enum class SqlDialect { kDuckDb, kPostgres };

class CheckDatabase {
 public:
  virtual ~CheckDatabase() = default;
  virtual SqlDialect dialect() const = 0;
  virtual Status Execute(const std::string& sql) = 0;
  virtual Result<QueryRows> Query(const std::string& sql) = 0;
  // The columns of `relation` (SQL after FROM) as rows (name, type).
  virtual Result<QueryRows> Describe(const std::string& relation) = 0;
};
// Adapters; the connection must outlive them.
std::unique_ptr<CheckDatabase> DuckDbCheckDatabase(DuckDbConnection& db);
std::unique_ptr<CheckDatabase> PostgresCheckDatabase(PostgresConnection& pg);

enum class CheckSeverity { kWarn, kError };
// kError: the check could not be measured (bad SQL, missing column).
enum class CheckStatus { kPass, kWarn, kFail, kError };
std::string_view CheckStatusName(CheckStatus status);  // "pass", "warn", "fail", "error"

// `warn_if: ">10"`, `error_if: ">1%"`: a comparison with a count, or with a
// percentage of the rows checked.
struct CheckThreshold {
  std::string op = "!=";  // one of > >= < <= = == !=
  double value = 0;
  bool percent = false;
  std::string text = "!=0";  // as written, for reports
};

// What a suite runs on. `relation` is SQL usable after FROM.
struct CheckTarget {
  std::string label;     // as the user named it: analytics.sales, raw/x.parquet
  std::string relation;  // "analytics"."sales", read_parquet('...'), (SELECT ...)
  std::string filter;    // `where:` and the interval, or ""
};

// One check as written, parsed. Which fields a kind reads is listed with
// the kinds in docs/checks.md.
struct CheckSpec {
  std::string kind;                  // "not_null", "row_count", ...
  std::string name;                  // `name:` or derived: "not_null(order_id)"
  SourceLocation where;
  CheckSeverity severity = CheckSeverity::kError;
  std::optional<CheckThreshold> warn_if, error_if;
  std::vector<std::string> columns;  // the column(s) it is on
  std::vector<std::string> group_by;  // segments
  std::string filter;                // the check's own `where:`, ANDed with the suite's
  std::vector<std::string> values;   // accepted_values & co., as SQL literals
  std::optional<double> min, max, equal;  // bounds of a metric; length's
  std::string low, high;             // between: the bounds as SQL literals ("" none)
  bool inclusive = true;             // between: low <= x <= high, else low < x < high
  std::string expression;            // expression, metric, sql, regex pattern, type name
  std::string other;                 // another relation (row_count compare, values_in)
  std::string other_column;
  double tolerance_percent = 0;      // compare / change
  double percentile = 0;             // percentile: 0..1
  int64_t max_age_seconds = 0;       // freshness
  int window = 0;                    // anomaly: intervals of history
  double z = 0;                      // anomaly: z-score bound (0: unused)
  double max_change_percent = -1;    // anomaly/change: relative change bound (<0: unused)
  std::string metric;                // anomaly: row_count, null_percent, avg, ...
  // reconcile: the other side (a table or query, filtered), on a DuckDB
  // connection of weir.yml ("" = the same database), and what to compare:
  // row_count, sum (of `columns[0]`) or checksum (of `columns`).
  CheckTarget source;
  std::string source_connection;
  bool quantiles = true;             // drift: compare quartiles too (numeric columns)
  // schema: expected columns and types, `order: true`, `exact: true`.
  std::vector<std::pair<std::string, std::string>> schema_columns;
  bool schema_order = false, schema_exact = false;
};

struct CheckSuite {
  std::string name;  // the suite's name: a task id or checks file stem
  CheckTarget target;
  std::vector<CheckSpec> checks;
  SourceLocation where;
};

// Reads the list under `checks:`. Names are made unique (a second
// `not_null(id)` becomes `not_null(id)#2`); every error says where.
Result<std::vector<CheckSpec>> ParseCheckList(const ConfigNode& checks);

// The SQL condition under which one row (aliased `t`) fails a row-level
// check, for quarantine: rows matching it are routed aside instead of
// loaded. UserError "bad-quarantine" for a check that judges the table as a
// whole (row_count, unique, metrics, sql, schema).
Result<std::string> RowFailurePredicate(const CheckSpec& spec);

// How a suite's target is named in YAML: `table:`, `path:` (in the lake;
// .parquet/.csv/.ndjson, globs allowed), or `query:`; `where:` and
// `partition_by:` (a column; needs `interval`).
struct TargetOptions {
  std::string lake_root;  // where `path:` is read from
  // The run's data interval as ISO-8601 with offset; none outside runs.
  std::optional<std::pair<std::string, std::string>> interval;
};
Result<CheckTarget> ParseCheckTarget(const ConfigNode& node, const TargetOptions& options);

// One measured failing segment of a `group_by:` check.
struct CheckSegment {
  std::string key;  // "region=EU, channel=web"
  double observed = 0;
  CheckStatus status = CheckStatus::kPass;
};

struct CheckResult {
  std::string name;
  std::string kind;
  CheckSeverity severity = CheckSeverity::kError;
  CheckStatus status = CheckStatus::kPass;
  std::optional<double> observed;  // failing rows, or the metric's value
  std::string observed_text;       // "3 failing rows (0.15%)", "max age 26h"
  std::string threshold;           // "fail if > 0", "min 1", "z <= 3 over 14"
  std::string message;             // why it failed, or "" when it passed
  std::string sql;                 // the SQL that measured it
  double duration_seconds = 0;
  int64_t rows_checked = 0;
  int scan = 0;                    // which query measured it (1-based); 0: its own
  std::vector<std::string> sample_columns;  // up to `sample_limit` failing rows
  std::vector<std::vector<std::optional<std::string>>> sample_rows;
  std::string audit_table;         // weir_audit.<suite>__<check>, or ""
  std::vector<CheckSegment> failing_segments;
  // Further values measured (drift: null_percent, distinct_count, p25 ...),
  // kept in the history as "<name>.<metric>".
  std::vector<std::pair<std::string, double>> metrics;
  SourceLocation where;
};

struct SuiteResult {
  std::string suite;
  std::string target;
  std::vector<CheckResult> results;
  int scans = 0;  // queries that read the target
  double duration_seconds = 0;
  bool failed() const;   // any check failed or errored
  int Count(CheckStatus status) const;
};

// The history an anomaly or change check compares with: the check's
// observed values for earlier intervals, newest first, at most `limit`.
using CheckHistoryLookup =
    std::function<Result<std::vector<double>>(const std::string& check_name, int limit)>;

struct CheckRunOptions {
  int sample_limit = 20;       // failing rows kept per check
  bool save_failing_rows = true;  // to weir_audit.<audit_prefix>__<check>
  std::string audit_prefix;    // default: the suite's name
  // The run's data interval (its start): the audit table keeps each
  // interval's failing rows apart; "" outside runs.
  std::string audit_interval;
  // "Now" for freshness: the interval's end in runs; default current time.
  std::optional<std::string> reference_time;  // ISO-8601
  CheckHistoryLookup history;  // none: anomaly/change checks pass with a note
  // Runs `write` (the failing-row tables) in the warehouse's write turn;
  // none: runs it directly.
  std::function<Status(const std::function<Status()>& write)> write_turn;
  // Opens a DuckDB connection of weir.yml by name, for reconcile checks
  // whose source is elsewhere; none: such checks are errors.
  std::function<Result<std::unique_ptr<DuckDbConnection>>(const std::string& connection)> open_connection;
};

// weir_audit's table for a check: "<suite>__<check>" folded to lower-case
// letters, digits and underscores, at most 63 characters (a hash keeps
// long names apart).
std::string AuditTableName(const std::string& prefix, const std::string& check);

// Runs a suite on `db`. A check that cannot be measured is a result with
// status error (the others still run); the Result fails only when the
// target itself cannot be read. On Postgres, failing rows are sampled but
// not saved to weir_audit, and `parseable` is an error (no TRY_CAST there).
Result<SuiteResult> RunCheckSuite(CheckDatabase& db, const CheckSuite& suite, const CheckRunOptions& options);
Result<SuiteResult> RunCheckSuite(DuckDbConnection& db, const CheckSuite& suite, const CheckRunOptions& options);

// "fail not_null(order_id): 3 failing rows (...)": one line per check.
std::string FormatResultLine(const CheckResult& result);
// The failing rows as indented "col=value, ..." lines.
std::string FormatSampleRows(const CheckResult& result, size_t max_rows);

// Reports over one or several suites.
// {"suites": [{"suite", "target", "scans", "duration_seconds", "results":
// [{"name", "kind", "status", "severity", "observed" (number or null),
// "observed_text", "threshold", "message", "sql", "rows_checked", "scan",
// "audit_table", "failing_rows": [{column: value}], "failing_segments"}]}]}
std::string JsonReport(const std::vector<SuiteResult>& suites);
std::string JunitReport(const std::vector<SuiteResult>& suites);
// A self-contained HTML page (no network): a summary, each check with its
// observed value and failing rows, and a trend chart per check from
// `trends` (check name -> observed values, oldest first).
std::string HtmlReport(const std::vector<SuiteResult>& suites,
                       const std::function<std::vector<double>(const std::string& suite, const std::string& check)>& trend);

}  // namespace weir
