#include "cli/check_files.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/project_session.h"
#include "common/text.h"
#include "connectors/connectors.h"
#include "tasks/tasks.h"

namespace weir::cli {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSuiteKeys = {"table",  "path",         "query",        "where",
                                             "name",   "partition_by", "checks",       "sample_limit",
                                             "save_failing_rows"};

struct FileSuite {
  CheckSuite suite;
  CheckRunOptions options;
};

Status CheckKeys(const ConfigNode& node) {
  for (const auto& [key, value] : node.entries()) {
    if (std::find(kSuiteKeys.begin(), kSuiteKeys.end(), key.scalar()) == kSuiteKeys.end()) {
      return UserError("unknown-key", "unknown key '" + key.scalar() + "' in a checks file" +
                                          DidYouMean(key.scalar(), kSuiteKeys) + "; it takes " +
                                          QuotedList(kSuiteKeys), key.where());
    }
  }
  return OkStatus();
}

// `lake`: where a `path:` is read from when the suite is to run (its files
// staged first); none when only checking the file.
Result<FileSuite> ReadSuite(const ConfigNode& node, const std::string& name, const ProjectDef& project,
                            LakeFiles* lake) {
  if (!node.is_map()) return UserError("bad-checks-file", "a checks file holds a target and its checks (a mapping)",
                                       node.where());
  WEIR_TRY(CheckKeys(node));
  const ConfigNode* checks = node.Find("checks");
  if (checks == nullptr) return UserError("missing-key", "a checks file needs 'checks:', a list", node.where());
  FileSuite out;
  const ConfigNode* path = node.Find("path");
  if (lake != nullptr && path != nullptr && path->is_scalar()) WEIR_TRY(lake->Stage(path->scalar(), path->where()));
  std::string lake_root = lake != nullptr ? lake->LocalRoot() : project.Resolve(project.lake);
  WEIR_ASSIGN_OR_RETURN(out.suite.target, ParseCheckTarget(node, {lake_root, std::nullopt}));
  WEIR_ASSIGN_OR_RETURN(out.suite.checks, ParseCheckList(*checks));
  out.suite.name = name;
  out.suite.where = node.where();
  if (const ConfigNode* n = node.Find("name")) {
    WEIR_ASSIGN_OR_RETURN(std::string own, n->AsString("'name'"));
    out.suite.name = "checks/" + own;
  }
  if (const ConfigNode* limit = node.Find("sample_limit")) {
    WEIR_ASSIGN_OR_RETURN(int64_t value, limit->AsInt("'sample_limit'"));
    out.options.sample_limit = static_cast<int>(std::clamp<int64_t>(value, 0, 10000));
  }
  if (const ConfigNode* save = node.Find("save_failing_rows")) {
    WEIR_ASSIGN_OR_RETURN(out.options.save_failing_rows, save->AsBool("'save_failing_rows'"));
  }
  return out;
}

// One file: a mapping (one suite, "checks/STEM") or a list of them
// ("checks/STEM#N" unless named).
Status ReadFileSuites(const std::string& path, const ProjectDef& project, LakeFiles* lake,
                      std::vector<FileSuite>& out) {
  LocalFilesystem files;
  WEIR_ASSIGN_OR_RETURN(std::string text, files.ReadFile(path));
  std::string shown = fs::relative(path, project.root).string();
  YamlDocument doc = ParseYaml(text, shown);
  if (!doc.errors.empty()) return doc.errors[0];
  std::string stem = "checks/" + fs::path(path).stem().string();
  if (!doc.root.is_sequence()) {
    WEIR_ASSIGN_OR_RETURN(FileSuite suite, ReadSuite(doc.root, stem, project, lake));
    out.push_back(std::move(suite));
    return OkStatus();
  }
  for (size_t i = 0; i < doc.root.items().size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(FileSuite suite,
                          ReadSuite(doc.root.items()[i], stem + "#" + std::to_string(i + 1), project, lake));
    out.push_back(std::move(suite));
  }
  return OkStatus();
}

const char* Colour(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass: return "\033[32m";
    case CheckStatus::kWarn: return "\033[33m";
    default: return "\033[31m";
  }
}

void RecordHistory(StateStore* store, const SuiteResult& result) {
  if (store == nullptr) return;
  Status recorded = store->RecordCheckResults(CheckHistoryRecords(result, "", RunId{}, std::chrono::system_clock::now()));
  if (!recorded.ok()) std::fprintf(stderr, "weir: check history not recorded: %s\n", recorded.ToString().c_str());
}

}  // namespace

bool HasCheckFiles(const std::string& dir) {
  LocalFilesystem files;
  return !files.ListFiles((fs::path(dir) / "checks").string(), {".yml", ".yaml"}).empty();
}

void CheckCheckFiles(const ProjectDef& project, std::vector<Status>& errors) {
  LocalFilesystem files;
  for (const std::string& path : files.ListFiles((fs::path(project.root) / "checks").string(), {".yml", ".yaml"})) {
    std::vector<FileSuite> suites;
    if (Status read = ReadFileSuites(path, project, nullptr, suites); !read.ok()) errors.push_back(read);
  }
}

void PrintSuite(const SuiteResult& suite) {
  bool tty = isatty(fileno(stdout)) != 0;
  std::printf("%s on %s (%d scan%s, %.2f s)\n", suite.suite.c_str(), suite.target.c_str(), suite.scans,
              suite.scans == 1 ? "" : "s", suite.duration_seconds);
  size_t width = 0;
  for (const CheckResult& r : suite.results) width = std::max(width, r.name.size());
  for (const CheckResult& r : suite.results) {
    std::string status(CheckStatusName(r.status));
    for (char& c : status) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string detail = r.status == CheckStatus::kError ? r.message : r.observed_text;
    if (r.status != CheckStatus::kPass && r.status != CheckStatus::kError && !r.threshold.empty()) {
      detail += "  [" + r.threshold + "]";
    }
    std::printf("  %s%-5s%s  %-*s  %s\n", tty ? Colour(r.status) : "", status.c_str(), tty ? "\033[0m" : "",
                static_cast<int>(width), r.name.c_str(), detail.c_str());
    if (r.status != CheckStatus::kPass && r.status != CheckStatus::kError && !r.message.empty() &&
        r.message != r.observed_text) {
      std::printf("         %s\n", r.message.c_str());
    }
    std::string rows;
    std::string sample = FormatSampleRows(r, 5);
    for (size_t at = 0; at < sample.size();) {  // under the check's name
      size_t end = sample.find('\n', at);
      rows += "     " + sample.substr(at, end - at + 1);
      at = end + 1;
    }
    if (!rows.empty()) {
      std::printf("         failing rows%s:\n%s", r.audit_table.empty() ? "" : (" (in " + r.audit_table + ")").c_str(),
                  rows.c_str());
    }
  }
  std::printf("  %d passed, %d warned, %d failed, %d errored\n\n", suite.Count(CheckStatus::kPass),
              suite.Count(CheckStatus::kWarn), suite.Count(CheckStatus::kFail), suite.Count(CheckStatus::kError));
}

int RunCheckFiles(const std::string& dir, const std::vector<std::string>& only, std::vector<SuiteResult>& out) {
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(dir);
  if (!loaded) return kExitUsage;
  const ProjectDef& project = loaded->project;
  LocalFilesystem files;
  ProcessEnvironment environment;
  PosixProcessLauncher processes;
  DuckDbConnector lake_duckdb;
  TaskServices services{processes, environment, files, lake_duckdb};
  Result<std::unique_ptr<LakeFiles>> lake = LakeFiles::Open(project, services);
  if (!lake.ok()) {
    std::fprintf(stderr, "%s\n", lake.status().ToString().c_str());
    return kExitUsage;
  }
  std::vector<FileSuite> suites;
  for (const std::string& path : files.ListFiles((fs::path(dir) / "checks").string(), {".yml", ".yaml"})) {
    std::string stem = fs::path(path).stem().string();
    if (!only.empty() && std::find(only.begin(), only.end(), stem) == only.end()) continue;
    if (Status read = ReadFileSuites(path, project, lake->get(), suites); !read.ok()) {
      std::fprintf(stderr, "%s\n", read.ToString().c_str());
      // A lake file missing or unreadable fails the checks, as on a local lake.
      bool bad_file = read.kind() == ErrorKind::kUser && read.code() != "input-missing";
      return bad_file ? kExitUsage : kExitFailed;
    }
  }
  Result<std::string> warehouse = DuckDbFileOf(project, "");
  if (!warehouse.ok()) {
    std::fprintf(stderr, "%s\n", warehouse.status().ToString().c_str());
    return kExitUsage;
  }
  DuckDbConnector connector(WarehouseDuckDbOptions(project));
  Result<std::unique_ptr<DuckDbConnection>> db = connector.Connect(*warehouse);
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.status().ToString().c_str());
    return kExitFailed;
  }
  Result<std::unique_ptr<StateStore>> store = OpenState(project);
  StateStore* history = store.ok() ? store->get() : nullptr;
  auto open_connection = [&](const std::string& name) -> Result<std::unique_ptr<DuckDbConnection>> {
    WEIR_ASSIGN_OR_RETURN(std::string path, DuckDbFileOf(project, name));
    // The warehouse itself is already open read-write in this process.
    return connector.Connect(path, /*read_only=*/path != *warehouse);
  };
  int exit = kExitOk;
  for (FileSuite& file : suites) {
    if (history != nullptr) file.options.history = CheckHistoryLookupIn(*history, file.suite.name, "");
    file.options.open_connection = open_connection;
    Result<SuiteResult> result = RunCheckSuite(**db, file.suite, file.options);
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.status().ToString().c_str());
      exit = kExitFailed;
      continue;
    }
    PrintSuite(*result);
    RecordHistory(history, *result);
    if (result->failed()) exit = kExitFailed;
    out.push_back(std::move(*result));
  }
  return exit;
}

Status WriteReports(const ReportFiles& files, const std::string& dir, const std::vector<SuiteResult>& suites) {
  LocalFilesystem local;
  if (!files.json.empty()) WEIR_TRY(local.WriteFile(files.json, JsonReport(suites)));
  if (!files.junit.empty()) WEIR_TRY(local.WriteFile(files.junit, JunitReport(suites)));
  if (files.html.empty()) return OkStatus();
  std::unique_ptr<StateStore> store;  // for trends; a dbt project has none
  if (local.Exists((fs::path(dir) / "weir.yml").string())) {
    if (std::unique_ptr<LoadedProject> loaded = LoadValidProject(dir)) {
      Result<std::unique_ptr<StateStore>> opened = OpenState(loaded->project);
      if (opened.ok()) store = std::move(*opened);
    }
  }
  auto trend = [&](const std::string& suite, const std::string& check) {
    std::vector<double> values;
    if (store == nullptr) return values;
    Result<std::vector<CheckResultRecord>> records = store->CheckHistory(suite, check, "", 30);
    if (!records.ok()) return values;
    for (auto it = records->rbegin(); it != records->rend(); ++it) {
      if (it->observed) values.push_back(*it->observed);
    }
    return values;
  };
  return local.WriteFile(files.html, HtmlReport(suites, trend));
}

}  // namespace weir::cli
