// BuildModels: the selected nodes run on worker threads in dependency order.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <set>
#include <thread>

#include "common/mutex.h"
#include "models/internal/compile.h"
#include "models/internal/hooks.h"
#include "models/internal/loader.h"
#include "models/internal/materialize.h"
#include "models/internal/node_config.h"
#include "models/internal/snapshot.h"

namespace weir {
namespace {

using models_internal::HookKind;
using models_internal::JoinPath;

// dbt runs on-run-start and on-run-end with these commands (not compile).
bool RunsHooks(ModelCommand command) { return command != ModelCommand::kCompile; }

bool Handles(ModelCommand command, const ModelNode& node) {
  bool ephemeral = node.kind == ModelNodeKind::kModel && node.materialized() == "ephemeral";
  switch (command) {
    case ModelCommand::kRun: return node.kind == ModelNodeKind::kModel && !ephemeral;
    case ModelCommand::kSeed: return node.kind == ModelNodeKind::kSeed;
    case ModelCommand::kTest: return node.kind == ModelNodeKind::kTest;
    case ModelCommand::kSnapshot: return node.kind == ModelNodeKind::kSnapshot;
    case ModelCommand::kCompile:
      return node.kind == ModelNodeKind::kModel || node.kind == ModelNodeKind::kTest ||
             node.kind == ModelNodeKind::kSnapshot;
    case ModelCommand::kBuild:
      return (node.kind == ModelNodeKind::kModel && !ephemeral) || node.kind == ModelNodeKind::kSeed ||
             node.kind == ModelNodeKind::kTest || node.kind == ModelNodeKind::kSnapshot;
  }
  return false;
}

double EpochSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Which run nodes each run node waits for: its nearest ancestors in the run
// (through nodes left out of it), and in `build` the single-parent tests of
// its parents, so that a failed test stops what is built on its model.
struct WaitGraph {
  std::vector<std::vector<int>> dependents;  // by run position
  std::vector<int> waiting;                  // by run position
};

WaitGraph PlanWaits(const ModelGraph& graph, const std::vector<int>& run, ModelCommand command) {
  std::vector<int> position(graph.nodes.size(), -1);
  for (size_t i = 0; i < run.size(); ++i) position[run[i]] = static_cast<int>(i);
  // nearest[n]: the run nodes closest above n (n itself when in the run).
  std::vector<std::vector<int>> nearest(graph.nodes.size());
  for (int n : graph.order) {
    std::set<int> above;
    for (int p : graph.nodes[n].depends_on) {
      if (position[p] >= 0) {
        above.insert(position[p]);
      } else {
        above.insert(nearest[p].begin(), nearest[p].end());
      }
    }
    nearest[n].assign(above.begin(), above.end());
  }
  std::vector<std::set<int>> waits(run.size());
  for (size_t i = 0; i < run.size(); ++i) waits[i].insert(nearest[run[i]].begin(), nearest[run[i]].end());
  if (command == ModelCommand::kBuild) {
    for (size_t t = 0; t < run.size(); ++t) {
      const ModelNode& test = graph.nodes[run[t]];
      if (test.kind != ModelNodeKind::kTest || test.depends_on.size() != 1) continue;
      for (int child : graph.children[test.depends_on[0]]) {
        if (position[child] >= 0 && graph.nodes[child].kind != ModelNodeKind::kTest) {
          waits[position[child]].insert(static_cast<int>(t));
        }
      }
    }
  }
  WaitGraph plan;
  plan.dependents.assign(run.size(), {});
  plan.waiting.assign(run.size(), 0);
  for (size_t i = 0; i < run.size(); ++i) {
    plan.waiting[i] = static_cast<int>(waits[i].size());
    for (int w : waits[i]) plan.dependents[w].push_back(static_cast<int>(i));
  }
  return plan;
}

class Builder {
 public:
  Builder(const DbtProject& project, const ModelGraph& graph, const Environment& env, Filesystem& fs,
          const ModelBuildOptions& options, ModelBuildListener& listener)
      : project_(project), graph_(graph), env_(env), fs_(fs), options_(options), listener_(listener) {}

  Result<std::vector<NodeResult>> Run() {
    run_ = NodesToRun(graph_, options_);
    plan_ = PlanWaits(graph_, run_, options_.command);
    results_.assign(run_.size(), NodeResult());
    {
      MutexLock lock(mu_);
      upstream_failed_.assign(run_.size(), false);
      for (size_t i = 0; i < run_.size(); ++i) {
        if (plan_.waiting[i] == 0) ready_.insert(static_cast<int>(i));
      }
    }
    std::unique_ptr<DuckDbConnection> db;
    if (options_.command != ModelCommand::kCompile) {
      WEIR_ASSIGN_OR_RETURN(db, Connector().Connect(project_.target.path));
      WEIR_TRY(CreateSchemas(*db));
    }
    bool hooks = RunsHooks(options_.command) && !run_.empty();
    std::vector<NodeResult> out = hooks ? RunProjectHooks(HookKind::kRunStart, *db, {}) : std::vector<NodeResult>();
    bool start_failed = std::any_of(out.begin(), out.end(), [](const NodeResult& r) { return r.status != "success"; });
    if (start_failed) {
      SkipAll("skipped: on-run-start failed");
    } else {
      if (db) WEIR_TRY(relations_.Load(*db));  // after on-run-start, which may create relations
      RunWorkers();
    }
    out.insert(out.end(), results_.begin(), results_.end());
    if (hooks) {
      std::vector<NodeResult> end = RunProjectHooks(HookKind::kRunEnd, *db, models_internal::RunEndNames(graph_, results_));
      out.insert(out.end(), end.begin(), end.end());
    }
    return out;
  }

 private:
  void RunWorkers() {
    int threads = options_.threads > 0 ? options_.threads : project_.target.threads;
    threads = std::max(1, std::min<int>(threads, static_cast<int>(std::max<size_t>(run_.size(), 1))));
    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i) workers.emplace_back([this] { Work(); });
    std::thread watcher;
    if (options_.cancel != nullptr) watcher = std::thread([this] { InterruptWhenCancelled(); });
    for (std::thread& t : workers) t.join();
    {
      MutexLock lock(mu_);
      workers_done_ = true;
    }
    wake_.notify_all();
    if (watcher.joinable()) watcher.join();
  }

  // A cancelled build stops its running statements rather than wait for them.
  void InterruptWhenCancelled() {
    MutexLock lock(mu_);
    while (!workers_done_) {
      if (Cancelled()) {
        for (DuckDbConnection* db : open_) db->Interrupt();
      }
      wake_.wait_for(lock.native(), std::chrono::milliseconds(50));
    }
  }

  void SkipAll(const std::string& why) {
    for (size_t i = 0; i < run_.size(); ++i) {
      results_[i] = NodeResult{.node = run_[i], .status = "skipped", .message = why, .started_at = EpochSeconds()};
    }
  }

  void Tell(const std::string& line) {
    MutexLock lock(mu_);
    listener_.Message(line);
  }

  TimePoint Now() const { return options_.clock != nullptr ? options_.clock->Now() : std::chrono::system_clock::now(); }

  // The inputs of an execute-mode render on `db` (null for compile).
  models_internal::CompileInputs Inputs(DuckDbConnection* db, TemplateMap extra_names = {}) {
    models_internal::CompileInputs inputs{.project = &project_, .graph = &graph_, .env = &env_,
                                          .full_refresh = options_.full_refresh};
    inputs.is_table = [this](const RelationName& relation) { return relations_.TypeOf(relation) == "BASE TABLE"; };
    inputs.query = [db](const std::string& sql) -> Result<QueryRows> {
      if (db == nullptr) return UserError("no-warehouse", "run_query needs the warehouse (not with compile)");
      return db->Query(sql);
    };
    if (db != nullptr) {
      inputs.query_with_parameters = [db](const std::string& sql, const std::vector<std::string>& parameters) {
        return db->Query(sql, parameters);
      };
    }
    inputs.log = [this](const std::string& line) { Tell(line); };
    inputs.now = [this] { return Now(); };
    inputs.extra_names = std::move(extra_names);
    return inputs;
  }

  // Runs the hooks of one kind in order; after a failure the rest are
  // skipped, as dbt does. One result per hook.
  std::vector<NodeResult> RunProjectHooks(HookKind kind, DuckDbConnection& db, TemplateMap extra_names) {
    std::vector<int> hooks = models_internal::HookNodes(graph_, kind);
    std::vector<NodeResult> results;
    if (hooks.empty()) return results;
    Tell(models_internal::HooksHeader(kind, hooks.size()));
    models_internal::CompileInputs inputs = Inputs(&db, std::move(extra_names));
    bool failed = false;
    for (size_t i = 0; i < hooks.size(); ++i) {
      const ModelNode& hook = graph_.nodes[hooks[i]];
      int index = static_cast<int>(i) + 1, total = static_cast<int>(hooks.size());
      NodeResult result{.node = hooks[i], .started_at = EpochSeconds()};
      if (failed) {
        result.status = "skipped";
        result.message = "skipped: an earlier hook failed";
      } else {
        Tell(models_internal::HookStartedLine(hook, index, total));
        Status status = RunHook(inputs, hooks[i], db, result);
        result.status = status.ok() ? "success" : "error";
        result.message = status.ok() ? "OK" : std::string(kind == HookKind::kRunStart ? "on-run-start" : "on-run-end") +
                                                  " failed: " + status.ToString();
        result.seconds = EpochSeconds() - result.started_at;
        failed = !status.ok();
      }
      Tell(models_internal::HookFinishedLine(hook, result, index, total));
      results.push_back(std::move(result));
    }
    Tell("");
    return results;
  }

  Status RunHook(const models_internal::CompileInputs& inputs, int hook, DuckDbConnection& db, NodeResult& result) {
    WEIR_ASSIGN_OR_RETURN(result.compiled_sql, models_internal::RenderForNode(inputs, hook, graph_.nodes[hook].raw_code));
    bool blank = result.compiled_sql.find_first_not_of(" \t\r\n;") == std::string::npos;
    return blank ? OkStatus() : db.Execute(result.compiled_sql);
  }

  // Schemas first, one at a time: DuckDB fails one of two transactions that
  // create the same schema at once.
  Status CreateSchemas(DuckDbConnection& db) {
    std::set<std::pair<std::string, std::string>> schemas;
    for (int n : run_) {
      const ModelNode& node = graph_.nodes[n];
      if (node.kind != ModelNodeKind::kTest) {
        schemas.emplace(node.relation.database, node.relation.schema);
      } else if (const TemplateValue* store = node.config.Find("store_failures"); store && store->Truthy()) {
        schemas.emplace(project_.target.database, project_.target.schema + "_dbt_test__audit");
      }
    }
    for (const auto& [database, schema] : schemas) {
      WEIR_TRY(db.Execute("CREATE SCHEMA IF NOT EXISTS " + models_internal::QuoteIdentifier(database) + "." +
                          models_internal::QuoteIdentifier(schema)));
    }
    return OkStatus();
  }

  void Work() {
    std::unique_ptr<DuckDbConnection> db;
    while (true) {
      int next;
      int index;
      {
        MutexLock lock(mu_);
        wake_.wait(lock.native(), [&]() WEIR_REQUIRES(mu_) { return !ready_.empty() || finished_ == run_.size(); });
        if (ready_.empty()) {
          // The watcher must not interrupt the connection once it is gone.
          open_.erase(std::remove(open_.begin(), open_.end(), db.get()), open_.end());
          return;
        }
        next = *ready_.begin();
        ready_.erase(ready_.begin());
        index = ++started_;
      }
      NodeResult result = RunOne(next, index, db);
      Finish(next, index, std::move(result));
    }
  }

  void Register(DuckDbConnection* db) {
    MutexLock lock(mu_);
    open_.push_back(db);
  }

  NodeResult RunOne(int position, int index, std::unique_ptr<DuckDbConnection>& db) {
    const ModelNode& node = graph_.nodes[run_[position]];
    NodeResult result;
    result.node = run_[position];
    result.started_at = EpochSeconds();
    {
      MutexLock lock(mu_);
      if (upstream_failed_[position] || stopping_ || Cancelled()) {
        result.status = "skipped";
        result.message = Cancelled()   ? "skipped: cancelled"
                         : stopping_ ? "skipped: --fail-fast stopped the run"
                                     : "skipped: an upstream node failed";
        return result;
      }
    }
    {
      MutexLock lock(mu_);
      listener_.NodeStarted(node, index, static_cast<int>(run_.size()));
    }
    Status status = Execute(node, result, db);
    if (!status.ok()) {
      result.status = "error";
      result.message = status.ToString();
    }
    result.seconds = EpochSeconds() - result.started_at;
    return result;
  }

  Status Execute(const ModelNode& node, NodeResult& result, std::unique_ptr<DuckDbConnection>& db) {
    if (!db && options_.command != ModelCommand::kCompile) {
      WEIR_ASSIGN_OR_RETURN(db, Connector().Connect(project_.target.path));
      Register(db.get());
    }
    int self = graph_.Find(node.unique_id);
    models_internal::CompileInputs inputs = Inputs(db.get());
    if (node.kind == ModelNodeKind::kSeed) {
      std::string path = JoinPath(project_.root, node.original_file_path);
      WEIR_ASSIGN_OR_RETURN(std::string text, fs_.ReadFile(path));
      WEIR_ASSIGN_OR_RETURN(auto done, models_internal::LoadSeed(*db, relations_, node, path, text));
      Apply(done, result);
      return OkStatus();
    }
    WEIR_ASSIGN_OR_RETURN(result.compiled_sql, models_internal::CompileNode(inputs, self));
    WEIR_TRY(WriteCompiled(node, result.compiled_sql));
    if (options_.command == ModelCommand::kCompile) {
      result.status = "success";
      return OkStatus();
    }
    if (node.kind == ModelNodeKind::kTest) {
      WEIR_ASSIGN_OR_RETURN(auto done, models_internal::RunTest(*db, node, result.compiled_sql, project_.target));
      Apply(done, result);
      return OkStatus();
    }
    WEIR_TRY(RunHooks(inputs, self, "pre-hook", *db));
    // Snapshots keep their history: --full-refresh never rebuilds them (dbt's rule).
    WEIR_ASSIGN_OR_RETURN(auto done, node.kind == ModelNodeKind::kSnapshot
                                         ? models_internal::MaterializeSnapshot(*db, relations_, node,
                                                                                result.compiled_sql, Now())
                                         : models_internal::MaterializeModel(*db, relations_, node, result.compiled_sql,
                                                                             options_.full_refresh));
    WEIR_TRY(RunHooks(inputs, self, "post-hook", *db));
    Apply(done, result);
    return OkStatus();
  }

  static void Apply(const models_internal::Materialized& done, NodeResult& result) {
    result.status = done.status;
    result.message = done.message;
    result.failures = done.failures;
    result.rows = done.rows;
  }

  Status RunHooks(const models_internal::CompileInputs& inputs, int self, std::string_view key, DuckDbConnection& db) {
    const TemplateValue* hooks = graph_.nodes[self].config.Find(key);
    if (hooks == nullptr || hooks->kind() != TemplateValue::Kind::kList) return OkStatus();
    for (const TemplateValue& hook : hooks->AsList()) {
      std::string text = hook.kind() == TemplateValue::Kind::kMap && hook.AsMap().Find("sql") != nullptr
                             ? hook.AsMap().Find("sql")->ToString()
                             : hook.ToString();
      WEIR_ASSIGN_OR_RETURN(std::string sql, models_internal::RenderForNode(inputs, self, text));
      Status status = db.Execute(sql);
      if (!status.ok()) return status.WithContext(std::string(key));
    }
    return OkStatus();
  }

  // target/compiled/<package>/<path>: for generic tests, under the schema
  // file's path, named after the test (as dbt writes them); so are
  // snapshots, several of which may share a file.
  Status WriteCompiled(const ModelNode& node, const std::string& sql) {
    std::string relative = node.original_file_path;
    if (node.generic_test || node.kind == ModelNodeKind::kSnapshot) relative += "/" + node.name + ".sql";
    std::string path = JoinPath(JoinPath(JoinPath(project_.root, project_.target_path), "compiled"),
                                JoinPath(node.package, relative));
    return fs_.WriteFileInPlace(path, sql);
  }

  void Finish(int position, int index, NodeResult result) {
    MutexLock lock(mu_);
    bool failed = result.status == "error" || result.status == "fail";
    bool skipped = result.status == "skipped";
    if (failed && options_.fail_fast) stopping_ = true;
    if (!skipped) listener_.NodeFinished(graph_.nodes[result.node], result, index, static_cast<int>(run_.size()));
    results_[position] = std::move(result);
    for (int dependent : plan_.dependents[position]) {
      if (failed || skipped) upstream_failed_[dependent] = true;
      if (--plan_.waiting[dependent] == 0) ready_.insert(dependent);
    }
    ++finished_;
    wake_.notify_all();
  }

  const DbtProject& project_;
  const ModelGraph& graph_;
  const Environment& env_;
  Filesystem& fs_;
  const ModelBuildOptions& options_;
  ModelBuildListener& listener_;
  bool Cancelled() const { return options_.cancel != nullptr && options_.cancel->cancelled(); }

  // The caller's connector when given (one DuckDB instance per file in the
  // process), else the build's own.
  DuckDbConnector& Connector() { return options_.connector != nullptr ? *options_.connector : own_connector_; }

  DuckDbConnector own_connector_;
  models_internal::RelationCache relations_;
  std::vector<int> run_;
  WaitGraph plan_;

  Mutex mu_;
  std::condition_variable wake_;
  std::set<int> ready_ WEIR_GUARDED_BY(mu_);
  std::vector<NodeResult> results_;
  std::vector<bool> upstream_failed_ WEIR_GUARDED_BY(mu_);
  size_t finished_ WEIR_GUARDED_BY(mu_) = 0;
  int started_ WEIR_GUARDED_BY(mu_) = 0;
  bool stopping_ WEIR_GUARDED_BY(mu_) = false;
  bool workers_done_ WEIR_GUARDED_BY(mu_) = false;
  std::vector<DuckDbConnection*> open_ WEIR_GUARDED_BY(mu_);  // the workers' connections, for interrupts
};

}  // namespace

void ModelBuildListener::Message(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

std::vector<int> NodesToRun(const ModelGraph& graph, const ModelBuildOptions& options) {
  std::vector<bool> selected(graph.nodes.size(), false);
  for (int n : options.selected) selected[n] = true;
  std::vector<int> out;
  for (int n : graph.order) {
    if (selected[n] && Handles(options.command, graph.nodes[n])) out.push_back(n);
  }
  return out;
}

Result<std::vector<NodeResult>> BuildModels(const DbtProject& project, const ModelGraph& graph,
                                            const Environment& env, Filesystem& fs,
                                            const ModelBuildOptions& options, ModelBuildListener& listener) {
  return Builder(project, graph, env, fs, options, listener).Run();
}

}  // namespace weir
