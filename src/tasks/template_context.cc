#include <algorithm>
#include <filesystem>

#include "config/config_node.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/task_outputs.h"
#include "tasks/tasks.h"

namespace weir {
namespace {

TemplateValue FromConfig(const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return TemplateValue::None();
    case ConfigNode::Kind::kScalar: {
      if (!node.quoted()) {
        if (auto n = node.AsInt("value"); n.ok()) return TemplateValue::Int(*n);
        if (auto b = node.AsBool("value"); b.ok()) return TemplateValue::Bool(*b);
      }
      return TemplateValue::String(node.scalar());
    }
    case ConfigNode::Kind::kSequence: {
      TemplateValue::List items;
      for (const ConfigNode& item : node.items()) items.push_back(FromConfig(item));
      return TemplateValue::FromList(std::move(items));
    }
    case ConfigNode::Kind::kMap: {
      TemplateMap map;
      for (const auto& [k, v] : node.entries()) map.Set(k.scalar(), FromConfig(v));
      return TemplateValue::FromMap(std::move(map));
    }
  }
  return TemplateValue::None();
}

// JSON text as a template value; text that does not parse is kept as a string.
TemplateValue ParseJsonValue(const std::string& text) {
  return TemplateValueFromJson(text).value_or(TemplateValue::String(text));
}

// outputs['task'].field: the recorded outputs of this run's finished tasks
// (a mapped task's: the list of its instances' outputs).
TemplateValue Outputs(const TaskContext& context) {
  TemplateMap outputs;
  if (context.store == nullptr) return TemplateValue::FromMap(std::move(outputs));
  Result<std::map<std::string, std::string>> recorded = tasks_internal::RunOutputs(*context.store, context.run.id);
  if (!recorded.ok()) return TemplateValue::FromMap(std::move(outputs));
  for (const auto& [task_id, json] : *recorded) outputs.Set(task_id, ParseJsonValue(json));
  return TemplateValue::FromMap(std::move(outputs));
}

bool Mentions(const ConfigNode& node, std::string_view word) {
  if (node.is_scalar()) return node.scalar().find(word) != std::string::npos;
  for (const ConfigNode& item : node.items()) {
    if (Mentions(item, word)) return true;
  }
  for (const auto& [key, value] : node.entries()) {
    if (Mentions(value, word)) return true;
  }
  return false;
}

// A .sql file's text is not known here: such tasks always get outputs.
bool MentionsOutputs(const TaskDef& task) {
  for (const auto& [key, value] : task.params) {
    if (Mentions(value, "outputs") || Mentions(value, ".sql")) return true;
  }
  return false;
}

Result<std::string> StringArg(const TemplateCallArgs& args, const char* function) {
  if (args.positional.empty() || args.positional[0].kind() != TemplateValue::Kind::kString) {
    return UserError("template-argument", std::string(function) + "() needs a name as a string");
  }
  return args.positional[0].AsString();
}

// var(), env_var() and secret(): what every string of a project can call.
void AddProjectFunctions(TemplateContext& ctx, const ProjectDef& project, const TaskServices& services) {
  ctx.AddFunction("var", [&project](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(std::string name, StringArg(args, "var"));
    auto it = project.vars.find(name);
    if (it != project.vars.end()) return FromConfig(it->second);
    if (args.positional.size() > 1) return args.positional[1];
    return UserError("unknown-var", "var('" + name + "') is not set in weir.yml 'vars'");
  });
  ctx.AddFunction("env_var", [&services](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(std::string name, StringArg(args, "env_var"));
    if (auto value = services.environment.Get(name)) return TemplateValue::String(*value);
    if (args.positional.size() > 1) return args.positional[1];
    return UserError("unknown-env-var", "env_var('" + name + "'): the environment variable is not set");
  });
  std::string root = project.root;
  ctx.AddFunction(
      "secret",
      [root, &services](const TemplateCallArgs& args) -> Result<TemplateValue> {
        WEIR_ASSIGN_OR_RETURN(std::string name, StringArg(args, "secret"));
        WEIR_ASSIGN_OR_RETURN(std::string value, ReadSecret(name, root, services));
        return TemplateValue::String(std::move(value));
      },
      TemplateFunctionOptions{true});
}

}  // namespace

TemplateContext MakeProjectTemplateContext(const ProjectDef& project, const TaskServices& services) {
  TemplateContext ctx;
  ctx.Set("project_dir", TemplateValue::String(project.root));
  AddProjectFunctions(ctx, project, services);
  return ctx;
}

TemplateContext MakeTemplateContext(const TaskContext& context, const TaskServices& services) {
  TemplateContext ctx;
  const DataInterval& interval = context.interval;
  std::string ds_nodash = interval.ds;
  ds_nodash.erase(std::remove(ds_nodash.begin(), ds_nodash.end(), '-'), ds_nodash.end());
  ctx.Set("ds", TemplateValue::String(interval.ds));
  ctx.Set("ds_nodash", TemplateValue::String(ds_nodash));
  ctx.Set("data_interval_start", TemplateValue::String(interval.start_iso));
  ctx.Set("data_interval_end", TemplateValue::String(interval.end_iso));
  ctx.Set("run_id", TemplateValue::Int(context.run.id.value));
  ctx.Set("pipeline", TemplateValue::String(context.pipeline.name));
  ctx.Set("task_id", TemplateValue::String(context.task.id));
  ctx.Set("attempt", TemplateValue::Int(context.attempt));
  ctx.Set("lake", TemplateValue::String(tasks_internal::LakeTemplateValue(context.project)));
  ctx.Set("project_dir", TemplateValue::String(context.project.root));
  ctx.Set("params", ParseJsonValue(context.run.params_json.empty() ? "{}" : context.run.params_json));
  // Reading every upstream output costs a state query per attempt; only
  // tasks that mention `outputs` pay it (a thousand-task DAG otherwise
  // spends its time here).
  if (MentionsOutputs(context.task)) ctx.Set("outputs", Outputs(context));
  if (context.map_index) {  // an instance of a mapped task
    ctx.Set("map_index", TemplateValue::Int(*context.map_index));
    ctx.Set("item", ParseJsonValue(context.map_item_json));
  }
  AddProjectFunctions(ctx, context.project, services);
  return ctx;
}

Result<std::string> ReadSecret(const std::string& name, const std::string& project_root,
                               const TaskServices& services) {
  std::string variable = "WEIR_SECRET_" + name;
  std::transform(variable.begin(), variable.end(), variable.begin(), [](unsigned char c) {
    return std::isalnum(c) ? std::toupper(c) : '_';
  });
  if (auto value = services.environment.Get(variable)) return *value;
  std::string path = (std::filesystem::path(project_root) / ".weir" / "secrets.yml").string();
  if (!services.files.Exists(path)) {
    return UserError("unknown-secret", "secret '" + name + "' is not set: export " + variable +
                                           " or add it to .weir/secrets.yml");
  }
  std::error_code ec;
  namespace fs = std::filesystem;
  fs::perms mode = fs::status(path, ec).permissions();
  if (!ec && (mode & (fs::perms::group_all | fs::perms::others_all)) != fs::perms::none) {
    return UserError("secrets-file-mode", "refusing to read .weir/secrets.yml: other users can read it; "
                                          "run chmod 600 .weir/secrets.yml", SourceLocation{path});
  }
  WEIR_ASSIGN_OR_RETURN(std::string text, services.files.ReadFile(path));
  YamlDocument doc = ParseYaml(text, ".weir/secrets.yml");
  if (!doc.errors.empty()) return doc.errors.front();
  const ConfigNode* value = doc.root.is_map() ? doc.root.Find(name) : nullptr;
  if (value == nullptr || !value->is_scalar()) {
    return UserError("unknown-secret", "secret '" + name + "' is not set: export " + variable +
                                           " or add it to .weir/secrets.yml");
  }
  return value->scalar();
}

}  // namespace weir
