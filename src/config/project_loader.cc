// Reads weir.yml and every pipeline file into a ProjectDef.
#include <filesystem>

#include "common/text.h"
#include "config/config.h"
#include "config/internal/fields.h"
#include "config/internal/pipeline_loader.h"
#include "config/internal/task_kinds.h"

namespace weir {
namespace {

using config_internal::MapFields;

const std::vector<std::string> kProjectKeys = {"name", "warehouse", "lake", "state", "connections", "pools", "vars"};

std::map<std::string, ConfigNode> ReadNamedMap(MapFields& fields, const std::string& key) {
  std::map<std::string, ConfigNode> out;
  const ConfigNode* node = fields.Get(key);
  if (node == nullptr) return out;
  if (!node->is_map()) {
    fields.Add(UserError("wrong-type", "'" + key + "' must be a mapping, got " + std::string(node->Describe()),
                         node->where()));
    return out;
  }
  for (const auto& [name, value] : node->entries()) out.emplace(name.scalar(), value);
  return out;
}

void ReadProjectFile(const ConfigNode& root, ProjectDef& project, std::vector<Status>& errors) {
  MapFields fields(root, "weir.yml", kProjectKeys, errors);
  if (!fields.is_map()) return;
  if (auto s = fields.String("name")) project.name = *s;
  if (auto s = fields.String("lake")) project.lake = *s;
  if (auto s = fields.String("state")) project.state_path = *s;
  if (const ConfigNode* w = fields.Get("warehouse")) project.warehouse = *w;
  project.connections = ReadNamedMap(fields, "connections");
  project.vars = ReadNamedMap(fields, "vars");
  for (const auto& [pool, size] : ReadNamedMap(fields, "pools")) {
    Result<int64_t> n = size.AsInt("pool '" + pool + "'");
    if (n.ok() && *n < 1) n = UserError("out-of-range", "pool '" + pool + "' needs at least 1 slot", size.where());
    fields.Add(n.status());
    if (n.ok()) project.pools[pool] = static_cast<int>(*n);
  }
}

std::string Relative(const std::string& path, const std::string& root) {
  return std::filesystem::path(path).lexically_relative(root).string();
}

void ReadPipelines(const Filesystem& fs, ProjectDef& project, std::vector<Status>& errors) {
  std::string dir = (std::filesystem::path(project.root) / "pipelines").string();
  std::map<std::string, SourceLocation> seen;
  for (const std::string& path : fs.ListFiles(dir, {".yml", ".yaml"})) {
    std::string shown = Relative(path, project.root);
    Result<std::string> text = fs.ReadFile(path);
    if (!text.ok()) {
      errors.push_back(text.status());
      continue;
    }
    YamlDocument doc = ParseYaml(*text, shown);
    errors.insert(errors.end(), doc.errors.begin(), doc.errors.end());
    bool unreadable = !doc.errors.empty() && doc.errors.front().code() == "yaml-syntax";
    if (unreadable) continue;  // one error for a file that does not parse
    std::optional<PipelineDef> pipeline = config_internal::ReadPipeline(doc.root, shown, errors);
    if (!pipeline) continue;
    auto [it, inserted] = seen.emplace(pipeline->name, pipeline->where);
    if (!inserted) {
      errors.push_back(UserError("duplicate-pipeline", "duplicate pipeline name '" + pipeline->name +
                                 "' (first defined at " + it->second.ToString() + ")", pipeline->where));
      continue;
    }
    project.pipelines.push_back(std::move(*pipeline));
  }
}

// A task's pool must be declared in weir.yml, with room for its slots.
void CheckPools(const ProjectDef& project, std::vector<Status>& errors) {
  std::vector<std::string> names;
  for (const auto& [name, size] : project.pools) names.push_back(name);
  for (const PipelineDef& p : project.pipelines) {
    for (const TaskDef& t : p.tasks) {
      if (t.pool.empty()) continue;
      const ConfigNode* where = t.param("pool");
      SourceLocation at = where != nullptr ? where->where() : t.where;
      auto it = project.pools.find(t.pool);
      if (it == project.pools.end()) {
        errors.push_back(UserError("unknown-pool", "task '" + t.id + "' uses pool '" + t.pool +
                                                       "', which weir.yml's 'pools:' does not declare" +
                                                       DidYouMean(t.pool, names), at));
      } else if (t.pool_slots > it->second) {
        errors.push_back(UserError("pool-too-small", "task '" + t.id + "' needs " + std::to_string(t.pool_slots) +
                                                         " slots of pool '" + t.pool + "', which has " +
                                                         std::to_string(it->second), at));
      }
    }
  }
}

}  // namespace

ProjectLoad LoadProject(const std::string& root, const Filesystem& fs) {
  ProjectLoad load;
  load.project.root = root;
  std::string project_file = (std::filesystem::path(root) / "weir.yml").string();
  Result<std::string> text = fs.ReadFile(project_file);
  if (!text.ok()) {
    load.errors.push_back(UserError("no-project", "no weir.yml in '" + root +
                                    "': run weir in a project folder, or create one with weir init",
                                    SourceLocation{"weir.yml"}));
    return load;
  }
  YamlDocument doc = ParseYaml(*text, "weir.yml");
  load.errors = doc.errors;
  if (load.errors.empty() || load.errors.front().code() != "yaml-syntax") {
    ReadProjectFile(doc.root, load.project, load.errors);
  }
  ReadPipelines(fs, load.project, load.errors);
  CheckPools(load.project, load.errors);
  return load;
}

std::vector<std::string> KnownTaskKinds() {
  std::vector<std::string> names;
  for (const auto& k : config_internal::TaskKinds()) names.push_back(k.kind);
  return names;
}

std::string TaskDef::group() const {
  size_t dot = id.rfind('.');
  return dot == std::string::npos ? "" : id.substr(0, dot);
}

const ConfigNode* TaskDef::param(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? nullptr : &it->second;
}

const TaskDef* PipelineDef::FindTask(const std::string& task_id) const {
  for (const TaskDef& t : tasks) {
    if (t.id == task_id) return &t;
  }
  return nullptr;
}

const PipelineDef* ProjectDef::FindPipeline(const std::string& pipeline_name) const {
  for (const PipelineDef& p : pipelines) {
    if (p.name == pipeline_name) return &p;
  }
  return nullptr;
}

std::string ProjectDef::Resolve(const std::string& path) const {
  std::filesystem::path p(path);
  return p.is_absolute() ? path : (std::filesystem::path(root) / p).lexically_normal().string();
}

}  // namespace weir
