// `weir test`'s data checks: the suites in a Weir project's checks/*.yml
// (each file a target and its checks, or a list of them), run on the
// warehouse, printed as a table, kept in the state store's history, and
// written as JSON, JUnit XML or an HTML report.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "quality/quality.h"

namespace weir::cli {

// True when `dir` has a checks/ folder with a .yml file.
bool HasCheckFiles(const std::string& dir);

// Reads every checks/*.yml of `project` as `weir test` will, adding what
// is wrong to `errors` (weir validate and every command check it).
void CheckCheckFiles(const ProjectDef& project, std::vector<Status>& errors);

// Runs the suites of checks/*.yml (only files whose stem is in `only`,
// when it is not empty), printing each. Appends their results to `out`.
// Returns kExitOk, kExitFailed (a check failed) or kExitUsage (bad files).
int RunCheckFiles(const std::string& dir, const std::vector<std::string>& only, std::vector<SuiteResult>& out);

// Prints one suite as a table, in colour on a terminal.
void PrintSuite(const SuiteResult& suite);

struct ReportFiles {
  std::string json, junit, html;  // "" for none
};
// Writes the reports asked for; the HTML trend charts come from the
// project's state store history (none when `dir` has no state yet).
Status WriteReports(const ReportFiles& files, const std::string& dir, const std::vector<SuiteResult>& suites);

}  // namespace weir::cli
