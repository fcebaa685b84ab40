// Compiles each check to aggregates and groups them into scans: every check
// that aggregates over the target with the same segments joins one query,
// so that a suite of row and metric checks reads the table once.
#include "connectors/connectors.h"
#include "quality/internal/check_kinds.h"
#include "quality/internal/plan.h"

namespace weir::quality_internal {
namespace {

std::string Column(const CheckSpec& spec) { return spec.columns.empty() ? "" : "t." + SqlIdentifier(spec.columns[0]); }

std::string ColumnList(const std::vector<std::string>& columns, const std::string& prefix) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + prefix + SqlIdentifier(c);
  return out;
}

// User SQL ends with a newline before any closing parenthesis, so that a
// trailing `-- comment` in a where: cannot swallow it.
std::string And(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  return "(" + a + "\n) AND (" + b + "\n)";
}

std::string CountWhere(const std::string& predicate) {
  return predicate.empty() ? "count(*)" : "count(*) FILTER (WHERE " + predicate + "\n)";
}

std::string Filtered(const std::string& aggregate, const std::string& filter) {
  return filter.empty() ? aggregate : aggregate + " FILTER (WHERE " + filter + "\n)";
}

bool IsNumberLiteral(const std::string& literal) { return !literal.empty() && literal[0] != '\''; }

}  // namespace

// Rows that fail a row-level check, as a predicate over t; "" when the check
// has no such predicate (unique, values_in, sql, metrics).
std::string FailingPredicate(const CheckSpec& spec, SqlDialect dialect) {
  const std::string c = Column(spec);
  const std::string& kind = spec.kind;
  auto list = [&] {
    std::string out;
    for (const std::string& v : spec.values) out += (out.empty() ? "" : ", ") + v;
    return out;
  };
  if (kind == "not_null") return c + " IS NULL";
  if (kind == "accepted_values") return c + " IS NOT NULL AND " + c + " NOT IN (" + list() + ")";
  if (kind == "not_accepted_values") return c + " IN (" + list() + ")";
  if (kind == "between") {
    std::string low = spec.inclusive ? " >= " : " > ", high = spec.inclusive ? " <= " : " < ";
    std::string in_range;
    if (!spec.low.empty()) in_range = c + low + spec.low;
    if (!spec.high.empty()) in_range = And(in_range, c + high + spec.high);
    // NaN sorts above every number (in DuckDB and Postgres, where NaN =
    // NaN): never in a numeric range.
    bool numeric = IsNumberLiteral(spec.low) || IsNumberLiteral(spec.high);
    if (numeric && dialect == SqlDialect::kPostgres) {
      in_range = And(in_range, "CAST(" + c + " AS DOUBLE PRECISION) <> 'NaN'");
    } else if (numeric) {
      in_range = And(in_range, "NOT isnan(CAST(" + c + " AS DOUBLE))");
    }
    return c + " IS NOT NULL AND NOT (" + in_range + ")";
  }
  if (kind == "regex") {
    std::string text = "CAST(" + c + " AS VARCHAR)", pattern = SqlString(spec.expression);
    if (dialect == SqlDialect::kPostgres) return c + " IS NOT NULL AND NOT (" + text + " ~ " + pattern + ")";
    return c + " IS NOT NULL AND NOT regexp_matches(" + text + ", " + pattern + ")";
  }
  if (kind == "length") {
    std::string length = "length(CAST(" + c + " AS VARCHAR))", ok;
    if (spec.min) ok = length + " >= " + FormatNumber(*spec.min);
    if (spec.max) ok = And(ok, length + " <= " + FormatNumber(*spec.max));
    return c + " IS NOT NULL AND NOT (" + ok + ")";
  }
  if (kind == "parseable") return c + " IS NOT NULL AND TRY_CAST(" + c + " AS " + spec.expression + ") IS NULL";
  if (kind == "expression") return "NOT (" + spec.expression + "\n)";
  return "";
}

namespace {

std::string NotAllNull(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : " OR ") + ("t." + SqlIdentifier(c)) + " IS NOT NULL";
  return "(" + out + ")";
}

// Rows whose key appears more than once (NULL keys never match), among
// the rows the check's filter keeps.
std::string DuplicateRows(const CheckSpec& spec, const std::string& base, const std::string& filter) {
  std::string keys = ColumnList(spec.columns, "t.");
  std::string on;
  for (const std::string& c : spec.columns) {
    on += (on.empty() ? "" : " AND ") + ("t." + SqlIdentifier(c)) + " IS NOT DISTINCT FROM d." + SqlIdentifier(c);
  }
  std::string rows = filter.empty() ? base : "(SELECT * FROM " + base + " WHERE " + filter + "\n) AS t";
  return "SELECT t.* FROM " + rows + " JOIN (SELECT " + keys + " FROM " + rows + " WHERE " +
         NotAllNull(spec.columns) + " GROUP BY " + keys + " HAVING count(*) > 1) AS d ON " + on + " ORDER BY " + keys;
}

// The continuous percentile `p` of `c` (linear interpolation, as pandas').
std::string Percentile(const std::string& c, const std::string& p, SqlDialect dialect) {
  if (dialect == SqlDialect::kPostgres) return "percentile_cont(" + p + ") WITHIN GROUP (ORDER BY " + c + ")";
  return "quantile_cont(" + c + ", " + p + ")";
}

std::string AsDouble(const std::string& sql, SqlDialect dialect) {
  return "CAST(" + sql + (dialect == SqlDialect::kPostgres ? " AS DOUBLE PRECISION)" : " AS DOUBLE)");
}

std::string MetricAggregate(const std::string& metric, const CheckSpec& spec, const std::string& filter,
                            SqlDialect dialect) {
  const std::string c = Column(spec);
  if (metric == "row_count") return CountWhere(filter);
  if (metric == "missing_count") return CountWhere(And(c + " IS NULL", filter));
  if (metric == "missing_percent") {
    return "coalesce(100.0 * " + CountWhere(And(c + " IS NULL", filter)) + " / nullif(" + CountWhere(filter) +
           ", 0), 0)";
  }
  if (metric == "duplicate_count") {
    if (spec.columns.size() == 1) return Filtered("count(" + c + ")", filter) + " - " +
                                         Filtered("count(DISTINCT " + c + ")", filter);
    std::string key_filter = And(NotAllNull(spec.columns), filter);
    return CountWhere(key_filter) + " - " +
           Filtered("count(DISTINCT (" + ColumnList(spec.columns, "t.") + "))", key_filter);
  }
  if (metric == "distinct_count") return Filtered("count(DISTINCT " + c + ")", filter);
  if (metric == "stddev") return Filtered("stddev_samp(" + c + ")", filter);
  if (metric == "percentile") {
    return Filtered(Percentile(c, FormatNumber(spec.percentile), dialect), filter);
  }
  if (metric == "metric") return spec.expression;  // a filter makes it a scan of its own
  return Filtered(metric + "(" + c + ")", filter);  // sum, avg, min, max
}

// reconcile's value on either side: a count, a sum, or an order-independent
// checksum (the sum of row hashes over the columns as text, so that the
// same values hash alike in two databases whatever their types).
std::string ReconcileAggregate(const CheckSpec& spec, const std::string& filter, SqlDialect dialect) {
  if (spec.metric == "sum") return Filtered("sum(" + Column(spec) + ")", filter);
  if (spec.metric == "checksum") {
    std::string columns;
    for (const std::string& c : spec.columns) {
      columns += (columns.empty() ? "" : ", ") + ("CAST(t." + SqlIdentifier(c) + " AS VARCHAR)");
    }
    if (dialect == SqlDialect::kPostgres) {  // the first 64 bits of the MD5 of the values, as a signed number
      return Filtered("sum(CAST(CAST(CAST('x' || substr(md5(concat_ws(chr(31), " + columns +
                          ")), 1, 16) AS bit(64)) AS bigint) AS numeric))",
                      filter);
    }
    return Filtered("sum(CAST(hash(" + columns + ") AS HUGEINT))", filter);
  }
  return CountWhere(filter);
}

// drift's further values, as a list in text: distinct count, then quartiles.
// (Postgres's array text "{...}" reads as DuckDB's list text "[...]" does.)
std::string DriftDetail(const CheckSpec& spec, const std::string& filter, SqlDialect dialect) {
  std::string c = Column(spec);
  std::string list = AsDouble(Filtered("count(DISTINCT " + c + ")", filter), dialect);
  if (spec.quantiles) {
    for (const char* p : {"0.25", "0.5", "0.75"}) list += ", " + AsDouble(Filtered(Percentile(c, p, dialect), filter), dialect);
  }
  if (dialect == SqlDialect::kPostgres) return "CAST(ARRAY[" + list + "] AS VARCHAR)";
  return "CAST(list_value(" + list + ") AS VARCHAR)";
}

std::string EpochSeconds(const std::string& sql, SqlDialect dialect) {
  return dialect == SqlDialect::kPostgres ? "EXTRACT(EPOCH FROM " + sql + ")" : "epoch(" + sql + ")";
}

Measure MeasureOf(const CheckSpec& spec, const std::string& base, const std::string& now, SqlDialect dialect) {
  Measure m;
  m.from = base;
  m.group_by = spec.group_by;
  const std::string& filter = spec.filter;
  const std::string& kind = spec.kind;
  if (kind == "unique") {
    m.value = MetricAggregate("duplicate_count", spec, filter, dialect);
    m.rows = CountWhere(filter);
    m.failing_rows = DuplicateRows(spec, base, filter);
  } else if (kind == "values_in") {
    std::string other_column = SqlIdentifier(spec.other_column.empty() ? spec.columns[0] : spec.other_column);
    m.from = base + " LEFT JOIN (SELECT DISTINCT " + other_column + " AS weir_key FROM " +
             SqlQualifiedName(spec.other) + ") AS o ON " + Column(spec) + " = o.weir_key";
    std::string failing = Column(spec) + " IS NOT NULL AND o.weir_key IS NULL";
    m.value = CountWhere(And(failing, filter));
    m.rows = CountWhere(filter);
    m.failing_rows = "SELECT t.* FROM " + m.from + " WHERE " + And(failing, filter);
  } else if (kind == "sql") {
    m.from = "(" + spec.expression + "\n) AS t";
    m.value = CountWhere(filter);
    m.rows = "NULL";  // the target's row count
    m.failing_rows = "SELECT * FROM (" + spec.expression + "\n) AS t" + (filter.empty() ? "" : " WHERE " + filter);
  } else if (FindCheckKind(kind)->shape == CheckShape::kRows) {
    if (kind == "parseable" && dialect == SqlDialect::kPostgres) {
      m.unsupported = "parseable is not available on postgres (it has no TRY_CAST): use a regex check";
      return m;
    }
    std::string predicate = FailingPredicate(spec, dialect);
    m.value = CountWhere(And(predicate, filter));
    m.rows = CountWhere(filter);
    m.failing_rows = "SELECT * FROM " + base + " WHERE " + And(predicate, filter);
  } else if (kind == "freshness") {
    m.value = EpochSeconds(now, dialect) + " - " + EpochSeconds(Filtered("max(" + Column(spec) + ")", filter), dialect);
    m.rows = CountWhere(filter);
    m.detail = "CAST(" + Filtered("max(" + Column(spec) + ")", filter) + " AS VARCHAR)";
  } else if (kind == "reconcile") {
    m.value = ReconcileAggregate(spec, filter, dialect);
    m.rows = CountWhere(filter);
    const CheckTarget& source = spec.source;
    m.other_query = "SELECT " + ReconcileAggregate(spec, "", dialect) + " FROM (SELECT * FROM " + source.relation +
                    (source.filter.empty() ? "" : " WHERE " + source.filter) + "\n) AS t";
    m.other_connection = spec.source_connection;
  } else if (kind == "drift") {
    m.value = MetricAggregate("missing_percent", spec, filter, dialect);
    m.rows = CountWhere(filter);
    m.detail = DriftDetail(spec, filter, dialect);
  } else if (kind == "schema") {
    // Measured from DESCRIBE, not a scan.
  } else {
    const std::string& metric = kind == "anomaly" ? spec.metric : kind;
    if (metric == "metric" && !filter.empty()) m.from = "(SELECT * FROM " + base + " WHERE " + filter + "\n) AS t";
    m.value = MetricAggregate(metric, spec, metric == "metric" ? "" : filter, dialect);
    m.rows = metric == "metric" ? "count(*)" : CountWhere(filter);
    if (!spec.other.empty()) m.other_query = "SELECT count(*) FROM " + SqlQualifiedName(spec.other);
  }
  return m;
}

}  // namespace

SuitePlan CompileSuite(const CheckSuite& suite, const std::string& now, SqlDialect dialect) {
  SuitePlan plan;
  const CheckTarget& target = suite.target;
  plan.base = "(SELECT * FROM " + target.relation + (target.filter.empty() ? "" : " WHERE " + target.filter) +
              "\n) AS t";
  plan.scans.push_back(PlannedScan{plan.base, {}, {}});
  for (size_t i = 0; i < suite.checks.size(); ++i) {
    plan.measures.push_back(MeasureOf(suite.checks[i], plan.base, now, dialect));
    const Measure& m = plan.measures.back();
    if (m.value.empty()) continue;
    auto same = [&](const PlannedScan& s) { return s.from == m.from && s.group_by == m.group_by; };
    auto scan = std::find_if(plan.scans.begin(), plan.scans.end(), same);
    if (scan == plan.scans.end()) scan = plan.scans.insert(plan.scans.end(), PlannedScan{m.from, m.group_by, {}});
    scan->checks.push_back(i);
  }
  return plan;
}

std::string ScanSql(const SuitePlan& plan, const PlannedScan& scan) {
  std::string groups = ColumnList(scan.group_by, "t.");
  std::string sql = "SELECT " + (groups.empty() ? "" : groups + ", ") + "count(*) AS weir_rows";
  for (size_t i : scan.checks) {
    const Measure& m = plan.measures[i];
    std::string n = std::to_string(i);
    sql += ",\n  " + m.value + "\n  AS weir_value_" + n + ", " + (m.rows.empty() ? "NULL" : m.rows) +
           " AS weir_rows_" + n + ", " + (m.detail.empty() ? "NULL" : m.detail) + " AS weir_detail_" + n;
  }
  sql += "\nFROM " + scan.from;
  if (!groups.empty()) sql += "\nGROUP BY " + groups + "\nORDER BY " + groups;
  return sql;
}

}  // namespace weir::quality_internal

namespace weir {

Result<std::string> RowFailurePredicate(const CheckSpec& spec) {
  std::string predicate;
  if (spec.kind == "values_in") {
    std::string c = "t." + SqlIdentifier(spec.columns[0]);
    std::string other_column = SqlIdentifier(spec.other_column.empty() ? spec.columns[0] : spec.other_column);
    predicate = c + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM " + SqlQualifiedName(spec.other) + " AS o WHERE o." +
                other_column + " = " + c + ")";
  } else if (spec.kind != "unique" && spec.kind != "sql") {
    predicate = quality_internal::FailingPredicate(spec);
  }
  if (predicate.empty()) {
    return UserError("bad-quarantine", "quarantine routes rows that fail a row check (not_null, accepted_values, "
                                       "not_accepted_values, between, regex, length, parseable, values_in, "
                                       "expression); " + spec.kind + " judges the table as a whole", spec.where);
  }
  return spec.filter.empty() ? predicate : "(" + spec.filter + ") AND (" + predicate + ")";
}

}  // namespace weir
