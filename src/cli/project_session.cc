#include "cli/project_session.h"

#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "common/text.h"
#include "models/models.h"

namespace weir::cli {

const PipelineGraph* LoadedProject::GraphOf(const std::string& pipeline) const {
  for (const auto& g : graphs) {
    if (g->pipeline().name == pipeline) return g.get();
  }
  return nullptr;
}

LoadedProject LoadAndCheck(const std::string& dir, const Filesystem& fs) {
  // An absolute root: tasks may change folder (cwd:), paths must not.
  std::string root = std::filesystem::absolute(dir).lexically_normal().string();
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  ProjectLoad load = LoadProject(root, fs);
  LoadedProject loaded{std::move(load.project), {}, std::move(load.errors)};
  for (const PipelineDef& p : loaded.project.pipelines) {
    loaded.graphs.push_back(std::make_unique<PipelineGraph>(PipelineGraph::Build(p, loaded.errors)));
  }
  ProcessEnvironment env;
  CheckWeirModels(loaded.project, fs, env, loaded.errors, loaded.warnings);
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

}  // namespace weir::cli
