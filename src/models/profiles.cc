// profiles.yml: where dbt looks for it, and the target a build writes to.
#include <filesystem>

#include "common/text.h"
#include "models/internal/load_context.h"
#include "models/internal/loader.h"

namespace weir::models_internal {
namespace {

// dbt's order: --profiles-dir, DBT_PROFILES_DIR, the project folder, ~/.dbt.
std::vector<std::string> ProfileDirs(const DbtProjectOptions& options, const Environment& env) {
  if (options.profiles_dir) return {*options.profiles_dir};
  if (std::optional<std::string> dir = env.Get("DBT_PROFILES_DIR")) return {*dir};
  std::vector<std::string> dirs{options.project_dir};
  if (std::optional<std::string> home = env.Get("HOME")) dirs.push_back(JoinPath(*home, ".dbt"));
  return dirs;
}

std::string StringField(const TemplateValue* value) {
  if (value == nullptr || value->is_none()) return "";
  return value->ToString();
}

// The catalog DuckDB gives a database file: its name without extension.
std::string CatalogName(const std::string& path) {
  if (path.empty() || path == ":memory:") return "memory";
  return std::filesystem::path(path).stem().string();
}

Result<DbtTarget> ReadTarget(const TemplateMap& output, DbtTarget target, const std::string& project_dir,
                             const SourceLocation& where) {
  target.type = StringField(output.Find("type"));
  if (target.type != "duckdb") {
    std::string type = target.type.empty() ? "no type" : "type '" + target.type + "'";
    return UserError("unsupported-adapter",
                     "target '" + target.name + "' has " + type +
                         ": weir builds dbt projects on DuckDB (type: duckdb); the Postgres adapter is not built yet",
                     where);
  }
  target.path = StringField(output.Find("path"));
  if (target.path.empty()) target.path = ":memory:";
  target.database = CatalogName(target.path);
  // Relative to the project folder (dbt-duckdb: the working directory,
  // which is the project folder when dbt runs there).
  if (target.path != ":memory:" && target.path[0] != '/' && target.path.find("://") == std::string::npos &&
      project_dir != ".") {
    target.path = JoinPath(project_dir, target.path);
  }
  if (std::string schema = StringField(output.Find("schema")); !schema.empty()) target.schema = schema;
  if (std::string database = StringField(output.Find("database")); !database.empty()) target.database = database;
  if (const TemplateValue* threads = output.Find("threads")) {
    if (threads->kind() == TemplateValue::Kind::kInt && threads->AsInt() > 0) {
      target.threads = static_cast<int>(threads->AsInt());
    } else {
      return UserError("bad-value", "'threads' must be a positive whole number, got " + threads->Repr(), where);
    }
  }
  target.fields = output;
  target.fields.Set("name", TemplateValue::String(target.name));
  target.fields.Set("profile_name", TemplateValue::String(target.profile_name));
  target.fields.Set("schema", TemplateValue::String(target.schema));
  target.fields.Set("database", TemplateValue::String(target.database));
  target.fields.Set("threads", TemplateValue::Int(target.threads));
  return target;
}

}  // namespace

Result<DbtTarget> LoadTarget(const DbtProjectOptions& options, const std::string& profile_name, const Filesystem& fs,
                             const Environment& env, std::vector<Status>& errors) {
  std::vector<std::string> dirs = ProfileDirs(options, env);
  std::string file;
  for (const std::string& dir : dirs) {
    if (fs.Exists(JoinPath(dir, "profiles.yml"))) {
      file = JoinPath(dir, "profiles.yml");
      break;
    }
  }
  if (file.empty()) {
    return UserError("profiles-missing", "no profiles.yml found in " + QuotedList(dirs) +
                                             " (dbt's order: --profiles-dir, DBT_PROFILES_DIR, the project, ~/.dbt)");
  }
  WEIR_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(file));
  YamlDocument doc = ParseYaml(text, file);
  for (Status& e : doc.errors) errors.push_back(std::move(e));
  std::string chosen = options.profile.value_or(profile_name);
  if (chosen.empty()) {
    return UserError("missing-key", "dbt_project.yml needs 'profile' (or pass --profile)",
                     SourceLocation{"dbt_project.yml"});
  }
  const ConfigNode* profile = doc.root.is_map() ? doc.root.Find(chosen) : nullptr;
  if (profile == nullptr || !profile->is_map()) {
    std::vector<std::string> names;
    if (doc.root.is_map()) {
      for (const auto& [key, value] : doc.root.entries()) {
        if (key.scalar() != "config") names.push_back(key.scalar());
      }
    }
    return UserError("profile-missing", "profile '" + chosen + "' is not in " + file + DidYouMean(chosen, names),
                     SourceLocation{file});
  }
  TemplateContext context;
  context.AddFunction("env_var", EnvVarFunction(env), {.secret = true});
  const ConfigNode* outputs = profile->Find("outputs");
  const ConfigNode* default_target = profile->Find("target");
  std::string target_name = options.target.value_or(default_target != nullptr ? default_target->scalar() : "");
  if (default_target != nullptr && !options.target && HasTemplateSyntax(target_name)) {
    target_name = RenderYamlValue(*default_target, context, errors).ToString();
  }
  const ConfigNode* output = outputs != nullptr && outputs->is_map() ? outputs->Find(target_name) : nullptr;
  if (output == nullptr || !output->is_map()) {
    std::vector<std::string> names;
    if (outputs != nullptr) {
      for (const auto& [key, value] : outputs->entries()) names.push_back(key.scalar());
    }
    return UserError("target-missing",
                     "profile '" + chosen + "' has no target '" + target_name + "'" + DidYouMean(target_name, names),
                     profile->where());
  }
  DbtTarget target;
  target.profile_name = chosen;
  target.name = target_name;
  target.profiles_file = file;
  TemplateValue rendered = RenderYamlValue(*output, context, errors);
  return ReadTarget(rendered.AsMap(), std::move(target), options.project_dir, output->where());
}

}  // namespace weir::models_internal
