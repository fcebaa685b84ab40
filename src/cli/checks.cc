// weir checks history CHECK [--suite SUITE] [--limit N]: a data check's
// recorded results, newest first, and the trend of its observed values.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"
#include "common/text.h"

namespace weir::cli {
namespace {

// Counts as integers ("150", not "150.000000"); other values to 6
// significant digits; "-" when the check measured nothing.
std::string FormatObserved(std::optional<double> value) {
  if (!value) return "-";
  char text[64];
  bool integral = std::isfinite(*value) && std::fabs(*value) < 1e15 && *value == std::floor(*value);
  std::snprintf(text, sizeof text, integral ? "%.0f" : "%.6g", *value);
  return text;
}

// When a result was measured: its data interval, or when it was recorded
// (a result outside runs has no interval).
std::string WhenMeasured(const CheckResultRecord& r) {
  return r.interval_start.empty() ? FormatUtc(r.recorded_at) : r.interval_start;
}

std::string WhenHeader(const std::vector<CheckResultRecord>& history) {
  auto has_interval = [](const CheckResultRecord& r) { return !r.interval_start.empty(); };
  if (std::all_of(history.begin(), history.end(), has_interval)) return "interval";
  if (std::none_of(history.begin(), history.end(), has_interval)) return "recorded";
  return "interval/recorded";
}

// One block character per value (U+2581 lower one eighth .. U+2588 full
// block) scaled between min and max, and a middle dot for a result
// without an observed value.
std::string Sparkline(const std::vector<std::optional<double>>& values, double min, double max) {
  std::string line;
  for (const std::optional<double>& v : values) {
    if (!v) {
      AppendUtf8(line, 0x00B7);
      continue;
    }
    double scaled = max > min ? (*v - min) / (max - min) : 0;
    AppendUtf8(line, 0x2581 + static_cast<uint32_t>(std::lround(scaled * 7)));
  }
  return line;
}

// "trend (oldest to newest): ▁▃█  min 1  max 9  mean 4.5" for `values`
// given oldest first.
std::string TrendLine(const std::string& label, const std::vector<std::optional<double>>& values) {
  std::vector<double> present;
  for (const std::optional<double>& v : values) {
    if (v) present.push_back(*v);
  }
  if (present.empty()) return label + ": no observed values";
  auto [min, max] = std::minmax_element(present.begin(), present.end());
  double sum = 0;
  for (double v : present) sum += v;
  return label + " (oldest to newest): " + Sparkline(values, *min, *max) + "  min " + FormatObserved(*min) +
         "  max " + FormatObserved(*max) + "  mean " + FormatObserved(sum / static_cast<double>(present.size()));
}

std::string Padded(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

void PrintHistory(const std::vector<CheckResultRecord>& history, bool show_suite) {
  size_t when_width = 8, observed_width = 8, suite_width = 5;
  for (const CheckResultRecord& r : history) {
    when_width = std::max(when_width, WhenMeasured(r).size());
    observed_width = std::max(observed_width, FormatObserved(r.observed).size());
    suite_width = std::max(suite_width, r.suite.size());
  }
  auto print_line = [&](const std::string& when, const std::string& status, const std::string& observed,
                        const std::string& suite, const std::string& message) {
    std::string line = Padded(when, when_width) + "  " + Padded(status, 6) + "  " + Padded(observed, observed_width) +
                       "  " + (show_suite ? Padded(suite, suite_width) + "  " : "") + message;
    line.erase(line.find_last_not_of(' ') + 1);  // no trailing blanks when the message is empty
    std::printf("%s\n", line.c_str());
  };
  print_line(WhenHeader(history), "status", "observed", "suite", "message");
  for (const CheckResultRecord& r : history) {
    print_line(WhenMeasured(r), r.status, FormatObserved(r.observed), r.suite, r.message);
  }
}

// One trend line, or one per suite when the results come from several
// (their values measure different tables and do not belong on one line).
void PrintTrends(const std::vector<CheckResultRecord>& history) {
  std::map<std::string, std::vector<std::optional<double>>> by_suite;
  for (auto it = history.rbegin(); it != history.rend(); ++it) by_suite[it->suite].push_back(it->observed);
  std::printf("\n");
  if (by_suite.size() == 1) {
    std::printf("%s\n", TrendLine("trend", by_suite.begin()->second).c_str());
    return;
  }
  for (const auto& [suite, values] : by_suite) std::printf("%s\n", TrendLine("trend of " + suite, values).c_str());
}

// No results: says where the check does have some, if it has any.
int NoHistory(StateStore& store, const std::string& check, const std::string& suite) {
  std::string where = suite.empty() ? "" : " in suite '" + suite + "'";
  std::string hint = "; results are recorded when a check task or `weir test` runs";
  if (!suite.empty()) {
    Result<std::vector<CheckResultRecord>> elsewhere = store.CheckHistory("", check, "", 1);
    if (elsewhere.ok() && !elsewhere->empty()) hint = "; it has results in suite '" + elsewhere->front().suite + "'";
  }
  std::fprintf(stderr, "weir checks: no results recorded for check '%s'%s%s\n", check.c_str(), where.c_str(),
               hint.c_str());
  return kExitFailed;
}

}  // namespace

int ChecksCommand(const Args& args) {
  CLI::App app{"Data check results", "weir checks"};
  app.require_subcommand(1);
  CLI::App* history = app.add_subcommand("history", "a check's results, newest first, and their trend");
  std::string dir = ".", check, suite;
  int limit = 30;
  history->add_option("check", check, "the check's name, e.g. 'not_null(order_id)'")->required();
  history->add_option("--suite", suite, "only this suite's results: PIPELINE.TASK, or checks/FILE for weir test");
  history->add_option("--limit", limit, "at most this many results (default 30)")->check(CLI::Range(1, 100000));
  AddProjectOption(app, dir);
  history->add_option("-C,--project", dir, "the project folder (default: the current folder)");
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(dir);
  if (loaded == nullptr) return kExitUsage;
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded->project);
  if (!store.ok()) return UsageError("checks", store.status().ToString());
  Result<std::vector<CheckResultRecord>> results = (*store)->CheckHistory(suite, check, "", limit);
  if (!results.ok()) return UsageError("checks", results.status().ToString());
  if (results->empty()) return NoHistory(**store, check, suite);
  PrintHistory(*results, suite.empty());
  PrintTrends(*results);
  return kExitOk;
}

}  // namespace weir::cli
