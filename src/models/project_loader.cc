// dbt_project.yml and the walk over the project's resource folders.
#include <algorithm>

#include "common/text.h"
#include "config/config_node.h"
#include "models/internal/load_context.h"
#include "models/internal/loader.h"

namespace weir {
namespace {

using models_internal::JoinPath;

const std::vector<std::string> kProjectKeys = {
    "name", "version", "config-version", "profile", "model-paths", "source-paths", "seed-paths", "data-paths",
    "test-paths", "analysis-paths", "macro-paths", "snapshot-paths", "docs-paths", "asset-paths", "target-path",
    "log-path", "packages-install-path", "clean-targets", "query-comment", "require-dbt-version", "quoting",
    "on-run-start", "on-run-end", "models", "seeds", "snapshots", "sources", "tests", "data_tests", "vars",
    "dispatch", "flags", "restrict-access", "semantic-models", "saved-queries", "metrics", "exposures",
    "unit_tests", "analyses"};

std::vector<std::string> StringList(const ConfigNode& node, std::string_view what, std::vector<Status>& errors) {
  Result<std::vector<std::string>> list = node.AsStringList(what);
  if (!list.ok()) {
    errors.push_back(list.status());
    return {};
  }
  return *list;
}

// Project vars: top-level ones, then those scoped to this package (dbt lets
// `vars: {my_project: {x: 1}}` set x for my_project's nodes only).
void ReadVars(const TemplateValue& vars, DbtProject& project) {
  if (vars.kind() != TemplateValue::Kind::kMap) return;
  for (const auto& [key, value] : vars.AsMap()) {
    if (key == project.name && value.kind() == TemplateValue::Kind::kMap) continue;
    project.vars.Set(key, value);
  }
  if (const TemplateValue* scoped = vars.AsMap().Find(project.name)) {
    if (scoped->kind() == TemplateValue::Kind::kMap) {
      for (const auto& [key, value] : scoped->AsMap()) project.vars.Set(key, value);
    }
  }
  for (const auto& [key, value] : project.cli_vars) project.vars.Set(key, value);
}

void ReadDispatch(const ConfigNode& node, DbtProject& project, std::vector<Status>& errors) {
  if (!node.is_sequence()) {
    errors.push_back(UserError("wrong-type", "'dispatch' must be a list of {macro_namespace, search_order}",
                               node.where()));
    return;
  }
  for (const ConfigNode& entry : node.items()) {
    const ConfigNode* ns = entry.Find("macro_namespace");
    const ConfigNode* order = entry.Find("search_order");
    if (ns == nullptr || order == nullptr) {
      errors.push_back(UserError("missing-key", "a 'dispatch' entry needs macro_namespace and search_order",
                                 entry.where()));
      continue;
    }
    project.dispatch[ns->scalar()] = StringList(*order, "'search_order'", errors);
  }
}

std::vector<std::string> Hooks(const ConfigNode& node, std::vector<Status>& errors) {
  return StringList(node, "hooks", errors);
}

void ReadProjectKeys(const ConfigNode& root, const TemplateContext& context, DbtProject& project,
                     std::vector<Status>& errors) {
  auto text = [&](const ConfigNode& node) { return models_internal::RenderYamlValue(node, context, errors); };
  for (const auto& [key_node, value] : root.entries()) {
    const std::string& key = key_node.scalar();
    if (std::find(kProjectKeys.begin(), kProjectKeys.end(), key) == kProjectKeys.end()) {
      errors.push_back(UserError("unknown-key", "dbt_project.yml has no key '" + key + "'" +
                                                    DidYouMean(key, kProjectKeys), key_node.where()));
    } else if (key == "name") {
      project.name = text(value).ToString();
    } else if (key == "version") {
      project.version = text(value).ToString();
    } else if (key == "profile") {
      project.profile_name = text(value).ToString();
    } else if (key == "model-paths" || key == "source-paths") {
      project.model_paths = StringList(value, "'" + key + "'", errors);
    } else if (key == "seed-paths" || key == "data-paths") {
      project.seed_paths = StringList(value, "'" + key + "'", errors);
    } else if (key == "macro-paths") {
      project.macro_paths = StringList(value, "'macro-paths'", errors);
    } else if (key == "test-paths") {
      project.test_paths = StringList(value, "'test-paths'", errors);
    } else if (key == "snapshot-paths") {
      project.snapshot_paths = StringList(value, "'snapshot-paths'", errors);
    } else if (key == "analysis-paths") {
      project.analysis_paths = StringList(value, "'analysis-paths'", errors);
    } else if (key == "target-path") {
      project.target_path = text(value).ToString();
    } else if (key == "on-run-start") {
      project.on_run_start = Hooks(value, errors);
    } else if (key == "on-run-end") {
      project.on_run_end = Hooks(value, errors);
    } else if (key == "dispatch") {
      ReadDispatch(value, project, errors);
    }
  }
}

// The config trees and vars need the project's name, so they come second.
void ReadProjectTrees(const ConfigNode& root, const TemplateContext& context, DbtProject& project,
                      std::vector<Status>& errors) {
  using models_internal::ReadConfigTree;
  for (const auto& [key_node, value] : root.entries()) {
    const std::string& key = key_node.scalar();
    if (key == "models") project.model_config = ReadConfigTree(value, context, errors);
    if (key == "seeds") project.seed_config = ReadConfigTree(value, context, errors);
    if (key == "snapshots") project.snapshot_config = ReadConfigTree(value, context, errors);
    if (key == "sources") project.source_config = ReadConfigTree(value, context, errors);
    if (key == "tests" || key == "data_tests") project.test_config = ReadConfigTree(value, context, errors);
    if (key == "vars") ReadVars(models_internal::RenderYamlValue(value, context, errors), project);
  }
  if (root.Find("vars") == nullptr) ReadVars(TemplateValue::FromMap({}), project);
}

}  // namespace

namespace models_internal {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Every file under `folder` (relative to the root) whose name ends with one
// of `suffixes`, depth first in name order.
void Walk(const Filesystem& fs, const std::string& root, const std::string& folder, const std::string& sub,
          const std::vector<std::string>& suffixes, std::vector<DbtFile>& out, std::vector<Status>& errors) {
  std::string dir = JoinPath(JoinPath(root, folder), sub);
  for (const std::string& path : fs.ListFiles(dir, suffixes)) {
    DbtFile file;
    std::string name = path.substr(path.find_last_of('/') + 1);
    file.path = path;
    file.resource_path = JoinPath(sub, name);
    file.relative_path = JoinPath(folder, file.resource_path);
    Result<std::string> text = fs.ReadFile(path);
    if (!text.ok()) {
      errors.push_back(text.status());
      continue;
    }
    file.text = std::move(*text);
    out.push_back(std::move(file));
  }
  for (const std::string& child : fs.ListDirectories(dir)) {
    Walk(fs, root, folder, JoinPath(sub, child.substr(child.find_last_of('/') + 1)), suffixes, out, errors);
  }
}

std::vector<DbtFile> WalkAll(const Filesystem& fs, const DbtProject& project, const std::vector<std::string>& folders,
                             const std::vector<std::string>& suffixes, std::vector<Status>& errors) {
  std::vector<DbtFile> out;
  for (const std::string& folder : folders) Walk(fs, project.root, folder, "", suffixes, out, errors);
  return out;
}

}  // namespace

void ReadResources(const Filesystem& fs, DbtProject& project, std::vector<Status>& errors) {
  for (DbtFile& file : WalkAll(fs, project, project.model_paths, {".sql", ".py"}, errors)) {
    if (EndsWith(file.path, ".py")) {
      errors.push_back(UserError("python-model", "Python models are not supported: write this model in SQL",
                                 SourceLocation{file.relative_path}));
      continue;
    }
    project.models.push_back(std::move(file));
  }
  project.seeds = WalkAll(fs, project, project.seed_paths, {".csv"}, errors);
  project.macros = WalkAll(fs, project, project.macro_paths, {".sql"}, errors);
  for (DbtFile& file : WalkAll(fs, project, project.test_paths, {".sql"}, errors)) {
    // tests/generic/*.sql hold {% test %} blocks: dbt reads them as macros.
    bool generic = file.resource_path.rfind("generic/", 0) == 0;
    (generic ? project.macros : project.singular_tests).push_back(std::move(file));
  }
  project.snapshots = WalkAll(fs, project, project.snapshot_paths, {".sql"}, errors);
  project.analyses = WalkAll(fs, project, project.analysis_paths, {".sql"}, errors);
  std::vector<std::string> yaml_folders = project.model_paths;
  for (const auto* paths : {&project.seed_paths, &project.snapshot_paths, &project.analysis_paths,
                            &project.macro_paths, &project.test_paths}) {
    yaml_folders.insert(yaml_folders.end(), paths->begin(), paths->end());
  }
  for (const DbtFile& file : WalkAll(fs, project, yaml_folders, {".yml", ".yaml"}, errors)) {
    models_internal::ReadSchemaFile(file, project, errors);
  }
  for (const DbtFile& file : WalkAll(fs, project, project.model_paths, {".md"}, errors)) {
    project.docs_files[file.relative_path] = file.text;
  }
}

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (name.empty() || name == ".") return dir;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

}  // namespace models_internal

Result<TemplateMap> ParseVarsOption(const std::string& yaml) {
  if (yaml.empty()) return TemplateMap();
  YamlDocument doc = ParseYaml(yaml, "--vars");
  if (!doc.errors.empty()) return doc.errors.front();
  if (doc.root.is_null()) return TemplateMap();
  if (!doc.root.is_map()) return UserError("bad-vars", "--vars must be a YAML or JSON mapping, such as '{key: value}'");
  return ToTemplateValue(doc.root).AsMap();
}

bool IsDbtProject(const Filesystem& fs, const std::string& dir) {
  return fs.Exists(JoinPath(dir, "dbt_project.yml"));
}

Result<DbtProject> LoadDbtProject(const DbtProjectOptions& options, const Filesystem& fs, const Environment& env,
                                  std::vector<Status>& errors) {
  std::string file = JoinPath(options.project_dir, "dbt_project.yml");
  if (!fs.Exists(file)) {
    return UserError("not-a-dbt-project", "no dbt_project.yml in '" + options.project_dir + "'");
  }
  WEIR_ASSIGN_OR_RETURN(std::string text, fs.ReadFile(file));
  YamlDocument doc = ParseYaml(text, "dbt_project.yml");
  for (Status& e : doc.errors) errors.push_back(std::move(e));
  if (!doc.root.is_map()) return UserError("bad-project", "dbt_project.yml must be a mapping", SourceLocation{file});
  DbtProject project;
  project.root = options.project_dir;
  WEIR_ASSIGN_OR_RETURN(project.cli_vars, ParseVarsOption(options.vars_yaml));
  TemplateContext context;
  context.AddFunction("env_var", models_internal::EnvVarFunction(env), {.secret = true});
  context.AddFunction("var", models_internal::VarFunction(project.cli_vars));
  ReadProjectKeys(doc.root, context, project, errors);
  if (project.name.empty()) errors.push_back(UserError("missing-key", "dbt_project.yml needs 'name'", doc.root.where()));
  ReadProjectTrees(doc.root, context, project, errors);
  WEIR_ASSIGN_OR_RETURN(project.target,
                        models_internal::LoadTarget(options, project.profile_name, fs, env, errors));
  models_internal::ReadResources(fs, project, errors);
  return project;
}

}  // namespace weir
