// JunitReport and HtmlReport over crafted results. The JUnit XML is read
// back by Python's xml.etree (a real parser), the HTML page by headless
// Chromium, so what is checked is what a CI system and a browser see.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/process.h"
#include "quality/quality.h"

namespace weir {
namespace {

// Debian's, from scripts/setup.sh.
constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kScript = "<script>alert(1)</script>";
// Becomes an element only if escaping fails; then its handler renames the page.
constexpr const char* kImage = "<img src=x onerror=\"document.title='pwned'\">";
const std::string kReplacement = "\xEF\xBF\xBD";  // U+FFFD

CheckResult Check(std::string name, std::string kind, CheckStatus status) {
  CheckResult result;
  result.name = std::move(name);
  result.kind = std::move(kind);
  result.status = status;
  result.severity = status == CheckStatus::kWarn ? CheckSeverity::kWarn : CheckSeverity::kError;
  result.sql = "SELECT count(*) FROM t WHERE x < 'a&b'";
  result.duration_seconds = 0.012;
  result.rows_checked = 1000;
  return result;
}

// 2 pass, 1 warn, 2 fail, 1 error over 3 scans; the values are found only here.
std::vector<SuiteResult> CraftedSuites() {
  SuiteResult orders{"orders", "analytics.orders"};
  orders.scans = 2;
  orders.duration_seconds = 0.5;
  orders.results.push_back(Check("row_count", "row_count", CheckStatus::kPass));
  CheckResult not_null = Check("not_null(order_id)", "not_null", CheckStatus::kFail);
  not_null.observed = 7;
  not_null.observed_text = "7 failing rows (0.7%)";
  not_null.threshold = "fail if > 0";
  not_null.message = "7 rows have a null order_id";
  not_null.where = {"checks/orders.yml", 4, 5};
  not_null.audit_table = "weir_audit.orders__not_null_order_id";
  not_null.sample_columns = {"order_id", "customer"};
  not_null.sample_rows = {{std::nullopt, "zq-unique-7731"}, {std::nullopt, kScript}};
  for (int i = 3; i <= 7; ++i) not_null.sample_rows.push_back({std::nullopt, "cust-" + std::to_string(i)});
  orders.results.push_back(not_null);
  CheckResult unique = Check("unique(email)", "unique", CheckStatus::kWarn);
  unique.observed = 2;
  unique.observed_text = "2 duplicate rows";
  unique.threshold = "warn if > 0";
  unique.message = "2 duplicate emails";
  orders.results.push_back(unique);
  CheckResult freshness = Check("freshness(created_at)", "freshness", CheckStatus::kError);
  freshness.message = "column created_at not found";
  orders.results.push_back(freshness);

  SuiteResult customers{"customers", "raw/customers.parquet"};
  customers.scans = 1;
  customers.duration_seconds = 0.25;
  CheckResult accepted = Check("accepted_values(status)", "accepted_values", CheckStatus::kFail);
  accepted.observed = 4;
  accepted.observed_text = "4 failing rows";
  accepted.threshold = "fail if > 0";
  accepted.message = "status not in ('placed', 'shipped')";
  accepted.sample_columns = {"status"};
  accepted.sample_rows = {{kImage}, {"xq-lost-5517"}};
  accepted.failing_segments = {{"region=EU", 3, CheckStatus::kFail}, {"region=US", 1, CheckStatus::kFail}};
  customers.results.push_back(accepted);
  customers.results.push_back(Check("between(age)", "between", CheckStatus::kPass));
  return {orders, customers};
}

// A fresh folder under the test build's tmp (WEIR_TEST_TMP, set by CTest),
// removed with everything in it when the test ends, passed or not.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("WEIR_TEST_TMP");
    std::filesystem::path root = base ? base : std::filesystem::temp_directory_path().string();
    std::filesystem::create_directories(root);
    path_ = (root / "quality-report-XXXXXX").string();
    EXPECT_NE(mkdtemp(path_.data()), nullptr) << path_;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct ProgramRun {
  bool finished = false;
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `argv` to its end or `timeout`, when its process group is killed.
ProgramRun RunProgram(ProcessSpec spec, std::chrono::seconds timeout) {
  spec.capture_output = true;
  PosixProcessLauncher launcher;
  auto process = launcher.Start(spec);
  EXPECT_TRUE(process.ok()) << process.status().ToString();
  if (!process.ok()) return {};
  ProgramRun run;
  auto exit = (*process)->Wait(std::chrono::system_clock::now() + timeout, nullptr,
                               [&](std::string_view chunk) { run.output.append(chunk); });
  if (!exit) {
    (*process)->KillGroup(Duration(2000));
    return run;
  }
  run.finished = true;
  run.exit_code = exit->success() ? 0 : exit->signal ? 128 + exit->signal : exit->exit_code;
  return run;
}

std::string Hex(const std::string& text) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) out += {kDigits[c >> 4], kDigits[c & 15]};
  return out;
}

// What xml.etree reads from the report: totals, then per suite its
// attributes and element counts, then per test case its outcome. Text is
// hex (UTF-8) so that any character survives the trip.
constexpr const char* kReadJunit = R"py(
import sys, xml.etree.ElementTree as E
h = lambda s: (s or '').encode('utf-8').hex()
root = E.parse(sys.argv[1]).getroot()
counts = lambda e: ' '.join(e.get(k) for k in ('tests', 'failures', 'errors', 'skipped'))
float(root.get('time'))
print('testsuites', root.tag, counts(root), len(root.findall('testsuite/testcase')))
for s in root.findall('testsuite'):
    float(s.get('time'))
    n = lambda path: str(len(s.findall(path)))
    print('suite', h(s.get('name')), counts(s), n('testcase'), n('testcase/failure'), n('testcase/error'),
          n('testcase/system-out'))
    for c in s.findall('testcase'):
        float(c.get('time'))
        problem = [e for e in c if e.tag in ('failure', 'error')]
        out = c.find('system-out')
        if problem:
            p = problem[0]
            print('case', h(c.get('classname')), h(c.get('name')), p.tag, h(p.get('message')), h(p.get('type')), h(p.text))
        elif out is not None:
            print('case', h(c.get('classname')), h(c.get('name')), 'warn', '', '', h(out.text))
        else:
            print('case', h(c.get('classname')), h(c.get('name')), 'pass', '', '', '')
)py";

struct ParsedCase {
  std::string outcome, message, type, text;  // decoded from hex
};

struct ParsedJunit {
  std::string totals;                         // "testsuites tests failures errors skipped cases"
  std::vector<std::string> suites;            // "suite-hex tests failures errors skipped cases failure error system-out"
  std::map<std::string, ParsedCase> cases;    // by "classname/name"
};

std::string Unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return out;
}

ParsedJunit ParseWithPython(const std::string& xml) {
  TempDir temp;
  const std::string& dir = temp.path();
  WriteFile(dir + "/report.xml", xml);
  WriteFile(dir + "/read_junit.py", kReadJunit);
  ProgramRun run = RunProgram({{kPython, dir + "/read_junit.py", dir + "/report.xml"}}, std::chrono::seconds(60));
  EXPECT_TRUE(run.finished && run.exit_code == 0) << run.output << "\n" << xml;
  ParsedJunit parsed;
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string kind, rest;
    words >> kind;
    std::getline(words, rest);
    if (kind == "testsuites") parsed.totals = rest.substr(1);
    if (kind == "suite") parsed.suites.push_back(rest.substr(1));
    if (kind != "case") continue;
    std::string classname, name, outcome, message, type, text;
    std::istringstream fields(rest);
    fields >> classname >> name >> outcome;
    if (outcome == "failure" || outcome == "error") fields >> message >> type;
    fields >> text;
    parsed.cases[Unhex(classname) + "/" + Unhex(name)] = {outcome, Unhex(message), Unhex(type), Unhex(text)};
  }
  return parsed;
}

TEST(JunitReportTest, CountsOfEachSuiteAreThoseOfItsChecks) {
  ParsedJunit parsed = ParseWithPython(JunitReport(CraftedSuites()));
  EXPECT_EQ(parsed.totals, "testsuites 6 2 1 0 6");
  // tests failures errors skipped, then <testcase>, <failure>, <error>, <system-out> elements.
  EXPECT_EQ(parsed.suites, (std::vector<std::string>{Hex("orders") + " 4 1 1 0 4 1 1 1",
                                                      Hex("customers") + " 2 1 0 0 2 1 0 0"}));
  ASSERT_EQ(parsed.cases.size(), 6u);
  EXPECT_EQ(parsed.cases["orders/row_count"].outcome, "pass");
  EXPECT_EQ(parsed.cases["orders/not_null(order_id)"].outcome, "failure");
  EXPECT_EQ(parsed.cases["orders/unique(email)"].outcome, "warn");
  EXPECT_EQ(parsed.cases["orders/freshness(created_at)"].outcome, "error");
  EXPECT_EQ(parsed.cases["customers/accepted_values(status)"].outcome, "failure");
  EXPECT_EQ(parsed.cases["customers/between(age)"].outcome, "pass");
}

TEST(JunitReportTest, FailureHasObservedThresholdAndFiveFailingRows) {
  ParsedJunit parsed = ParseWithPython(JunitReport(CraftedSuites()));
  const ParsedCase& failure = parsed.cases["orders/not_null(order_id)"];
  EXPECT_EQ(failure.message, "7 rows have a null order_id");
  EXPECT_EQ(failure.type, "not_null");
  for (const char* expected : {"7 failing rows (0.7%)", "fail if > 0", "checks/orders.yml:4:5",
                               "weir_audit.orders__not_null_order_id", "zq-unique-7731", kScript, "cust-3",
                               "cust-5", "SELECT count(*) FROM t WHERE x < 'a&b'"}) {
    EXPECT_NE(failure.text.find(expected), std::string::npos) << expected << " in\n" << failure.text;
  }
  // Seven rows were sampled; the sixth and seventh are left to the HTML report.
  EXPECT_EQ(failure.text.find("cust-6"), std::string::npos) << failure.text;
  EXPECT_EQ(failure.text.find("cust-7"), std::string::npos) << failure.text;
  const ParsedCase& segments = parsed.cases["customers/accepted_values(status)"];
  EXPECT_NE(segments.text.find("region=EU: 3 (fail)"), std::string::npos) << segments.text;
  EXPECT_NE(segments.text.find("region=US: 1 (fail)"), std::string::npos) << segments.text;
}

TEST(JunitReportTest, WarningPassesWithTheWarningInSystemOut) {
  ParsedJunit parsed = ParseWithPython(JunitReport(CraftedSuites()));
  const ParsedCase& warning = parsed.cases["orders/unique(email)"];
  EXPECT_EQ(warning.outcome, "warn");
  EXPECT_NE(warning.text.find("2 duplicate emails"), std::string::npos) << warning.text;
  EXPECT_NE(warning.text.find("warn if > 0"), std::string::npos) << warning.text;
  const ParsedCase& error = parsed.cases["orders/freshness(created_at)"];
  EXPECT_EQ(error.message, "column created_at not found");
  EXPECT_EQ(error.type, "freshness");
}

TEST(JunitReportTest, AnyNameOrValueGivesWellFormedXml) {
  // Raw text and what a parser must read back: markup characters kept,
  // what XML 1.0 forbids and bytes that are not UTF-8 replaced by U+FFFD
  // (one for each byte that starts no valid sequence).
  const std::string r = kReplacement;
  std::vector<std::pair<std::string, std::string>> names = {
      {"a<b>&\"c'd", "a<b>&\"c'd"},
      {"ctl\x01\x08\x0b\x0c\x1b.", "ctl" + r + r + r + r + r + "."},
      {std::string("nul\0.", 5), "nul" + r + "."},
      {"bytes \xff\xfe \xc0\xaf \xed\xa0\x80 \xe2\x82", "bytes " + r + r + " " + r + r + " " + r + r + r + " " + r + r},
      {"nonchar \xef\xbf\xbe\xef\xbf\xbf", "nonchar " + r + r},
      {"]]> -- <!-- --> <![CDATA[", "]]> -- <!-- --> <![CDATA["},
      {"multi\nline\ttab\rcr", "multi\nline\ttab\rcr"},
      {"caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe6\xbc\xa2 \xf0\x9f\x98\x80"},
  };
  SuiteResult suite{"suite <&> \x02", "t"};
  for (const auto& [raw, read] : names) {
    CheckResult result = Check(raw, "kind \"" + raw + "\"", CheckStatus::kFail);
    result.message = "message " + raw;
    result.sample_columns = {raw};
    result.sample_rows = {{"value " + raw}};
    suite.results.push_back(result);
  }
  ParsedJunit parsed = ParseWithPython(JunitReport({suite}));
  EXPECT_EQ(parsed.totals, "testsuites 8 8 0 0 8");
  std::string suite_read = "suite <&> " + r;
  for (const auto& [raw, read] : names) {
    auto found = parsed.cases.find(suite_read + "/" + read);
    ASSERT_NE(found, parsed.cases.end()) << Hex(read);
    EXPECT_EQ(found->second.message, "message " + read);
    EXPECT_EQ(found->second.type, "kind \"" + read + "\"");
    EXPECT_NE(found->second.text.find("value " + read), std::string::npos) << Hex(found->second.text);
  }
}

TEST(JunitReportTest, NoSuitesIsAnEmptyReport) {
  ParsedJunit parsed = ParseWithPython(JunitReport({}));
  EXPECT_EQ(parsed.totals, "testsuites 0 0 0 0 0");
  EXPECT_TRUE(parsed.suites.empty());
}

// The markup of one check's row (and the detail row under it).
std::string RowOf(const std::string& html, const std::string& check_name) {
  size_t at = html.find(">" + check_name + "<div");
  if (at == std::string::npos) return "";
  size_t start = html.rfind("<tr class=\"check\"", at);
  size_t end = html.find("<tr class=\"check\"", at);
  return html.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(HtmlReportTest, ShowsEveryCheckWithItsResult) {
  std::string html = HtmlReport(CraftedSuites(), nullptr);
  for (const auto& [total, count] : std::map<std::string, int>{
           {"pass", 2}, {"warn", 1}, {"fail", 2}, {"error", 1}, {"scans", 3}, {"checks", 6}}) {
    EXPECT_NE(html.find("id=\"total-" + total + "\">" + std::to_string(count) + "<"), std::string::npos) << total;
  }
  std::string row = RowOf(html, "not_null(order_id)");
  for (const char* expected : {"<td class=\"status fail\">fail</td>", "7 failing rows (0.7%)", "fail if &gt; 0",
                               "7 rows have a null order_id", "12 ms", "1,000", "checks/orders.yml:4:5",
                               "<details><summary>SQL</summary><pre>SELECT count(*) FROM t WHERE x &lt; &#39;a&amp;b&#39;</pre>",
                               "<th>order_id</th><th>customer</th>", "<td class=\"null\">NULL</td><td>zq-unique-7731</td>",
                               "<td>cust-7</td>", "weir_audit.orders__not_null_order_id"}) {
    EXPECT_NE(row.find(expected), std::string::npos) << expected << " in\n" << row;
  }
  std::string segments = RowOf(html, "accepted_values(status)");
  EXPECT_NE(segments.find("<td>region=EU</td><td class=\"num\">3</td>"), std::string::npos) << segments;
  EXPECT_NE(RowOf(html, "freshness(created_at)").find("<td class=\"status error\">error</td>"), std::string::npos);
  // Every check that did not pass is linked from the top.
  EXPECT_NE(html.find("<a href=\"#check-1-2\">orders / not_null(order_id)</a>"), std::string::npos);
  EXPECT_EQ(html.find("<a href=\"#check-1-1\">"), std::string::npos);
}

TEST(HtmlReportTest, UserDataIsTextAndThePageNeedsNoNetwork) {
  std::string html = HtmlReport(CraftedSuites(), nullptr);
  EXPECT_NE(html.find("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot;&gt;</td>"),
            std::string::npos);
  for (const char* absent : {"<script", "<img", "<iframe", "<link", "http:", "https:", " src=\"", "url(", "@import"}) {
    EXPECT_EQ(html.find(absent), std::string::npos) << absent;
  }
}

TEST(HtmlReportTest, TrendIsAPolylineOfTheValuesWithTheNewestMarked) {
  SuiteResult suite{"s", "t"};
  for (const char* name : {"rising", "single", "flat", "gaps", "none"}) {
    suite.results.push_back(Check(name, "metric", CheckStatus::kPass));
  }
  suite.results[0].status = CheckStatus::kFail;
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  std::map<std::string, std::vector<double>> trends = {
      {"rising", {1, 3, 2}}, {"single", {5}}, {"flat", {4, 4}}, {"gaps", {nan, 2, inf, 6}}};
  std::vector<std::string> asked;
  std::string html = HtmlReport({suite}, [&](const std::string& suite_name, const std::string& check) {
    asked.push_back(suite_name + "/" + check);
    return trends[check];
  });
  EXPECT_EQ(asked, (std::vector<std::string>{"s/rising", "s/single", "s/flat", "s/gaps", "s/none"}));
  // A 120x32 box with a 3px margin: x from 3 to 117, the highest value at
  // y 3, the lowest at 29, equal values through the middle (16).
  std::string rising = RowOf(html, "rising");
  EXPECT_NE(rising.find("<svg class=\"trend fail\" width=\"120\" height=\"32\""), std::string::npos) << rising;
  EXPECT_NE(rising.find("points=\"3.0,29.0 60.0,3.0 117.0,16.0\""), std::string::npos) << rising;
  EXPECT_NE(rising.find("<circle cx=\"117.0\" cy=\"16.0\""), std::string::npos) << rising;
  EXPECT_NE(rising.find("oldest to newest: 1, 3, 2"), std::string::npos) << rising;
  EXPECT_NE(RowOf(html, "flat").find("points=\"3.0,16.0 117.0,16.0\""), std::string::npos);
  EXPECT_NE(RowOf(html, "gaps").find("points=\"3.0,29.0 117.0,3.0\""), std::string::npos);
  EXPECT_EQ(RowOf(html, "single").find("<svg"), std::string::npos);
  EXPECT_EQ(RowOf(html, "none").find("<svg"), std::string::npos);
}

// What Chromium built from the page: the DOM after parsing (and after any
// script, of which there must be none), as --dump-dom prints it.
std::string ChromiumDom(const std::string& dir, const std::string& page) {
  // Its own profile and home under `dir`, so runs in parallel share nothing.
  std::vector<std::string> chromium = {kChromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                                       "--disable-background-networking", "--disable-component-update",
                                       "--disable-sync", "--no-first-run", "--user-data-dir=" + dir + "/profile",
                                       "--dump-dom", "file://" + page};
  // The DOM goes to stdout, the browser's own log lines to stderr: the
  // shell keeps them apart.
  ProcessSpec spec{{"/bin/sh", "-c", "dom=$1; shift; exec \"$@\" > \"$dom\"", "sh", dir + "/dom.html"}};
  spec.argv.insert(spec.argv.end(), chromium.begin(), chromium.end());
  spec.env = {{"HOME", dir}, {"XDG_CONFIG_HOME", dir + "/config"}, {"XDG_CACHE_HOME", dir + "/cache"}};
  ProgramRun run = RunProgram(spec, std::chrono::seconds(180));
  EXPECT_TRUE(run.finished) << "chromium did not finish in 180 s:\n" << run.output;
  EXPECT_EQ(run.exit_code, 0) << run.output;
  return ReadFile(dir + "/dom.html");
}

TEST(HtmlReportBrowserTest, ChromiumShowsFailingValuesAsTextAndTheCounts) {
  ASSERT_TRUE(std::filesystem::exists(kChromium)) << "scripts/setup.sh installs Debian's chromium";
  TempDir temp;
  const std::string& dir = temp.path();
  std::map<std::string, std::vector<double>> trends = {{"not_null(order_id)", {0, 2, 7}}, {"row_count", {9}}};
  std::string page = dir + "/report.html";
  WriteFile(page, HtmlReport(CraftedSuites(), [&](const std::string&, const std::string& check) {
              return trends[check];
            }));
  std::string dom = ChromiumDom(dir, page);
  ASSERT_NE(dom.find("</html>"), std::string::npos) << dom;
  for (const auto& [total, count] : std::map<std::string, int>{
           {"pass", 2}, {"warn", 1}, {"fail", 2}, {"error", 1}, {"scans", 3}, {"checks", 6}}) {
    EXPECT_NE(dom.find("id=\"total-" + total + "\">" + std::to_string(count) + "</b>"), std::string::npos) << total;
  }
  // Values that exist only in the crafted rows, in cells of the failing-rows tables.
  EXPECT_NE(dom.find("<td>zq-unique-7731</td>"), std::string::npos);
  EXPECT_NE(dom.find("<td>xq-lost-5517</td>"), std::string::npos);
  // The hostile values are text nodes: no element came of them, no handler ran.
  EXPECT_NE(dom.find("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"), std::string::npos);
  EXPECT_EQ(dom.find("<script"), std::string::npos);
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_NE(dom.find("<title>Weir data checks</title>"), std::string::npos);
  // One chart (the check with three values), parsed as SVG; the SQL folded.
  EXPECT_NE(dom.find("<polyline points=\"3.0,29.0 60.0,21.6 117.0,3.0\">"), std::string::npos) << dom;
  EXPECT_EQ(dom.find("<polyline", dom.find("<polyline") + 1), std::string::npos);
  EXPECT_NE(dom.find("<details><summary>SQL</summary>"), std::string::npos);
}

}  // namespace
}  // namespace weir
