// Runs a compiled suite: each scan is one query; a scan that fails is
// retried check by check so that one bad check (a typo in a column) is an
// error of its own and the others still report. Failing checks then sample
// their failing rows, saved to weir_audit when asked.
#include <chrono>
#include <cmath>
#include <map>
#include <set>

#include "connectors/connectors.h"
#include "quality/internal/check_kinds.h"
#include "quality/internal/judge.h"
#include "quality/internal/plan.h"

namespace weir {
namespace {

using quality_internal::Measure;
using quality_internal::Measured;
using quality_internal::PlannedScan;
using quality_internal::SuitePlan;
using Row = std::vector<std::optional<std::string>>;

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::optional<double> Number(const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(text->c_str(), &end);
  if (text->empty() || end != text->c_str() + text->size()) return std::nullopt;
  return value;
}

class SuiteRunner {
 public:
  SuiteRunner(CheckDatabase& db, const CheckSuite& suite, const CheckRunOptions& options)
      : db_(db), suite_(suite), options_(options) {
    std::string now = options.reference_time ? "CAST(" + SqlString(*options.reference_time) + " AS TIMESTAMPTZ)" : "now()";
    plan_ = quality_internal::CompileSuite(suite, now, db.dialect());
  }

  Result<SuiteResult> Run() {
    auto start = std::chrono::steady_clock::now();
    out_.suite = suite_.name;
    out_.target = suite_.target.label;
    for (const CheckSpec& spec : suite_.checks) {
      out_.results.push_back(CheckResult{.name = spec.name, .kind = spec.kind, .severity = spec.severity,
                                         .where = spec.where});
    }
    // Timestamps without a zone are UTC here whatever the host's zone, so
    // that partition_by's interval and freshness mean the same everywhere
    // (Postgres connections are opened in UTC).
    if (db_.dialect() == SqlDialect::kDuckDb) db_.Execute("SET SESSION TimeZone = 'UTC'").IgnoreError();
    Result<QueryRows> probe = db_.Query("SELECT * FROM " + plan_.base + " LIMIT 0");
    if (!probe.ok()) {
      return UserError("check-target", "cannot read " + suite_.target.label + " to check it: " +
                                           probe.status().message(), suite_.where);
    }
    for (size_t i = 0; i < suite_.checks.size(); ++i) {
      if (!plan_.measures[i].unsupported.empty()) Fail(i, plan_.measures[i].unsupported);
    }
    for (size_t k = 0; k < plan_.scans.size() && !stopped_; ++k) {
      if (plan_.scans[k].checks.empty()) continue;
      RunScan(plan_.scans[k], static_cast<int>(k) + 1);
    }
    if (stopped_) return Cancelled("checks on " + suite_.target.label + " stopped");
    for (size_t i = 0; i < suite_.checks.size(); ++i) {
      if (suite_.checks[i].kind == "schema") RunSchema(i);
    }
    WEIR_TRY(SampleFailingRows());
    out_.duration_seconds = SecondsSince(start);
    return std::move(out_);
  }

 private:
  void RunScan(const PlannedScan& scan, int number) {
    auto start = std::chrono::steady_clock::now();
    Result<QueryRows> rows = db_.Query(quality_internal::ScanSql(plan_, scan));
    ++out_.scans;
    if (rows.ok()) {
      Record(scan, *rows, number, SecondsSince(start));
      return;
    }
    // An interrupted scan (a stop or timeout) is not retried check by check.
    stopped_ = stopped_ || rows.status().kind() == ErrorKind::kCancelled;
    if (scan.checks.size() == 1 || stopped_) {
      for (size_t i : scan.checks) Fail(i, rows.status().message());
      return;
    }
    for (size_t i : scan.checks) RunScan(PlannedScan{scan.from, scan.group_by, {i}}, 0);
  }

  void Fail(size_t i, const std::string& message) {
    out_.results[i].status = CheckStatus::kError;
    out_.results[i].message = "could not measure: " + message;
    out_.results[i].sql = CheckSql(i);
  }

  std::string CheckSql(size_t i) const {
    const Measure& m = plan_.measures[i];
    std::string groups;
    for (const std::string& g : m.group_by) groups += (groups.empty() ? "" : ", ") + ("t." + SqlIdentifier(g));
    return "SELECT " + (groups.empty() ? "" : groups + ", ") + m.value + "\nFROM " + m.from +
           (groups.empty() ? "" : "\nGROUP BY " + groups);
  }

  void Record(const PlannedScan& scan, const QueryRows& rows, int number, double seconds) {
    const size_t groups = scan.group_by.size();
    if (scan.from == plan_.base && scan.group_by.empty() && !rows.rows.empty()) {  // also a retried check's scan
      target_rows_ = Number(rows.rows[0][0]).value_or(0);
    }
    for (size_t j = 0; j < scan.checks.size(); ++j) {
      size_t i = scan.checks[j];
      CheckResult& result = out_.results[i];
      result.scan = number;
      result.duration_seconds = seconds;
      result.sql = CheckSql(i);
      size_t column = groups + 1 + 3 * j;
      if (groups == 0) {
        Measured m = MeasuredAt(i, rows.rows.empty() ? Row{} : rows.rows[0], column, suite_.checks[i].name);
        if (Status s = MeasureOther(i, m); !s.ok()) {
          Fail(i, s.message());
          continue;
        }
        quality_internal::Judge(suite_.checks[i], m, result);
      } else {
        JudgeSegments(i, rows, column, groups);
      }
    }
  }

  // For checks measured elsewhere (sql:): counted here when no scan of the
  // target did (its scan failed, or there was none).
  double TargetRows() {
    if (!target_rows_) {
      Result<QueryRows> count = db_.Query("SELECT count(*) FROM " + plan_.base);
      ++out_.scans;
      target_rows_ = count.ok() && !count->rows.empty() ? Number(count->rows[0][0]).value_or(0) : 0;
    }
    return *target_rows_;
  }

  // `history_name`: the check's own history, or a segment's (check.segment).
  Measured MeasuredAt(size_t i, const Row& row, size_t column, const std::string& history_name) {
    Measured m;
    if (column + 2 < row.size()) {
      m.value_text = row[column].value_or("");
      m.value = Number(row[column]);
      std::optional<double> rows = Number(row[column + 1]);
      m.rows = static_cast<int64_t>(rows ? *rows : TargetRows());
      m.detail = row[column + 2].value_or("");
    }
    const CheckSpec& spec = suite_.checks[i];
    if (spec.kind == "drift") {
      DriftMetrics(spec, m);
      return m;
    }
    if ((spec.max_change_percent >= 0 || spec.z > 0) && options_.history) {
      Result<std::vector<double>> history = options_.history(history_name, spec.window > 0 ? spec.window : 14);
      if (history.ok()) m.history = *history;
    }
    return m;
  }

  // drift: null_percent (the value), then the detail's list of distinct
  // count and quartiles, each with its previous value from the history.
  void DriftMetrics(const CheckSpec& spec, Measured& m) {
    m.metrics.emplace_back("null_percent", m.value.value_or(0));
    std::vector<std::string> names = {"distinct_count", "p25", "p50", "p75"};
    std::string list = m.detail.size() >= 2 ? m.detail.substr(1, m.detail.size() - 2) : "";
    size_t next = 0;
    for (size_t at = 0; at < list.size() && next < names.size(); ++next) {
      size_t comma = list.find(',', at);
      std::string item = list.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
      while (!item.empty() && item.front() == ' ') item.erase(0, 1);
      if (std::optional<double> value = Number(item); value && std::isfinite(*value)) {
        m.metrics.emplace_back(names[next], *value);
      }
      at = comma == std::string::npos ? list.size() : comma + 1;
    }
    for (const auto& [name, value] : m.metrics) {
      std::optional<double> previous;
      if (options_.history) {
        Result<std::vector<double>> earlier = options_.history(spec.name + "." + name, 1);
        if (earlier.ok() && !earlier->empty()) previous = earlier->front();
      }
      m.previous.push_back(previous);
    }
  }

  Status MeasureOther(size_t i, Measured& m) {
    const Measure& measure = plan_.measures[i];
    if (measure.other_query.empty()) return OkStatus();
    CheckDatabase* db = &db_;
    if (!measure.other_connection.empty()) {
      WEIR_ASSIGN_OR_RETURN(db, OtherConnection(measure.other_connection));
    }
    WEIR_ASSIGN_OR_RETURN(QueryRows rows, db->Query(measure.other_query));
    std::optional<std::string> value = rows.rows.empty() || rows.rows[0].empty() ? std::nullopt : rows.rows[0][0];
    m.other = Number(value);
    m.other_text = value.value_or("NULL");
    return OkStatus();
  }

  Result<CheckDatabase*> OtherConnection(const std::string& name) {
    auto found = others_.find(name);
    if (found != others_.end()) return found->second.second.get();
    if (!options_.open_connection) {
      return UserError("not-available", "connection '" + name + "' cannot be opened here");
    }
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> opened, options_.open_connection(name));
    std::unique_ptr<CheckDatabase> adapter = DuckDbCheckDatabase(*opened);
    CheckDatabase* raw = adapter.get();
    others_.emplace(name, std::make_pair(std::move(opened), std::move(adapter)));
    return raw;
  }

  // Each segment judged on its own; a check on history compares each
  // segment with that segment's history, and records its value under
  // "<check>.<segment>".
  void JudgeSegments(size_t i, const QueryRows& rows, size_t column, size_t groups) {
    CheckResult& result = out_.results[i];
    const CheckSpec& spec = suite_.checks[i];
    bool uses_history = spec.max_change_percent >= 0 || spec.z > 0;
    int failing = 0;
    for (const Row& row : rows.rows) {
      std::string key;
      for (size_t g = 0; g < groups; ++g) key += (g ? ", " : "") + spec.group_by[g] + "=" + row[g].value_or("NULL");
      CheckResult segment_result;
      Measured m = MeasuredAt(i, row, column, spec.name + "." + key);
      quality_internal::Judge(spec, m, segment_result);
      result.rows_checked += segment_result.rows_checked;
      if (uses_history && m.value) result.metrics.emplace_back(key, *m.value);
      if (segment_result.status == CheckStatus::kPass) continue;
      ++failing;
      result.failing_segments.push_back(CheckSegment{key, segment_result.observed.value_or(NAN),
                                                     segment_result.status});
      result.threshold = segment_result.threshold;
      if (static_cast<int>(result.status) < static_cast<int>(segment_result.status)) {
        result.status = segment_result.status;
      }
      if (failing <= 3) {
        result.message += (result.message.empty() ? "" : "; ") + key + ": " + segment_result.observed_text;
      }
    }
    result.observed = failing;
    result.observed_text = std::to_string(failing) + " of " + std::to_string(rows.rows.size()) + " segments failed";
    if (failing > 3) result.message += "; and " + std::to_string(failing - 3) + " more segments";
  }

  void RunSchema(size_t i) {
    auto start = std::chrono::steady_clock::now();
    std::string sql = "DESCRIBE SELECT * FROM " + plan_.base;
    Result<QueryRows> describe = db_.Describe(plan_.base);
    CheckResult& result = out_.results[i];
    result.sql = sql;
    result.duration_seconds = SecondsSince(start);
    if (!describe.ok()) {
      Fail(i, describe.status().message());
      return;
    }
    quality_internal::JudgeSchema(suite_.checks[i], *describe, result);
  }

  Status SampleFailingRows() {
    // Audit tables are DuckDB's for now: on Postgres failing rows are sampled only.
    bool save = options_.save_failing_rows && options_.sample_limit > 0 && db_.dialect() == SqlDialect::kDuckDb;
    std::set<std::string> existing;
    if (save) {
      Result<QueryRows> tables = db_.Query(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = 'weir_audit'");
      if (tables.ok()) {
        for (const Row& row : tables->rows) existing.insert(row[0].value_or(""));
      }
    }
    std::string prefix = options_.audit_prefix.empty() ? suite_.name : options_.audit_prefix;
    for (size_t i = 0; i < suite_.checks.size(); ++i) {
      CheckResult& result = out_.results[i];
      const std::string& failing = plan_.measures[i].failing_rows;
      if (failing.empty() || result.status == CheckStatus::kError || !result.failing_segments.empty() ||
          (result.status == CheckStatus::kPass && !existing.count(AuditTableName(prefix, result.name)))) {
        continue;
      }
      std::string table = AuditTableName(prefix, result.name);
      // Two names that fold alike ("a b", "a_b") must not share a table.
      if (!written_.insert(table).second) table = AuditTableName(prefix, result.name + "\n" + std::to_string(i));
      if (result.status == CheckStatus::kPass) {  // this interval's failing rows are gone
        WEIR_TRY(Write("DELETE FROM weir_audit." + SqlIdentifier(table) + " WHERE weir_interval = " +
                       SqlString(options_.audit_interval)));
        continue;
      }
      Status sampled = save ? SaveSample(result, failing, table) : ReadSample(result, failing);
      if (!sampled.ok()) result.message += " (failing rows could not be read: " + sampled.message() + ")";
    }
    return OkStatus();
  }

  Status Write(const std::string& sql) {
    auto write = [&] { return db_.Execute(sql); };
    return options_.write_turn ? options_.write_turn(write) : write();
  }

  // The audit table keeps each interval's failing rows (column
  // weir_interval): a check of one interval replaces only its own, so a
  // backfill keeps every interval's. A table whose columns no longer match
  // the target's is made again.
  Status SaveSample(CheckResult& result, const std::string& failing, const std::string& table) {
    std::string name = "weir_audit." + SqlIdentifier(table);
    std::string interval = SqlString(options_.audit_interval);
    std::string rows = "SELECT *, " + interval + " AS weir_interval FROM (" + failing + "\n) AS failing LIMIT " +
                       std::to_string(options_.sample_limit);
    Status replaced = Write("CREATE SCHEMA IF NOT EXISTS weir_audit;\nCREATE TABLE IF NOT EXISTS " + name +
                           " AS SELECT * FROM (" + rows + ") LIMIT 0;\nBEGIN;\nDELETE FROM " + name +
                           " WHERE weir_interval = " + interval + ";\nINSERT INTO " + name + " BY NAME " + rows +
                           ";\nCOMMIT;");
    if (!replaced.ok()) {
      db_.Execute("ROLLBACK").IgnoreError();
      WEIR_TRY(Write("CREATE OR REPLACE TABLE " + name + " AS " + rows));
    }
    result.audit_table = name;
    return ReadSample(result, "SELECT * EXCLUDE (weir_interval) FROM " + name + " WHERE weir_interval = " + interval);
  }

  Status ReadSample(CheckResult& result, const std::string& failing) {
    WEIR_ASSIGN_OR_RETURN(QueryRows rows, db_.Query("SELECT * FROM (" + failing + "\n) AS failing LIMIT " +
                                                    std::to_string(options_.sample_limit)));
    result.sample_columns = std::move(rows.columns);
    result.sample_rows = std::move(rows.rows);
    return OkStatus();
  }

  CheckDatabase& db_;
  const CheckSuite& suite_;
  const CheckRunOptions& options_;
  SuitePlan plan_;
  SuiteResult out_;
  // reconcile sources, by connection name
  std::map<std::string, std::pair<std::unique_ptr<DuckDbConnection>, std::unique_ptr<CheckDatabase>>> others_;
  std::set<std::string> written_;  // audit tables named in this run
  bool stopped_ = false;           // a scan was interrupted: the rest is not run
  std::optional<double> target_rows_;  // the filtered target's rows, once counted
};

void AppendSlug(std::string& out, const std::string& text) {
  for (unsigned char c : text) {
    char folded = static_cast<char>(std::tolower(c));
    bool word = std::isalnum(c) != 0 || c == '_';
    if (word) {
      out += folded;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
}

}  // namespace

std::string AuditTableName(const std::string& prefix, const std::string& check) {
  std::string name;
  AppendSlug(name, prefix);
  name += "__";
  AppendSlug(name, check);
  if (name.size() <= 63) return name;
  uint32_t hash = 2166136261u;  // FNV-1a: stable across builds, unlike std::hash
  for (unsigned char c : prefix + "\n" + check) hash = (hash ^ c) * 16777619u;
  char suffix[10];
  std::snprintf(suffix, sizeof suffix, "_%08x", hash);
  return name.substr(0, 54) + suffix;
}

Result<SuiteResult> RunCheckSuite(CheckDatabase& db, const CheckSuite& suite, const CheckRunOptions& options) {
  return SuiteRunner(db, suite, options).Run();
}

Result<SuiteResult> RunCheckSuite(DuckDbConnection& db, const CheckSuite& suite, const CheckRunOptions& options) {
  std::unique_ptr<CheckDatabase> adapter = DuckDbCheckDatabase(db);
  return RunCheckSuite(*adapter, suite, options);
}

}  // namespace weir
