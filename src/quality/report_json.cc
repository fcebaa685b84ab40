// The JSON report: every field of every result, for `weir test --json`,
// task outputs and benchmarks.
#include <cmath>

#include <nlohmann/json.hpp>

#include "quality/quality.h"

namespace weir {
namespace {

nlohmann::json Number(std::optional<double> value) {
  if (!value || !std::isfinite(*value)) return nullptr;
  return *value;
}

nlohmann::json FailingRows(const CheckResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : result.sample_rows) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t c = 0; c < row.size() && c < result.sample_columns.size(); ++c) {
      object[result.sample_columns[c]] = row[c] ? nlohmann::json(*row[c]) : nlohmann::json(nullptr);
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

nlohmann::json ResultJson(const CheckResult& r) {
  nlohmann::json segments = nlohmann::json::array();
  for (const CheckSegment& s : r.failing_segments) {
    segments.push_back({{"key", s.key}, {"observed", Number(s.observed)}, {"status", CheckStatusName(s.status)}});
  }
  return {{"name", r.name},
          {"kind", r.kind},
          {"status", CheckStatusName(r.status)},
          {"severity", r.severity == CheckSeverity::kWarn ? "warn" : "error"},
          {"observed", Number(r.observed)},
          {"observed_text", r.observed_text},
          {"threshold", r.threshold},
          {"message", r.message},
          {"sql", r.sql},
          {"duration_seconds", r.duration_seconds},
          {"rows_checked", r.rows_checked},
          {"scan", r.scan},
          {"audit_table", r.audit_table},
          {"failing_rows", FailingRows(r)},
          {"failing_segments", std::move(segments)}};
}

}  // namespace

std::string JsonReport(const std::vector<SuiteResult>& suites) {
  nlohmann::json out = {{"suites", nlohmann::json::array()}};
  for (const SuiteResult& suite : suites) {
    nlohmann::json results = nlohmann::json::array();
    for (const CheckResult& r : suite.results) results.push_back(ResultJson(r));
    out["suites"].push_back({{"suite", suite.suite},
                             {"target", suite.target},
                             {"scans", suite.scans},
                             {"duration_seconds", suite.duration_seconds},
                             {"results", std::move(results)}});
  }
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace weir
