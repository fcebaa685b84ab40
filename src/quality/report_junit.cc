// JUnit XML for CI systems (Jenkins, GitLab, GitHub test reporters): one
// <testsuite> per check suite, one <testcase> per check. Those readers agree
// on little beyond testsuite/testcase/failure/error/system-out and the
// count attributes, so that is all this writes.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/text.h"
#include "quality/quality.h"

namespace weir {
namespace {

// Enough failing rows to recognise the problem in a CI page; the HTML
// report and the audit table have the rest.
constexpr size_t kJunitSampleRows = 5;
constexpr uint32_t kReplacement = 0xFFFD;

// The code point that starts at text[i] and its length in bytes; length 0
// when the bytes there are not UTF-8 (truncated, overlong, a surrogate or
// past U+10FFFF).
std::pair<uint32_t, size_t> DecodeUtf8(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return {lead, 1};
  size_t length = (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (length == 0 || i + length > text.size()) return {0, 0};
  uint32_t code = lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {0, 0};
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  bool surrogate = code >= 0xD800 && code <= 0xDFFF;
  if (code < kSmallest[length] || surrogate || code > 0x10FFFF) return {0, 0};
  return {code, length};
}

// XML 1.0's Char production: what a conforming parser accepts at all.
bool AllowedInXml(uint32_t code) {
  return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
         (code >= 0xE000 && code <= 0xFFFD) || code >= 0x10000;
}

// Appends `text` escaped for XML content or for a double-quoted attribute.
// What XML 1.0 forbids (most control characters, U+FFFE, U+FFFF) and bytes
// that are not UTF-8 become U+FFFD, so any check name or data value gives
// a document every parser accepts. In attributes, tab and newline are
// character references, which attribute normalisation leaves alone; a
// carriage return always is, which line-end normalisation leaves alone.
void AppendXml(std::string& out, std::string_view text, bool attribute) {
  for (size_t i = 0; i < text.size();) {
    auto [code, length] = DecodeUtf8(text, i);
    if (length == 0 || !AllowedInXml(code)) {
      AppendUtf8(out, kReplacement);
      i += length == 0 ? 1 : length;
      continue;
    }
    switch (code) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\r': out += "&#13;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default: out.append(text.substr(i, length));
    }
    i += length;
  }
}

void AppendAttribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  AppendXml(out, value, /*attribute=*/true);
  out += '"';
}

// JUnit times are seconds as a decimal number.
std::string Seconds(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3f", seconds);
  return buffer;
}

std::string Number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

// What a CI page shows for a check that did not pass: what was measured
// against what, where the check is written, a few failing rows, the
// failing segments and the SQL to rerun by hand.
std::string CheckDetails(const CheckResult& result) {
  std::string text;
  if (!result.observed_text.empty()) text += "observed: " + result.observed_text + "\n";
  if (!result.threshold.empty()) text += "threshold: " + result.threshold + "\n";
  text += "severity: " + std::string(result.severity == CheckSeverity::kWarn ? "warn" : "error") + "\n";
  if (result.where.known()) text += "defined at: " + result.where.ToString() + "\n";
  if (!result.sample_rows.empty()) {
    size_t shown = std::min(result.sample_rows.size(), kJunitSampleRows);
    text += "failing rows (" + std::to_string(shown) + " of " + std::to_string(result.sample_rows.size()) +
            " sampled):\n" + FormatSampleRows(result, kJunitSampleRows);
    if (text.back() != '\n') text += '\n';
  }
  if (!result.audit_table.empty()) text += "failing rows saved to: " + result.audit_table + "\n";
  for (const CheckSegment& segment : result.failing_segments) {
    text += "failing segment: " + segment.key + ": " + Number(segment.observed) + " (" +
            std::string(CheckStatusName(segment.status)) + ")\n";
  }
  if (!result.sql.empty()) text += "sql:\n" + result.sql + "\n";
  return text;
}

// <failure> or <error> with a one-line message (the reason, else what was
// observed) and the details as its text.
void AppendProblem(std::string& out, std::string_view element, const CheckResult& result) {
  out += "      <";
  out += element;
  AppendAttribute(out, "message", result.message.empty() ? result.observed_text : result.message);
  AppendAttribute(out, "type", result.kind);
  out += '>';
  AppendXml(out, CheckDetails(result), /*attribute=*/false);
  out += "</";
  out += element;
  out += ">\n";
}

void AppendTestCase(std::string& out, const std::string& suite, const CheckResult& result) {
  out += "    <testcase";
  AppendAttribute(out, "classname", suite);
  AppendAttribute(out, "name", result.name);
  AppendAttribute(out, "time", Seconds(result.duration_seconds));
  if (result.status == CheckStatus::kPass) {
    out += "/>\n";
    return;
  }
  out += ">\n";
  switch (result.status) {
    case CheckStatus::kFail: AppendProblem(out, "failure", result); break;
    case CheckStatus::kError: AppendProblem(out, "error", result); break;
    case CheckStatus::kWarn:
      // JUnit has no warning status: a warned check is a passed test case
      // whose output carries the warning, which CI pages show beside it.
      out += "      <!-- warning: JUnit has no warn status; the check passed with this warning -->\n";
      out += "      <system-out>";
      AppendXml(out, "warning: " + (result.message.empty() ? result.observed_text : result.message) + "\n" +
                         CheckDetails(result),
                /*attribute=*/false);
      out += "</system-out>\n";
      break;
    case CheckStatus::kPass: break;
  }
  out += "    </testcase>\n";
}

struct Totals {
  size_t tests = 0;
  int failures = 0, errors = 0;
  double seconds = 0;
};

// Count attributes shared by <testsuites> and <testsuite>. Checks are never
// skipped (there is no such status), but readers expect the attribute.
void AppendCounts(std::string& out, const Totals& totals) {
  AppendAttribute(out, "tests", std::to_string(totals.tests));
  AppendAttribute(out, "failures", std::to_string(totals.failures));
  AppendAttribute(out, "errors", std::to_string(totals.errors));
  AppendAttribute(out, "skipped", "0");
  AppendAttribute(out, "time", Seconds(totals.seconds));
}

Totals SuiteTotals(const SuiteResult& suite) {
  return {suite.results.size(), suite.Count(CheckStatus::kFail), suite.Count(CheckStatus::kError),
          suite.duration_seconds};
}

void AppendTestSuite(std::string& out, const SuiteResult& suite) {
  out += "  <testsuite";
  AppendAttribute(out, "name", suite.suite);
  AppendCounts(out, SuiteTotals(suite));
  out += ">\n    <properties>\n      <property name=\"target\"";
  AppendAttribute(out, "value", suite.target);
  out += "/>\n      <property name=\"scans\"";
  AppendAttribute(out, "value", std::to_string(suite.scans));
  out += "/>\n    </properties>\n";
  for (const CheckResult& result : suite.results) AppendTestCase(out, suite.suite, result);
  out += "  </testsuite>\n";
}

}  // namespace

std::string JunitReport(const std::vector<SuiteResult>& suites) {
  Totals all;
  for (const SuiteResult& suite : suites) {
    Totals one = SuiteTotals(suite);
    all.tests += one.tests;
    all.failures += one.failures;
    all.errors += one.errors;
    all.seconds += one.seconds;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites";
  AppendAttribute(out, "name", "weir checks");
  AppendCounts(out, all);
  out += ">\n";
  for (const SuiteResult& suite : suites) AppendTestSuite(out, suite);
  out += "</testsuites>\n";
  return out;
}

}  // namespace weir
