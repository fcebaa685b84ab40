// Reads weir.yml and every pipeline file into a ProjectDef.
#include <algorithm>
#include <filesystem>
#include <set>

#include "common/text.h"
#include "config/config.h"
#include "config/internal/fields.h"
#include "config/internal/models_config.h"
#include "config/internal/pipeline_loader.h"
#include "config/internal/project_settings.h"
#include "config/internal/stream_loader.h"
#include "config/internal/yaml_files.h"
#include "config/internal/task_kinds.h"
#include "config/internal/template_check.h"
#include "template/template.h"

namespace weir {
namespace {

using config_internal::MapFields;

const std::vector<std::string> kProjectKeys = {"name", "warehouse", "lake",   "lake_options", "state", "connections",
                                               "pools", "vars",      "smtp",   "models", "seeds",
                                               "heartbeat", "datasets"};

// `smtp: {url, from, username, password, tls}`; the strings are templates.
void ReadSmtp(const ConfigNode& node, ProjectDef& project, std::vector<Status>& errors) {
  MapFields fields(node, "'smtp'", {"url", "from", "username", "password", "tls"}, errors);
  if (!fields.is_map()) return;
  SmtpSettings smtp;
  smtp.where = node.where();
  const ConfigNode* url = fields.Require("url");
  const ConfigNode* from = fields.Require("from");
  for (const char* key : {"url", "from", "username", "password"}) {
    if (const ConfigNode* value = fields.Get(key)) {
      fields.Add(value->AsString("'" + std::string(key) + "'").status());
      config_internal::CheckTemplateNode(*value, config_internal::CallbackTemplateNames(), errors);
    }
  }
  if (url != nullptr && url->is_scalar() && url->scalar().rfind("smtp://", 0) != 0 &&
      url->scalar().rfind("smtps://", 0) != 0 && !HasTemplateSyntax(url->scalar())) {
    fields.Add(UserError("bad-value", "'url' must start with smtp:// or smtps://, got '" + url->scalar() + "'",
                         url->where()));
  }
  if (auto tls = fields.Choice("tls", {"starttls", "required", "none"})) {
    smtp.tls = *tls == "required" ? SmtpSettings::Tls::kRequired
               : *tls == "none"   ? SmtpSettings::Tls::kNone
                                  : SmtpSettings::Tls::kStartTls;
  }
  if (url == nullptr || from == nullptr) return;
  smtp.url = *url;
  smtp.from = *from;
  if (const ConfigNode* user = fields.Get("username")) smtp.username = *user;
  if (const ConfigNode* password = fields.Get("password")) smtp.password = *password;
  project.smtp = std::move(smtp);
}

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
  if (fields.String("lake") || fields.Get("lake_options") != nullptr) {
    config_internal::ReadLake(fields.Get("lake"), fields.Get("lake_options"), project, errors);
  }
  if (auto s = fields.String("state")) project.state_path = *s;
  if (const ConfigNode* w = fields.Get("warehouse")) project.warehouse = *w;
  project.connections = ReadNamedMap(fields, "connections");
  config_internal::CheckConnections(project.connections, errors);
  project.vars = ReadNamedMap(fields, "vars");
  if (const ConfigNode* smtp = fields.Get("smtp")) ReadSmtp(*smtp, project, errors);
  if (const ConfigNode* h = fields.Get("heartbeat")) config_internal::ReadHeartbeat(*h, project.heartbeat, errors);
  if (const ConfigNode* d = fields.Get("datasets")) config_internal::ReadDatasets(*d, project, errors);
  if (const ConfigNode* models = fields.Get("models")) {
    config_internal::CheckModelConfigTree(*models, "models", errors);
    project.model_config = *models;
  }
  if (const ConfigNode* seeds = fields.Get("seeds")) {
    config_internal::CheckModelConfigTree(*seeds, "seeds", errors);
    project.seed_config = *seeds;
  }
  for (const auto& [pool, size] : ReadNamedMap(fields, "pools")) {
    Result<int64_t> n = size.AsInt("pool '" + pool + "'");
    if (n.ok() && *n < 1) n = UserError("out-of-range", "pool '" + pool + "' needs at least 1 slot", size.where());
    fields.Add(n.status());
    if (n.ok()) project.pools[pool] = static_cast<int>(*n);
  }
}

void ReadPipelines(const Filesystem& fs, ProjectDef& project, std::vector<Status>& errors) {
  std::map<std::string, SourceLocation> seen;
  auto read = [&](const ConfigNode& root, const std::string& shown) {
    std::optional<PipelineDef> pipeline = config_internal::ReadPipeline(root, shown, errors);
    if (!pipeline) return;
    auto [it, inserted] = seen.emplace(pipeline->name, pipeline->where);
    if (!inserted) {
      errors.push_back(UserError("duplicate-pipeline", "duplicate pipeline name '" + pipeline->name +
                                 "' (first defined at " + it->second.ToString() + ")", pipeline->where));
      return;
    }
    project.pipelines.push_back(std::move(*pipeline));
  };
  config_internal::ForEachYamlFile(fs, project.root, "pipelines", errors, read);
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

// An email callback needs weir.yml's `smtp:` to send through.
void CheckEmailCallbacks(const ProjectDef& project, std::vector<Status>& errors) {
  if (project.smtp) return;
  auto check = [&errors](const CallbackMap& callbacks) {
    for (const auto& [event, actions] : callbacks) {
      for (const CallbackAction& a : actions) {
        if (a.kind != CallbackAction::Kind::kEmail) continue;
        errors.push_back(UserError("no-smtp", "an email action of '" + std::string(CallbackEventKey(event)) +
                                                  "' needs weir.yml's 'smtp:' (url and from) to send through",
                                   a.where));
      }
    }
  };
  for (const PipelineDef& p : project.pipelines) {
    check(p.callbacks);
    // Defaults are copied into every task: report each action once.
    std::set<std::string> reported;
    for (const TaskDef& t : p.tasks) {
      CallbackMap own;
      for (const auto& [event, actions] : t.callbacks) {
        for (const CallbackAction& a : actions) {
          if (reported.insert(a.where.ToString()).second) own[event].push_back(a);
        }
      }
      check(own);
    }
  }
}

// A pipeline scheduled on a dataset needs some task that produces it:
// otherwise it would never run (Airflow only warns; a typo is likelier).
void CheckDatasets(const ProjectDef& project, std::vector<Status>& errors) {
  std::vector<std::string> produced;
  for (const PipelineDef& p : project.pipelines) {
    for (const TaskDef& t : p.tasks) {
      for (const auto& d : t.produces) produced.push_back(d.value);
    }
  }
  for (const PipelineDef& p : project.pipelines) {
    for (const auto& d : p.schedule_on) {
      if (std::find(produced.begin(), produced.end(), d.value) != produced.end()) continue;
      errors.push_back(UserError("unknown-dataset", "pipeline '" + p.name + "' is scheduled on dataset '" + d.value +
                                                        "', which no task produces (a task's 'produces:')" +
                                                        DidYouMean(d.value, produced), d.where));
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
  config_internal::ReadStreams(fs, load.project, load.errors);
  CheckPools(load.project, load.errors);
  CheckEmailCallbacks(load.project, load.errors);
  CheckDatasets(load.project, load.errors);
  config_internal::CheckDatasetPromises(load.project, load.errors);
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
