// The models task: builds the project's models (models/ beside pipelines/)
// in the warehouse, as `weir build --select ...` does, from inside a
// pipeline. Each attempt loads and parses the models again (with the
// task's rendered `vars:`), selects, builds, and writes dbt's log lines to
// the attempt log and dbt's artifacts to target/. A retry runs the whole
// selection again: views and tables are replaced, and an incremental model
// is idempotent per interval when it deletes what it inserts (unique_key,
// or delete+insert on the interval's rows), as in dbt.
#include <chrono>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "models/models.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

// What one attempt builds, with its templates rendered.
struct ModelsSpec {
  std::vector<std::string> select;
  std::vector<std::string> exclude;
  std::string command = "build";
  TemplateMap vars;
  ModelBuildOptions build;
};

ModelCommand CommandOf(const std::string& name) {
  if (name == "run") return ModelCommand::kRun;
  if (name == "test") return ModelCommand::kTest;
  if (name == "seed") return ModelCommand::kSeed;
  return ModelCommand::kBuild;
}

// `select:` and `exclude:`: a string or a list of strings, each a template.
Result<std::vector<std::string>> RenderSelectors(const TaskDef& task, const std::string& key,
                                                 const TemplateContext& names) {
  std::vector<std::string> out;
  const ConfigNode* node = task.param(key);
  if (node == nullptr || node->is_null()) return out;
  std::vector<ConfigNode> items = node->is_sequence() ? node->items() : std::vector<ConfigNode>{*node};
  for (const ConfigNode& item : items) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(item, "'" + key + "'", names));
    out.push_back(std::move(text.text));
  }
  return out;
}

Result<ModelsSpec> ReadSpec(const TaskDef& task, const TemplateContext& names) {
  ModelsSpec spec;
  WEIR_ASSIGN_OR_RETURN(spec.select, RenderSelectors(task, "select", names));
  WEIR_ASSIGN_OR_RETURN(spec.exclude, RenderSelectors(task, "exclude", names));
  if (const ConfigNode* command = task.param("command")) {
    WEIR_ASSIGN_OR_RETURN(spec.command, command->AsString("'command'"));
  }
  if (const ConfigNode* vars = task.param("vars")) {
    WEIR_ASSIGN_OR_RETURN(spec.vars, RenderModelVars(*vars, names));
  }
  spec.build.command = CommandOf(spec.command);
  if (const ConfigNode* b = task.param("full_refresh")) {
    WEIR_ASSIGN_OR_RETURN(spec.build.full_refresh, b->AsBool("'full_refresh'"));
  }
  if (const ConfigNode* b = task.param("fail_fast")) {
    WEIR_ASSIGN_OR_RETURN(spec.build.fail_fast, b->AsBool("'fail_fast'"));
  }
  if (const ConfigNode* n = task.param("threads")) {
    WEIR_ASSIGN_OR_RETURN(int64_t threads, n->AsInt("'threads'"));
    spec.build.threads = static_cast<int>(threads);
  }
  return spec;
}

// What the log's first line says the attempt does, as the command line would.
std::string Describe(const TaskContext& context, const ModelsSpec& spec) {
  std::string text = "attempt " + std::to_string(context.attempt) + ": " + spec.command;
  for (const std::string& s : spec.select) text += " --select " + s;
  for (const std::string& s : spec.exclude) text += " --exclude " + s;
  if (!spec.vars.empty()) text += " --vars " + TemplateValue::FromMap(spec.vars).Repr();
  if (spec.build.full_refresh) text += " --full-refresh";
  return text;
}

// dbt's lines in the attempt log (the builder calls one at a time): the
// nodes', hooks' and log() lines.
class LogLines final : public ModelBuildListener {
 public:
  explicit LogLines(AttemptLog& log) : log_(log) {}
  void NodeStarted(const ModelNode& node, int index, int total) override {
    log_.Output(NodeStartedLine(node, index, total) + "\n");
  }
  void NodeFinished(const ModelNode& node, const NodeResult& result, int index, int total) override {
    log_.Output(NodeFinishedLine(node, result, index, total) + "\n");
  }
  void Message(const std::string& line) override { log_.Output(line + "\n"); }

 private:
  AttemptLog& log_;
};

bool Failed(const NodeResult& r) { return r.status == "error" || r.status == "fail"; }

std::string FirstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// "2 of 5 nodes failed: model.shop.fct (error: ...), test.shop.x (fail: 3)".
std::string FailureMessage(const ModelGraph& graph, const std::vector<NodeResult>& results) {
  int failed = 0;
  std::string which;
  for (const NodeResult& r : results) {
    if (!Failed(r)) continue;
    ++failed;
    std::string detail = r.status == "fail" && r.failures ? std::to_string(*r.failures) + " failing rows"
                                                          : FirstLine(r.message);
    which += std::string(which.empty() ? "" : ", ") + graph.nodes[r.node].unique_id + " (" + r.status + ": " +
             detail + ")";
  }
  return std::to_string(failed) + " of " + std::to_string(results.size()) + " nodes failed: " + which;
}

// {"command": "build", "selected": 5, "counts": {"success": 3, "pass": 2},
//  "failed": [], "warned": ["test.shop.x"]}
std::string OutputJson(const std::string& command, const ModelGraph& graph, const std::vector<NodeResult>& results) {
  nlohmann::json counts = nlohmann::json::object();
  nlohmann::json failed = nlohmann::json::array();
  nlohmann::json warned = nlohmann::json::array();
  for (const NodeResult& r : results) {
    counts[r.status] = counts.value(r.status, 0) + 1;
    if (Failed(r)) failed.push_back(graph.nodes[r.node].unique_id);
    if (r.status == "warn") warned.push_back(graph.nodes[r.node].unique_id);
  }
  nlohmann::json out = {{"command", command}, {"nodes", results.size()}, {"counts", counts},
                        {"failed", failed},   {"warned", warned}};
  return out.dump();
}

Status LoadErrors(const std::vector<Status>& errors, AttemptLog& log) {
  for (const Status& e : errors) log.Line(e.ToString());
  Status first = errors.front();
  std::string more = errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more in the log)" : "";
  return UserError("models-invalid", "the project's models have errors: " + first.ToString() + more, first.where());
}

class ModelsTask final : public RedactingTask {
 public:
  explicit ModelsTask(const TaskServices& services) : services_(services) {}

  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    WEIR_ASSIGN_OR_RETURN(ModelsSpec spec, ReadSpec(context.task, names));
    AttemptLog log(context.log_path, Describe(context, spec));
    log.SetSecrets(secrets);
    const Environment& env = services_.environment;
    std::vector<Status> errors;
    WEIR_ASSIGN_OR_RETURN(DbtProject project, LoadWeirModels(context.project, spec.vars, services_.files, env, errors));
    ModelGraph graph = ParseModels(project, env, errors);
    if (!errors.empty()) return LoadErrors(errors, log);
    Result<ModelSelection> selected = SelectModels(graph, spec.select, spec.exclude);
    const ConfigNode* select_node = context.task.param("select");
    if (!selected.ok()) return selected.status().At(select_node ? select_node->where() : context.task.where);
    ModelSelection& selection = *selected;
    for (const std::string& warning : selection.warnings) log.Line("warning: " + warning);
    spec.build.selected = selection.nodes;
    if (context.cancel.cancelled()) return Cancelled("stopped before the models were built");
    // One DuckDB instance per file in this process, and one writer at a
    // time: the build takes its turn as a sql task does.
    WEIR_ASSIGN_OR_RETURN(auto warehouse, services_.duckdb.Connect(project.target.path));
    WEIR_ASSIGN_OR_RETURN(auto writing, warehouse->LockForWrite(context.cancel, context.deadline));
    spec.build.connector = &services_.duckdb;
    spec.build.cancel = &context.cancel;
    auto start = std::chrono::steady_clock::now();
    LogLines lines(log);
    WEIR_ASSIGN_OR_RETURN(std::vector<NodeResult> results,
                          BuildModels(project, graph, env, files_, spec.build, lines));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    WriteArtifacts(project, graph, results, seconds, spec.command, log);
    char took[64];
    std::snprintf(took, sizeof(took), "done: %zu nodes in %.2fs", results.size(), seconds);
    log.Line(took);
    for (const NodeResult& r : results) {
      if (Failed(r)) return UserError("models-failed", FailureMessage(graph, results));
    }
    return OutputJson(spec.command, graph, results);
  }

 private:
  // target/manifest.json and run_results.json, as `weir build` writes them;
  // a failure to write them is logged, not the task's failure.
  void WriteArtifacts(const DbtProject& project, const ModelGraph& graph, const std::vector<NodeResult>& results,
                      double seconds, const std::string& command, AttemptLog& log) {
    std::vector<std::string> compiled(graph.nodes.size());
    for (const NodeResult& r : results) compiled[r.node] = r.compiled_sql;
    for (const Status& written : {WriteManifest(project, graph, compiled, files_),
                                  WriteRunResults(project, graph, results, seconds, command, files_)}) {
      if (!written.ok()) log.Line("warning: " + written.ToString());
    }
  }

  const TaskServices& services_;
  LocalFilesystem files_;  // compiled SQL and artifacts under target/
};

}  // namespace

std::shared_ptr<TaskRunner> NewModelsTask(const TaskServices& services) {
  return std::make_shared<ModelsTask>(services);
}

}  // namespace weir::tasks_internal
