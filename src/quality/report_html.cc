// The HTML report of `weir test --report`: one self-contained page (inline
// CSS and SVG, no script, no URL) that opens offline from a CI artifact or
// an email. Every name and value is user data and is escaped.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "quality/quality.h"

namespace weir {
namespace {

using TrendLookup = std::function<std::vector<double>(const std::string& suite, const std::string& check)>;

constexpr std::string_view kStyle = R"css(
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header,nav,section{background:#fff;margin:12px;padding:12px 16px;border:1px solid #d0d7de;border-radius:6px}
h1{font-size:20px;margin:0 0 8px}h2{font-size:17px;margin:0}h4{margin:8px 0 4px}
.totals{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:8px}
.totals li{padding:4px 10px;border-radius:4px;background:#eaeef2}
.meta,.kind,.target{color:#57606a;font-size:12px}.target{font-weight:normal;margin-left:8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:4px 8px;border-bottom:1px solid #d8dee4}
td.num{text-align:right;white-space:nowrap}.message{white-space:pre-wrap}
.status{font-weight:600;text-transform:uppercase;font-size:12px;white-space:nowrap}
.pass{color:#1a7f37;background:#dafbe1}.warn{color:#9a6700;background:#fff8c5}
.fail{color:#cf222e;background:#ffebe9}.error{color:#8250df;background:#fbefff}
tr.detail td{border-bottom:2px solid #d0d7de;background:#fbfcfd}
.sample{overflow-x:auto}.sample table{width:auto}.sample td{font-family:ui-monospace,monospace;white-space:pre}
.null{color:#8c959f;font-style:italic}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;margin:4px 0}
summary{cursor:pointer;color:#0969da}
svg.trend polyline{fill:none;stroke:#57606a;stroke-width:1.5}
svg.trend{background:none}svg.trend circle{stroke:none}svg.pass circle{fill:#1a7f37}svg.warn circle{fill:#9a6700}
svg.fail circle{fill:#cf222e}svg.error circle{fill:#8250df}
)css";

// The trend chart's box, in pixels, and the margin that keeps the marker
// of the last point inside it.
constexpr double kChartWidth = 120, kChartHeight = 32, kChartMargin = 3;

// In the order the totals are shown.
constexpr CheckStatus kStatuses[] = {CheckStatus::kPass, CheckStatus::kWarn, CheckStatus::kFail, CheckStatus::kError};

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Printf(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, value);
  return buffer;
}

// Whole numbers without a fraction (row counts), others to 6 digits.
std::string FormatNumber(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15) return Printf("%.0f", value);
  return Printf("%.6g", value);
}

// 1234567 -> "1,234,567".
std::string GroupThousands(int64_t value) {
  // Through unsigned: the most negative int64 has no positive counterpart.
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  std::string digits = std::to_string(magnitude), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

// "1 check", "2 checks".
std::string CountOf(size_t count, std::string_view noun) {
  return std::to_string(count) + " " + std::string(noun) + (count == 1 ? "" : "s");
}

std::string FormatDuration(double seconds) {
  return seconds < 1 ? Printf("%.0f ms", seconds * 1000) : Printf("%.2f s", seconds);
}

std::string StatusName(CheckStatus status) { return std::string(CheckStatusName(status)); }

std::string StatusBadge(CheckStatus status) {
  return "<span class=\"status " + StatusName(status) + "\">" + StatusName(status) + "</span>";
}

// The check's values as a line, oldest at the left, scaled to fill the box
// (a flat line through the middle when all are equal), and a dot on the
// newest value. Values that are not finite cannot be drawn and are left
// out; "" when fewer than two remain.
std::string TrendChart(std::vector<double> values, CheckStatus status) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
               values.end());
  if (values.size() < 2) return "";
  auto [low, high] = std::minmax_element(values.begin(), values.end());
  double step = (kChartWidth - 2 * kChartMargin) / static_cast<double>(values.size() - 1);
  double range = *high - *low, x = 0, y = 0;
  std::string points, listed;
  for (size_t i = 0; i < values.size(); ++i) {
    x = kChartMargin + step * static_cast<double>(i);
    y = range == 0 ? kChartHeight / 2 : kChartMargin + (*high - values[i]) / range * (kChartHeight - 2 * kChartMargin);
    points += (i ? " " : "") + Printf("%.1f", x) + "," + Printf("%.1f", y);
    listed += (i ? ", " : "") + FormatNumber(values[i]);
  }
  std::string size = Printf("%.0f", kChartWidth) + "\" height=\"" + Printf("%.0f", kChartHeight);
  return "<svg class=\"trend " + StatusName(status) + "\" width=\"" + size + "\" role=\"img\"><title>" +
         Escape("oldest to newest: " + listed) + "</title><polyline points=\"" + points + "\"/><circle cx=\"" +
         Printf("%.1f", x) + "\" cy=\"" + Printf("%.1f", y) + "\" r=\"2.5\"/></svg>";
}

std::string ObservedText(const CheckResult& result) {
  if (!result.observed_text.empty()) return result.observed_text;
  return result.observed ? FormatNumber(*result.observed) : "";
}

std::string SampleTable(const CheckResult& result) {
  if (result.sample_rows.empty()) return "";
  std::string out = "<div class=\"sample\"><h4>Failing rows (sample of " +
                    std::to_string(result.sample_rows.size()) + ")</h4><table><thead><tr>";
  for (const std::string& column : result.sample_columns) out += "<th>" + Escape(column) + "</th>";
  out += "</tr></thead><tbody>";
  for (const auto& row : result.sample_rows) {
    out += "<tr>";
    for (const auto& value : row) {
      out += value ? "<td>" + Escape(*value) + "</td>" : "<td class=\"null\">NULL</td>";
    }
    out += "</tr>";
  }
  return out + "</tbody></table></div>";
}

std::string SegmentTable(const CheckResult& result) {
  if (result.failing_segments.empty()) return "";
  std::string out = "<h4>Failing segments</h4><table class=\"segments\"><thead><tr><th>Status</th>"
                    "<th>Segment</th><th>Observed</th></tr></thead><tbody>";
  for (const CheckSegment& segment : result.failing_segments) {
    out += "<tr><td>" + StatusBadge(segment.status) + "</td><td>" + Escape(segment.key) +
           "</td><td class=\"num\">" + FormatNumber(segment.observed) + "</td></tr>";
  }
  return out + "</tbody></table>";
}

// The row under a check: its SQL (folded), failing rows and segments.
std::string DetailRow(const CheckResult& result) {
  std::string out = "<tr class=\"detail\"><td colspan=\"8\">";
  if (!result.sql.empty()) out += "<details><summary>SQL</summary><pre>" + Escape(result.sql) + "</pre></details>";
  out += SampleTable(result);
  if (!result.audit_table.empty()) {
    out += "<p class=\"meta\">Failing rows saved to <code>" + Escape(result.audit_table) + "</code></p>";
  }
  return out + SegmentTable(result) + "</td></tr>\n";
}

std::string CheckAnchor(size_t suite_index, size_t check_index) {
  return "check-" + std::to_string(suite_index + 1) + "-" + std::to_string(check_index + 1);
}

std::string CheckRows(const SuiteResult& suite, size_t suite_index, const TrendLookup& trend) {
  std::string out;
  for (size_t i = 0; i < suite.results.size(); ++i) {
    const CheckResult& result = suite.results[i];
    std::string origin = result.kind + (result.where.known() ? " · " + result.where.ToString() : "");
    std::string chart = trend ? TrendChart(trend(suite.suite, result.name), result.status) : "";
    out += "<tr class=\"check\" id=\"" + CheckAnchor(suite_index, i) + "\"><td class=\"status " +
           StatusName(result.status) + "\">" + StatusName(result.status) + "</td><td>" + Escape(result.name) +
           "<div class=\"kind\">" + Escape(origin) + "</div></td><td>" + Escape(ObservedText(result)) +
           "</td><td>" + Escape(result.threshold) + "</td><td class=\"message\">" + Escape(result.message) +
           "</td><td class=\"num\">" + FormatDuration(result.duration_seconds) + "</td><td class=\"num\">" +
           GroupThousands(result.rows_checked) + "</td><td>" + chart + "</td></tr>\n" + DetailRow(result);
  }
  return out;
}

std::string SuiteSection(const SuiteResult& suite, size_t index, const TrendLookup& trend) {
  std::string counts;
  for (CheckStatus status : kStatuses) {
    counts += " · " + std::to_string(suite.Count(status)) + " " + StatusName(status);
  }
  return "<section class=\"suite\" id=\"suite-" + std::to_string(index + 1) + "\"><h2>" + Escape(suite.suite) +
         "<span class=\"target\">" + Escape(suite.target) + "</span></h2><p class=\"meta\">" +
         CountOf(suite.results.size(), "check") + " · " + CountOf(suite.scans, "scan") + " · " +
         FormatDuration(suite.duration_seconds) + counts +
         "</p>\n<table class=\"checks\"><thead><tr><th>Status</th><th>Check</th><th>Observed</th>"
         "<th>Threshold</th><th>Message</th><th>Duration</th><th>Rows checked</th><th>Trend</th></tr></thead>"
         "<tbody>\n" +
         CheckRows(suite, index, trend) + "</tbody></table></section>\n";
}

// Links to every check that did not pass, so a long report is read from
// its problems down.
std::string ProblemList(const std::vector<SuiteResult>& suites) {
  std::string items;
  for (size_t s = 0; s < suites.size(); ++s) {
    for (size_t c = 0; c < suites[s].results.size(); ++c) {
      const CheckResult& result = suites[s].results[c];
      if (result.status == CheckStatus::kPass) continue;
      items += "<li>" + StatusBadge(result.status) + " <a href=\"#" + CheckAnchor(s, c) + "\">" +
               Escape(suites[s].suite) + " / " + Escape(result.name) + "</a></li>\n";
    }
  }
  return items.empty() ? "" : "<nav><h2>Not passed</h2><ul>\n" + items + "</ul></nav>\n";
}

std::string Header(const std::vector<SuiteResult>& suites) {
  int counts[4] = {0, 0, 0, 0}, scans = 0;
  size_t checks = 0;
  double seconds = 0;
  bool failed = false;
  for (const SuiteResult& suite : suites) {
    for (int i = 0; i < 4; ++i) counts[i] += suite.Count(kStatuses[i]);
    scans += suite.scans;
    checks += suite.results.size();
    seconds += suite.duration_seconds;
    failed = failed || suite.failed();
  }
  std::string verdict = failed ? "fail" : counts[1] > 0 ? "warn" : "pass";
  std::string out = "<header><h1>Data checks <span class=\"status " + verdict + "\">" +
                    (failed ? "failed" : "passed") + "</span></h1><ul class=\"totals\">\n";
  for (int i = 0; i < 4; ++i) {
    std::string name = StatusName(kStatuses[i]);
    out += "<li class=\"" + name + "\"><b id=\"total-" + name + "\">" + std::to_string(counts[i]) + "</b> " +
           name + "</li>\n";
  }
  return out + "<li><b id=\"total-scans\">" + std::to_string(scans) + "</b> scans</li>\n<li><b id=\"total-checks\">" +
         std::to_string(checks) + "</b> checks in " + CountOf(suites.size(), "suite") + ", " +
         FormatDuration(seconds) + "</li>\n</ul></header>\n";
}

}  // namespace

std::string HtmlReport(const std::vector<SuiteResult>& suites, const TrendLookup& trend) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Weir data checks</title><style>";
  out += kStyle;
  out += "</style></head>\n<body>\n" + Header(suites) + ProblemList(suites) + "<main>\n";
  for (size_t i = 0; i < suites.size(); ++i) out += SuiteSection(suites[i], i, trend);
  return out + "</main>\n</body></html>\n";
}

}  // namespace weir
