#include "cli/project_session.h"

#include <cstdio>
#include <filesystem>

#include "cli/check_files.h"
#include "cli/commands.h"
#include "common/text.h"
#include "models/models.h"
#include "quality/quality.h"

namespace weir::cli {

const PipelineGraph* LoadedProject::GraphOf(const std::string& pipeline) const {
  for (const auto& g : graphs) {
    if (g->pipeline().name == pipeline) return g.get();
  }
  return nullptr;
}

namespace {

bool HasTemplate(const ConfigNode& node) {
  if (node.is_scalar()) return node.scalar().find("{{") != std::string::npos || node.scalar().find("{%") != std::string::npos;
  for (const ConfigNode& item : node.items()) {
    if (HasTemplate(item)) return true;
  }
  for (const auto& [key, value] : node.entries()) {
    if (HasTemplate(value)) return true;
  }
  return false;
}

// Check tasks' lists parse now as they will at run time (a templated list
// only then, when its values are known).
void CheckCheckTasks(const ProjectDef& project, std::vector<Status>& errors) {
  for (const PipelineDef& pipeline : project.pipelines) {
    for (const TaskDef& task : pipeline.tasks) {
      const ConfigNode* checks = nullptr;
      if (task.kind.value == "check") {
        int targets = (task.param("table") != nullptr) + (task.param("path") != nullptr) +
                      (task.param("query") != nullptr);
        if (targets != 1) {
          errors.push_back(UserError("bad-check-target", "a check task needs exactly one of 'table', 'path' or "
                                                         "'query' to run on", task.where));
        }
        checks = task.param("checks");
      } else if (const ConfigNode* quarantine = task.kind.value == "load" ? task.param("quarantine") : nullptr) {
        checks = quarantine->is_map() ? quarantine->Find("checks") : nullptr;
      }
      if (checks == nullptr || HasTemplate(*checks)) continue;
      Result<std::vector<CheckSpec>> specs = ParseCheckList(*checks);
      if (!specs.ok()) {
        errors.push_back(specs.status());
        continue;
      }
      for (const CheckSpec& spec : *specs) {
        if (task.kind.value != "load") break;
        if (Result<std::string> p = RowFailurePredicate(spec); !p.ok()) errors.push_back(p.status());
      }
    }
  }
}

}  // namespace

LoadedProject LoadAndCheck(const std::string& dir, const Filesystem& fs) {
  // An absolute root: tasks may change folder (cwd:), paths must not. The
  // form with an error code: the current folder may have been removed.
  std::error_code ec;
  std::string root = std::filesystem::absolute(dir, ec).lexically_normal().string();
  if (ec) {
    LoadedProject unreadable;
    unreadable.errors.push_back(UserError("project-folder", "cannot find the project folder '" + dir + "': " +
                                                                ec.message() + " (was the current folder removed?)"));
    return unreadable;
  }
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  ProjectLoad load = LoadProject(root, fs);
  LoadedProject loaded{std::move(load.project), {}, std::move(load.errors)};
  for (const PipelineDef& p : loaded.project.pipelines) {
    loaded.graphs.push_back(std::make_unique<PipelineGraph>(PipelineGraph::Build(p, loaded.errors)));
  }
  ProcessEnvironment env;
  CheckWeirModels(loaded.project, fs, env, loaded.errors, loaded.warnings);
  CheckCheckTasks(loaded.project, loaded.errors);
  CheckCheckFiles(loaded.project, loaded.errors);
  return loaded;
}

std::unique_ptr<LoadedProject> LoadValidProject(const std::string& dir) {
  LocalFilesystem fs;
  auto loaded = std::make_unique<LoadedProject>(LoadAndCheck(dir, fs));
  if (loaded->errors.empty()) return loaded;
  PrintErrors(loaded->errors);
  return nullptr;
}

void PrintErrors(const std::vector<Status>& errors) {
  for (const Status& s : errors) std::fprintf(stderr, "%s\n", s.ToString().c_str());
}

void PrintWarnings(const std::vector<Status>& warnings) {
  for (const Status& w : warnings) {
    std::string where = w.where().ToString();
    std::fprintf(stderr, "%s%swarning[%s]: %s\n", where.c_str(), where.empty() ? "" : ": ", w.code().c_str(),
                 w.message().c_str());
  }
}

int UsageError(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "weir %s: %s\n", command.c_str(), message.c_str());
  return kExitUsage;
}

const PipelineGraph* FindPipelineOrComplain(const LoadedProject& loaded, const std::string& name) {
  if (const PipelineGraph* g = loaded.GraphOf(name)) return g;
  std::vector<std::string> names;
  for (const PipelineDef& p : loaded.project.pipelines) names.push_back(p.name);
  std::fprintf(stderr, "weir: no pipeline named '%s'%s (pipelines: %s)\n", name.c_str(),
               DidYouMean(name, names).c_str(), names.empty() ? "none" : QuotedList(names).c_str());
  return nullptr;
}

Result<std::unique_ptr<StateStore>> OpenState(const ProjectDef& project) {
  return OpenSqliteStateStore(project.Resolve(project.state_path));
}

std::unique_ptr<PipelineState> OpenPipelineState(const std::string& command, const std::string& dir,
                                                 const std::string& pipeline) {
  auto opened = std::make_unique<PipelineState>();
  opened->loaded = LoadValidProject(dir);
  if (opened->loaded == nullptr) return nullptr;
  opened->graph = FindPipelineOrComplain(*opened->loaded, pipeline);
  if (opened->graph == nullptr) return nullptr;
  Result<std::unique_ptr<StateStore>> store = OpenState(opened->loaded->project);
  if (!store.ok()) {
    UsageError(command, store.status().ToString());
    return nullptr;
  }
  opened->store = std::move(*store);
  return opened;
}

DuckDbOptions WarehouseDuckDbOptions(const ProjectDef& project) {
  DuckDbOptions options;
  const ConfigNode* limit = project.warehouse.is_map() ? project.warehouse.Find("memory_limit") : nullptr;
  if (limit != nullptr && limit->is_scalar()) options.memory_limit = limit->scalar();
  return options;
}

Result<std::string> DuckDbFileOf(const ProjectDef& project, const std::string& connection) {
  const ConfigNode* node = &project.warehouse;
  std::string what = "warehouse";
  if (!connection.empty()) {
    auto it = project.connections.find(connection);
    if (it == project.connections.end()) return UserError("unknown-connection", "no connection named '" + connection + "'");
    node = &it->second;
    what = "connection '" + connection + "'";
  }
  std::string type = "duckdb", path = connection.empty() ? "warehouse.duckdb" : "";
  if (node->is_map()) {
    if (const ConfigNode* t = node->Find("type"); t && t->is_scalar()) type = t->scalar();
    if (const ConfigNode* p = node->Find("path"); p && p->is_scalar()) path = p->scalar();
  }
  if (type != "duckdb") return UserError("not-available", what + " is of type '" + type + "'; only DuckDB is read today (Postgres: issue 8)");
  if (path.empty()) return UserError("missing-key", what + " needs 'path'");
  return project.Resolve(path);
}

}  // namespace weir::cli
