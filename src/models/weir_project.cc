// A Weir project's models: weir.yml stands in for dbt_project.yml and
// profiles.yml (docs/models.md, "Models in a Weir project"), and the
// resource files are found as a dbt project's are (ReadResources).
#include <filesystem>
#include <set>

#include "common/text.h"
#include "models/internal/load_context.h"
#include "models/internal/loader.h"
#include "models/models.h"

namespace weir {
namespace {

using models_internal::JoinPath;

// Models built at once when weir.yml's warehouse does not say (`threads:`).
constexpr int kDefaultThreads = 4;

std::string ScalarOr(const ConfigNode& map, std::string_view key, std::string fallback) {
  const ConfigNode* value = map.is_map() ? map.Find(key) : nullptr;
  return value != nullptr && value->is_scalar() ? value->scalar() : fallback;
}

// The project's warehouse as a dbt target: the same DuckDB file the tasks
// and `weir query` use, schema main.
Result<DbtTarget> WarehouseTarget(const ProjectDef& project) {
  const ConfigNode& warehouse = project.warehouse;
  std::string type = ScalarOr(warehouse, "type", "duckdb");
  if (type != "duckdb") {
    return UserError("warehouse-not-available", "models are built in a DuckDB warehouse (weir.yml 'warehouse: {type: "
                                                "duckdb}'); warehouse type '" + type + "' is not available yet",
                     warehouse.where());
  }
  DbtTarget target;
  target.profile_name = project.name;
  target.name = "warehouse";
  target.type = "duckdb";
  target.path = project.Resolve(ScalarOr(warehouse, "path", "warehouse.duckdb"));
  target.database = std::filesystem::path(target.path).stem().string();
  target.threads = kDefaultThreads;
  if (const ConfigNode* threads = warehouse.is_map() ? warehouse.Find("threads") : nullptr) {
    Result<int64_t> n = threads->AsInt("'threads'");
    if (n.ok() && *n < 1) n = UserError("out-of-range", "'threads' must be at least 1", threads->where());
    WEIR_TRY(n.status());
    target.threads = static_cast<int>(*n);
  }
  target.profiles_file = "weir.yml";
  target.fields.Set("type", TemplateValue::String(target.type));
  target.fields.Set("path", TemplateValue::String(target.path));
  target.fields.Set("name", TemplateValue::String(target.name));
  target.fields.Set("profile_name", TemplateValue::String(target.profile_name));
  target.fields.Set("schema", TemplateValue::String(target.schema));
  target.fields.Set("database", TemplateValue::String(target.database));
  target.fields.Set("threads", TemplateValue::Int(target.threads));
  return target;
}

// weir.yml's trees name folders from models/ (there is one package): the
// nodes' fqn starts with the project's name, so the folders go under it.
DbtConfigTree ProjectTree(const ConfigNode& node, const std::string& name, const TemplateContext& context,
                          std::vector<Status>& errors) {
  DbtConfigTree tree;
  if (!node.is_map()) return tree;  // config has said what is wrong with it
  DbtConfigTree written = models_internal::ReadConfigTree(node, context, errors);
  tree.config = std::move(written.config);
  tree.children[name].children = std::move(written.children);
  return tree;
}

std::string ModelName(const DbtFile& file) { return std::filesystem::path(file.resource_path).stem().string(); }

// The models of `project` with a models task's `vars:` as written (its
// templates unrendered: parsing does not run SQL).
TemplateMap VarsAsWritten(const TaskDef& task) {
  const ConfigNode* vars = task.param("vars");
  if (vars == nullptr || !vars->is_map()) return {};
  return ToTemplateValue(*vars).AsMap();
}

std::vector<std::string> SelectorsAsWritten(const TaskDef& task, const std::string& key) {
  const ConfigNode* node = task.param(key);
  if (node == nullptr) return {};
  Result<std::vector<std::string>> list = node->AsStringList("'" + key + "'");
  return list.ok() ? *list : std::vector<std::string>{};
}

bool AnyTemplate(const std::vector<std::string>& texts) {
  for (const std::string& text : texts) {
    if (HasTemplateSyntax(text)) return true;
  }
  return false;
}

// Errors already reported (for the project, or another models task's
// parse) are reported once.
void AddOnce(Status status, std::set<std::string>& seen, std::vector<Status>& out) {
  if (seen.insert(status.ToString()).second) out.push_back(std::move(status));
}

void CheckNameClashes(const ProjectDef& project, const DbtProject& models, std::vector<Status>& errors) {
  for (const DbtFile& file : models.models) {
    std::string name = ModelName(file);
    const PipelineDef* pipeline = project.FindPipeline(name);
    if (pipeline == nullptr) continue;
    errors.push_back(UserError("pipeline-model-clash", "pipeline '" + name + "' (" + pipeline->file +
                                                           ") has the name of model '" + name + "' (" +
                                                           file.relative_path + "): `weir run " + name +
                                                           "` must mean one of them; rename one",
                               pipeline->where));
  }
}

// A models task's selection must parse, and should match something.
void CheckModelsTask(const ProjectDef& project, const TaskDef& task, const Filesystem& fs, const Environment& env,
                     std::set<std::string>& seen, std::vector<Status>& errors, std::vector<Status>& warnings) {
  std::vector<Status> found;
  Result<DbtProject> models = LoadWeirModels(project, VarsAsWritten(task), fs, env, found);
  if (!models.ok()) found.push_back(models.status());
  ModelGraph graph;
  if (models.ok()) graph = ParseModels(*models, env, found);
  for (Status& e : found) AddOnce(std::move(e), seen, errors);
  std::vector<std::string> select = SelectorsAsWritten(task, "select");
  std::vector<std::string> exclude = SelectorsAsWritten(task, "exclude");
  if (!models.ok() || AnyTemplate(select) || AnyTemplate(exclude)) return;  // known when it runs
  const ConfigNode* select_node = task.param("select");
  SourceLocation at = select_node != nullptr ? select_node->where() : task.where;
  Result<ModelSelection> selection = SelectModels(graph, select, exclude);
  if (!selection.ok()) {
    errors.push_back(selection.status().WithContext("task '" + task.id + "'").At(at));
    return;
  }
  for (const std::string& warning : selection->warnings) {
    warnings.push_back(UserError("selector-matches-nothing", "task '" + task.id + "': " + warning, at));
  }
  if (selection->nodes.empty() && selection->warnings.empty()) {
    warnings.push_back(UserError("selector-matches-nothing", "task '" + task.id + "' selects no node", at));
  }
}

}  // namespace

bool HasWeirModels(const Filesystem& fs, const std::string& dir) {
  return fs.Exists(JoinPath(dir, "weir.yml")) && !fs.Exists(JoinPath(dir, "dbt_project.yml")) &&
         fs.IsDirectory(JoinPath(dir, "models"));
}

Result<DbtProject> LoadWeirModels(const ProjectDef& project, const TemplateMap& vars, const Filesystem& fs,
                                  const Environment& env, std::vector<Status>& errors) {
  DbtProject models;
  models.root = project.root;
  models.name = project.name;
  if (models.name.empty()) {
    return UserError("missing-key", "weir.yml needs 'name' to build models: it is the package of every model "
                                    "(model.<name>.<model>)", SourceLocation{"weir.yml", 1, 1});
  }
  models.profile_name = project.name;
  models.cli_vars = vars;
  for (const auto& [name, value] : project.vars) models.vars.Set(name, ToTemplateValue(value));
  for (const auto& [name, value] : vars) models.vars.Set(name, value);
  TemplateContext context;
  context.AddFunction("env_var", models_internal::EnvVarFunction(env), {.secret = true});
  context.AddFunction("var", models_internal::VarFunction(models.vars));
  models.model_config = ProjectTree(project.model_config, models.name, context, errors);
  models.seed_config = ProjectTree(project.seed_config, models.name, context, errors);
  WEIR_ASSIGN_OR_RETURN(models.target, WarehouseTarget(project));
  models_internal::ReadResources(fs, models, errors);
  return models;
}

void CheckWeirModels(const ProjectDef& project, const Filesystem& fs, const Environment& env,
                     std::vector<Status>& errors, std::vector<Status>& warnings) {
  if (!fs.Exists(project.Resolve("weir.yml"))) return;  // not a Weir project: nothing of its models to check
  std::vector<const TaskDef*> tasks;
  for (const PipelineDef& pipeline : project.pipelines) {
    for (const TaskDef& task : pipeline.tasks) {
      if (task.kind.value == "models") tasks.push_back(&task);
    }
  }
  bool has_models = fs.IsDirectory(project.Resolve("models"));
  if (!has_models) {
    for (const TaskDef* task : tasks) {
      errors.push_back(UserError("no-models", "task '" + task->id + "' builds models, but the project has no "
                                              "models/ folder beside pipelines/", task->kind.where));
    }
    return;
  }
  std::set<std::string> seen;
  std::vector<Status> found;
  Result<DbtProject> models = LoadWeirModels(project, {}, fs, env, found);
  if (!models.ok()) found.push_back(models.status());
  for (Status& e : found) AddOnce(std::move(e), seen, errors);
  if (models.ok()) CheckNameClashes(project, *models, errors);
  for (const TaskDef* task : tasks) CheckModelsTask(project, *task, fs, env, seen, errors, warnings);
}

Result<TemplateMap> RenderModelVars(const ConfigNode& vars, const TemplateContext& context) {
  if (vars.is_null()) return TemplateMap();
  if (!vars.is_map()) {
    return UserError("wrong-type", "'vars' must be a mapping, got " + std::string(vars.Describe()), vars.where());
  }
  std::vector<Status> errors;
  TemplateValue rendered = models_internal::RenderYamlValue(vars, context, errors);
  if (!errors.empty()) return errors.front();
  return rendered.AsMap();
}

}  // namespace weir
