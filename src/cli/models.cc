// weir build | compile | seed | test | ls, and `weir run` without a
// pipeline: dbt's commands on the dbt project in the current folder (or
// --project-dir), or on the models of a Weir project (weir.yml and a
// models/ folder), with dbt's flags, log lines and exit codes (0 success or
// warnings only, 1 a failure, 2 a project or usage error).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "cli/arguments.h"
#include "cli/check_files.h"
#include "cli/project_session.h"
#include "models/models.h"

namespace weir::cli {
namespace {

struct ModelsRequest {
  DbtProjectOptions project;
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string indirect_selection = "eager";
  std::vector<std::string> resource_types;  // ls
  std::string output = "selector";           // ls: selector, name, path, json
  ModelBuildOptions build;
};

void AddProjectFlags(CLI::App& app, ModelsRequest& r) {
  app.add_option("--project-dir,-C,--project", r.project.project_dir, "the dbt or Weir project folder (default: here)");
  app.add_option("--profiles-dir", r.project.profiles_dir, "where profiles.yml is");
  app.add_option("--profile", r.project.profile, "the profile (default: dbt_project.yml's)");
  app.add_option("--target,-t", r.project.target, "the profile's target (default: its `target:`)");
  app.add_option("--vars", r.project.vars_yaml, "variables as YAML or JSON: '{key: value}'");
  app.add_option("--select,-s,--models,-m", r.select, "nodes to act on (dbt's selection syntax)")
      ->expected(1, 1000);
  app.add_option("--exclude", r.exclude, "nodes to leave out")->expected(1, 1000);
  app.add_option("--indirect-selection", r.indirect_selection, "eager, cautious, buildable or empty");
}

void AddBuildFlags(CLI::App& app, ModelsRequest& r) {
  app.add_option("--threads", r.build.threads, "nodes built at once (default: the target's threads)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("--fail-fast,-x", r.build.fail_fast, "stop at the first failure");
  app.add_flag("--full-refresh,-f", r.build.full_refresh, "rebuild incremental models and seeds from scratch");
}

// dbt's log lines: "1 of 5 START sql view model main.stg_sales .... [RUN]".
class LogListener final : public ModelBuildListener {
 public:
  void NodeStarted(const ModelNode& node, int index, int total) override {
    std::printf("%s\n", NodeStartedLine(node, index, total).c_str());
    std::fflush(stdout);
  }

  void NodeFinished(const ModelNode& node, const NodeResult& r, int index, int total) override {
    std::printf("%s\n", NodeFinishedLine(node, r, index, total).c_str());
    std::fflush(stdout);
  }
};

std::string Plural(int n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void PrintFound(const ModelGraph& graph) {
  std::map<ModelNodeKind, int> counts;
  for (const ModelNode& node : graph.nodes) ++counts[node.kind];
  std::string line;
  auto add = [&](ModelNodeKind kind, const std::string& word) {
    if (counts[kind] == 0) return;
    line += (line.empty() ? "" : ", ") + Plural(counts[kind], word);
  };
  add(ModelNodeKind::kModel, "model");
  add(ModelNodeKind::kSnapshot, "snapshot");
  add(ModelNodeKind::kTest, "data test");
  add(ModelNodeKind::kSeed, "seed");
  add(ModelNodeKind::kSource, "source");
  std::printf("Found %s\n", line.empty() ? "nothing" : line.c_str());
}

struct Loaded {
  DbtProject project;
  ModelGraph graph;
  ModelSelection selection;
};

// A Weir project's models, after the whole project is checked as every
// command checks it (a pipeline named as a model, models tasks' selectors).
Result<DbtProject> LoadWeirProject(const ModelsRequest& r, const Filesystem& fs, const Environment& env,
                                   std::vector<Status>& errors) {
  if (r.project.profiles_dir || r.project.profile || r.project.target) {
    return UserError("bad-flag", "--profiles-dir, --profile and --target choose a dbt profile; a Weir project "
                                 "builds its models in weir.yml's warehouse");
  }
  LoadedProject checked = LoadAndCheck(r.project.project_dir, fs);
  errors.insert(errors.end(), checked.errors.begin(), checked.errors.end());
  WEIR_ASSIGN_OR_RETURN(TemplateMap vars, ParseVarsOption(r.project.vars_yaml));
  return LoadWeirModels(checked.project, vars, fs, env, errors);
}

Result<DbtProject> LoadAnyProject(const ModelsRequest& r, const Filesystem& fs, const Environment& env,
                                  std::vector<Status>& errors) {
  const std::string& dir = r.project.project_dir;
  if (HasWeirModels(fs, dir)) return LoadWeirProject(r, fs, env, errors);
  if (!IsDbtProject(fs, dir) && fs.Exists((std::filesystem::path(dir) / "weir.yml").string())) {
    return UserError("no-models", "no models/ folder in the Weir project '" + dir +
                                      "': models go in models/ beside pipelines/ (docs/models.md)");
  }
  return LoadDbtProject(r.project, fs, env, errors);
}

// Each error once: a Weir project's models are loaded again after the
// project's own checks, which may have found the same errors.
void PrintProjectErrors(const std::vector<Status>& errors) {
  std::set<std::string> printed;
  for (const Status& e : errors) {
    if (printed.insert(e.ToString()).second) std::fprintf(stderr, "%s\n", e.ToString().c_str());
  }
  std::fprintf(stderr, "weir: %zu error%s in the project\n", printed.size(), printed.size() == 1 ? "" : "s");
}

std::optional<Loaded> Load(const ModelsRequest& r) {
  LocalFilesystem fs;
  ProcessEnvironment env;
  std::vector<Status> errors;
  Result<DbtProject> project = LoadAnyProject(r, fs, env, errors);
  if (!project.ok()) errors.insert(errors.begin(), project.status());
  Loaded loaded;
  if (project.ok()) {
    loaded.project = std::move(*project);
    loaded.graph = ParseModels(loaded.project, env, errors);
  }
  if (!errors.empty()) {
    PrintProjectErrors(errors);
    return std::nullopt;
  }
  Result<ModelSelection> selection = SelectModels(loaded.graph, r.select, r.exclude, r.indirect_selection);
  if (!selection.ok()) {
    std::fprintf(stderr, "%s\n", selection.status().ToString().c_str());
    return std::nullopt;
  }
  for (const std::string& warning : selection->warnings) std::printf("[WARNING]: %s\n", warning.c_str());
  loaded.selection = std::move(*selection);
  return loaded;
}

int Summarize(const ModelGraph& graph, const std::vector<NodeResult>& results, double seconds) {
  int pass = 0, warn = 0, error = 0, skip = 0;
  for (const NodeResult& r : results) {
    if (r.status == "success" || r.status == "pass") ++pass;
    if (r.status == "warn") ++warn;
    if (r.status == "error" || r.status == "fail") ++error;
    if (r.status == "skipped") ++skip;
  }
  std::printf("\nFinished running %s in %.2f seconds.\n\n", Plural(static_cast<int>(results.size()), "node").c_str(),
              seconds);
  if (error == 0) {
    std::printf("Completed successfully\n");
  } else {
    std::printf("Completed with %s:\n", Plural(error, "error").c_str());
    for (const NodeResult& r : results) {
      if (r.status != "error" && r.status != "fail") continue;
      const ModelNode& node = graph.nodes[r.node];
      std::printf("\n  %s %s (%s)\n  %s\n", r.status == "fail" ? "Failure in test" : "Error in",
                  node.name.c_str(), node.original_file_path.c_str(), r.message.c_str());
    }
  }
  std::printf("\nDone. PASS=%d WARN=%d ERROR=%d SKIP=%d TOTAL=%zu\n", pass, warn, error, skip, results.size());
  return error == 0 ? kExitOk : kExitFailed;
}

// The data tests of a build as a suite of check results, for the reports
// `weir test` writes.
SuiteResult TestSuite(const ModelGraph& graph, const std::vector<NodeResult>& results) {
  SuiteResult suite{.suite = "models", .target = "dbt tests"};
  for (const NodeResult& r : results) {
    const ModelNode& node = graph.nodes[r.node];
    if (node.kind != ModelNodeKind::kTest) continue;
    CheckResult check{.name = node.name, .kind = "dbt test"};
    check.status = r.status == "pass" ? CheckStatus::kPass : r.status == "warn" ? CheckStatus::kWarn
                   : r.status == "fail" ? CheckStatus::kFail : CheckStatus::kError;
    if (r.failures) check.observed = static_cast<double>(*r.failures);
    check.observed_text = r.failures ? Plural(static_cast<int>(*r.failures), "failing row") : r.status;
    check.message = r.status == "skipped" ? "skipped: " + r.message : r.message;
    check.sql = r.compiled_sql;
    check.duration_seconds = r.seconds;
    suite.duration_seconds += r.seconds;
    suite.results.push_back(std::move(check));
  }
  return suite;
}

int Execute(ModelsRequest& r, ModelCommand command, const std::string& name,
            std::vector<SuiteResult>* test_suites = nullptr) {
  std::optional<Loaded> loaded = Load(r);
  if (!loaded) return kExitUsage;
  PrintFound(loaded->graph);
  r.build.command = command;
  r.build.selected = loaded->selection.nodes;
  int threads = r.build.threads > 0 ? r.build.threads : loaded->project.target.threads;
  std::printf("Concurrency: %d threads (target='%s')\n\n", threads, loaded->project.target.name.c_str());
  auto start = std::chrono::steady_clock::now();
  LocalFilesystem fs;
  ProcessEnvironment env;
  LogListener listener;
  Result<std::vector<NodeResult>> results = BuildModels(loaded->project, loaded->graph, env, fs, r.build, listener);
  if (!results.ok()) {
    std::fprintf(stderr, "%s\n", results.status().ToString().c_str());
    return kExitFailed;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<std::string> compiled(loaded->graph.nodes.size());
  for (const NodeResult& result : *results) compiled[result.node] = result.compiled_sql;
  for (Status written : {WriteManifest(loaded->project, loaded->graph, compiled, fs),
                         WriteRunResults(loaded->project, loaded->graph, *results, seconds, name, fs)}) {
    if (!written.ok()) std::fprintf(stderr, "weir: %s\n", written.ToString().c_str());
  }
  if (test_suites != nullptr) test_suites->push_back(TestSuite(loaded->graph, *results));
  return Summarize(loaded->graph, *results, seconds);
}

int ModelsCommand(const Args& args, ModelCommand command, const char* what, const char* usage) {
  std::string name = std::string(usage).substr(5);  // "weir build" -> "build"
  CLI::App app{what, usage};
  ModelsRequest r;
  AddProjectFlags(app, r);
  AddBuildFlags(app, r);
  if (auto exit = ParseArguments(app, args)) return *exit;
  return Execute(r, command, name);
}

}  // namespace

int BuildCommand(const Args& args) {
  return ModelsCommand(args, ModelCommand::kBuild, "Build seeds and models and run their tests in DAG order",
                       "weir build");
}
int ModelsRunCommand(const Args& args) {
  return ModelsCommand(args, ModelCommand::kRun, "Build the dbt project's models", "weir run");
}
int SeedCommand(const Args& args) {
  return ModelsCommand(args, ModelCommand::kSeed, "Load the dbt project's seeds", "weir seed");
}
int SnapshotCommand(const Args& args) {
  return ModelsCommand(args, ModelCommand::kSnapshot, "Run the dbt project's snapshots", "weir snapshot");
}
// Model tests and, in a Weir project, the suites of checks/*.yml: both
// unless --select (model tests) or --checks (check files) narrows it.
int TestCommand(const Args& args) {
  CLI::App app{"Run data tests: the models' tests and the checks in checks/*.yml", "weir test"};
  ModelsRequest r;
  AddProjectFlags(app, r);
  AddBuildFlags(app, r);
  ReportFiles reports;
  std::vector<std::string> check_files;
  app.add_option("--checks", check_files, "run only these files of checks/ (names without .yml)");
  app.add_option("--report", reports.html, "write a self-contained HTML report to this file");
  app.add_option("--junit", reports.junit, "write JUnit XML (for CI systems) to this file");
  app.add_option("--json", reports.json, "write every result as JSON to this file");
  if (auto exit = ParseArguments(app, args)) return *exit;
  const std::string& dir = r.project.project_dir;
  LocalFilesystem fs;
  bool weir_project = fs.Exists((std::filesystem::path(dir) / "weir.yml").string());
  bool models = IsDbtProject(fs, dir) || HasWeirModels(fs, dir);
  bool checks = weir_project && HasCheckFiles(dir);
  if (weir_project && !models && !checks) {
    return UsageError("test", "nothing to test in '" + dir + "': no models/ and no checks/*.yml (docs/checks.md)");
  }
  std::vector<SuiteResult> suites;
  int exit = kExitOk;
  if ((models || !weir_project) && check_files.empty()) exit = Execute(r, ModelCommand::kTest, "test", &suites);
  if (checks && (r.select.empty() || !check_files.empty())) {
    if (models && check_files.empty()) std::printf("\n");
    exit = std::max(exit, RunCheckFiles(dir, check_files, suites));
  }
  if (Status written = WriteReports(reports, dir, suites); !written.ok()) {
    std::fprintf(stderr, "weir: %s\n", written.ToString().c_str());
    return std::max(exit, kExitFailed);
  }
  return exit;
}
int CompileCommand(const Args& args) {
  return ModelsCommand(args, ModelCommand::kCompile, "Write the compiled SQL of models and tests to target/compiled",
                       "weir compile");
}

int LsCommand(const Args& args) {
  CLI::App app{"List the dbt project's nodes that a selection picks", "weir ls"};
  ModelsRequest r;
  AddProjectFlags(app, r);
  app.add_option("--resource-type,--resource-types", r.resource_types, "only these kinds (model, test, seed, source)");
  app.add_option("--output,-o", r.output, "selector (default), name, path or json")
      ->check(CLI::IsMember({"selector", "name", "path", "json"}));
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::optional<Loaded> loaded = Load(r);
  if (!loaded) return kExitUsage;
  // Sorted by unique_id, as dbt ls prints them.
  std::vector<int> nodes = loaded->selection.nodes;
  std::sort(nodes.begin(), nodes.end(), [&](int a, int b) {
    return loaded->graph.nodes[a].unique_id < loaded->graph.nodes[b].unique_id;
  });
  for (int n : nodes) {
    const ModelNode& node = loaded->graph.nodes[n];
    std::string type(ModelNodeKindName(node.kind));
    if (!r.resource_types.empty() &&
        std::find(r.resource_types.begin(), r.resource_types.end(), type) == r.resource_types.end()) {
      continue;
    }
    if (r.output == "name") {
      std::printf("%s\n", node.name.c_str());
    } else if (r.output == "path") {
      std::printf("%s\n", node.original_file_path.c_str());
    } else if (r.output == "json") {
      std::printf("{\"name\": \"%s\", \"resource_type\": \"%s\", \"unique_id\": \"%s\"}\n", node.name.c_str(),
                  type.c_str(), node.unique_id.c_str());
    } else {
      std::string selector;
      if (node.kind == ModelNodeKind::kSource) selector = "source:";
      for (size_t i = 0; i < node.fqn.size(); ++i) selector += (i == 0 ? "" : ".") + node.fqn[i];
      std::printf("%s\n", selector.c_str());
    }
  }
  return kExitOk;
}

namespace {

// `weir run`'s options that take a value, so that the value is not taken
// for a pipeline's name.
const std::set<std::string> kRunValueOptions = {
    "--project-dir", "-C", "--project", "--date", "--task", "--param", "--threads", "--vars", "--target", "-t",
    "--profile", "--profiles-dir", "--indirect-selection"};

bool NamesPipeline(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("-", 0) != 0) return true;
    if (a.find('=') == std::string::npos && kRunValueOptions.count(a) > 0) ++i;
  }
  return false;
}

}  // namespace

bool RunsModels(const Args& args) {
  LocalFilesystem fs;
  std::string dir = ".";
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--project-dir" || args[i] == "-C" || args[i] == "--project") dir = args[i + 1];
  }
  if (!IsDbtProject(fs, dir) && !HasWeirModels(fs, dir)) return false;
  // --select and --exclude take several values: what follows is no pipeline.
  bool selects = std::find_if(args.begin(), args.end(), [](const std::string& a) {
                   return a == "--select" || a == "-s" || a == "--models" || a == "-m" || a == "--exclude";
                 }) != args.end();
  return selects || !NamesPipeline(args);
}

}  // namespace weir::cli
