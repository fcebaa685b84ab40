// Reads one pipelines/*.yml file into a PipelineDef.
#include "config/internal/pipeline_loader.h"

#include <algorithm>
#include <set>

#include "common/text.h"
#include "config/internal/fields.h"
#include "config/internal/map_over.h"
#include "config/internal/task_kinds.h"
#include "config/internal/template_check.h"
#include "schedule/schedule.h"

namespace weir::config_internal {
namespace {

const std::vector<std::string> kPipelineKeys = {
    "pipeline", "description", "schedule", "timezone", "start_date", "end_date", "catchup",
    "overlap", "max_active_runs", "max_active_tasks", "dagrun_timeout", "owner", "tags", "defaults", "tasks", "params",
    "on_failure", "on_success"};

// Keys every task and `defaults:` take besides DefaultableTaskKeys().
const std::vector<std::string> kCallbackTaskKeys = {"on_failure", "on_retry", "on_success", "on_sla_miss", "sla",
                                                    "produces"};

const std::pair<CallbackEvent, const char*> kCallbackEventKeys[] = {
    {CallbackEvent::kFailure, "on_failure"}, {CallbackEvent::kRetry, "on_retry"},
    {CallbackEvent::kSuccess, "on_success"}, {CallbackEvent::kSlaMiss, "on_sla_miss"},
    {CallbackEvent::kStale, "on_stale"}};

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool IsCommonTaskKey(const std::string& key) {
  const std::vector<std::string>& common = CommonTaskKeys();
  return std::find(common.begin(), common.end(), key) != common.end() ||
         std::find(kCallbackTaskKeys.begin(), kCallbackTaskKeys.end(), key) != kCallbackTaskKeys.end();
}

// A string, or (for email recipients) a list of strings.
Status CheckCallbackTarget(const ConfigNode& target, const std::string& key) {
  if (key == "email") return target.AsStringList("'email'").status();
  return target.AsString("'" + key + "'").status();
}

// One action: a mapping with exactly one of shell, webhook and email.
std::optional<CallbackAction> ReadCallbackAction(const ConfigNode& node, const std::string& event,
                                                 std::vector<Status>& errors) {
  static const std::vector<std::string> kKinds = {"shell", "webhook", "email"};
  std::vector<std::string> present;
  if (node.is_map()) {
    for (const std::string& kind : kKinds) {
      if (node.Find(kind) != nullptr) present.push_back(kind);
    }
  }
  if (present.size() != 1) {
    errors.push_back(UserError("bad-callback", "each action of '" + event + "' needs exactly one of " +
                                                   QuotedList(kKinds) + ", e.g. {webhook: URL}, got " +
                                                   (!node.is_map()       ? std::string(node.Describe())
                                                    : present.empty() ? "none of them"
                                                                      : std::to_string(present.size()) + " of them"),
                               node.where()));
    return std::nullopt;
  }
  const std::string& kind = present[0];
  std::vector<std::string> allowed = {kind};
  if (kind == "webhook") allowed.push_back("headers");
  if (kind == "email") allowed.insert(allowed.end(), {"subject", "body"});
  MapFields fields(node, "a '" + kind + "' action of '" + event + "'", allowed, errors);
  CallbackAction action;
  action.where = node.where();
  action.kind = kind == "shell" ? CallbackAction::Kind::kShell
                : kind == "webhook" ? CallbackAction::Kind::kWebhook : CallbackAction::Kind::kEmail;
  const ConfigNode* target = fields.Require(kind);
  if (target == nullptr) return std::nullopt;
  action.target = *target;
  fields.Add(CheckCallbackTarget(*target, kind));
  if (const ConfigNode* headers = fields.Get("headers")) {
    if (!headers->is_map()) {
      fields.Add(UserError("wrong-type", "'headers' must map names to values, got " +
                                             std::string(headers->Describe()), headers->where()));
    }
    for (const auto& [name, value] : headers->entries()) {
      fields.Add(value.AsString("header '" + name.scalar() + "'").status());
      action.headers.emplace_back(name.scalar(), value);
    }
  }
  for (const char* key : {"subject", "body"}) {
    const ConfigNode* text = fields.Get(key);
    if (text == nullptr) continue;
    fields.Add(text->AsString("'" + std::string(key) + "'").status());
    (std::string(key) == "subject" ? action.subject : action.body) = *text;
  }
  CheckTemplateNode(node, CallbackTemplateNames(), errors);
  return action;
}

}  // namespace

std::vector<CallbackAction> ReadCallbackActions(const ConfigNode& node, const std::string& key,
                                                std::vector<Status>& errors) {
  std::vector<CallbackAction> actions;
  if (node.is_sequence()) {
    for (const ConfigNode& item : node.items()) {
      if (auto action = ReadCallbackAction(item, key, errors)) actions.push_back(std::move(*action));
    }
  } else if (auto action = ReadCallbackAction(node, key, errors)) {
    actions.push_back(std::move(*action));
  }
  return actions;
}

namespace {

// The callback keys among `keys` (a list of actions, or one): a key that is
// set, even to [], replaces what `out` held (from defaults).
void ReadCallbacks(MapFields& fields, const std::vector<std::string>& keys, CallbackMap& out) {
  for (const auto& [event, key] : kCallbackEventKeys) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) continue;
    const ConfigNode* node = fields.Get(key);
    if (node == nullptr) continue;
    std::vector<Status> errors;
    out[event] = ReadCallbackActions(*node, key, errors);
    for (Status& e : errors) fields.Add(std::move(e));
  }
}


// Reads the keys a task shares with `defaults:` into `task`.
void ReadTaskPolicy(MapFields& fields, TaskDef& task) {
  if (auto n = fields.Int("retries", 0)) task.retry.retries = static_cast<int>(*n);
  if (auto d = fields.Duration("retry_delay")) task.retry.delay = *d;
  if (auto b = fields.Bool("retry_exponential_backoff")) task.retry.exponential_backoff = *b;
  if (auto d = fields.Duration("max_retry_delay")) task.retry.max_delay = *d;
  if (auto r = fields.Choice("retry_on", {"faults", "any"})) {
    task.retry.retry_on = *r == "any" ? RetryOn::kAny : RetryOn::kFaults;
  }
  if (auto d = fields.Duration("timeout")) task.timeout = *d;
  if (auto t = fields.Choice("trigger_rule", TriggerRuleNames())) task.trigger_rule = *ParseTriggerRule(*t);
  if (auto b = fields.Bool("depends_on_past")) task.depends_on_past = *b;
  // As Airflow: waiting for the previous run's downstream implies waiting
  // for the previous run of the task itself.
  if (auto b = fields.Bool("wait_for_downstream")) {
    task.wait_for_downstream = *b;
    if (*b) task.depends_on_past = true;
  }
  ReadCallbacks(fields, kCallbackTaskKeys, task.callbacks);
  if (auto d = fields.Duration("sla")) task.sla = *d;
}

// A dataset name, or a list of them: "analytics.sales".
std::vector<Sourced<std::string>> ReadDatasetNames(const ConfigNode& node, const std::string& what,
                                                   std::vector<Status>& errors) {
  std::vector<const ConfigNode*> items;
  if (node.is_sequence()) {
    for (const ConfigNode& n : node.items()) items.push_back(&n);
  } else {
    items.push_back(&node);
  }
  std::vector<Sourced<std::string>> names;
  for (const ConfigNode* n : items) {
    Result<std::string> name = n->AsString(what);
    if (name.ok() && name->empty()) name = UserError("wrong-type", what + " must not be empty");
    if (!name.ok()) {
      errors.push_back(name.status().At(n->where()));
      continue;
    }
    names.push_back({*name, n->where()});
  }
  return names;
}

std::vector<std::string> KindNames() {
  std::vector<std::string> names;
  for (const TaskKindKeys& k : TaskKinds()) names.push_back(k.kind);
  return names;
}

// The kind first (its keys decide what else is allowed), then the rest.
std::optional<TaskDef> ReadTask(const ConfigNode& node, const TaskDef& defaults, std::vector<Status>& errors) {
  if (!node.is_map()) {
    errors.push_back(UserError("wrong-type", "each task must be a mapping, got " + std::string(node.Describe()),
                               node.where()));
    return std::nullopt;
  }
  const ConfigNode* id_node = node.Find("id");
  const ConfigNode* kind_node = node.Find("kind");
  std::string label = id_node && id_node->is_scalar() ? "task '" + id_node->scalar() + "'" : "task";
  std::vector<std::string> allowed = Concat(CommonTaskKeys(), kCallbackTaskKeys);
  const TaskKindKeys* kind = nullptr;
  if (kind_node != nullptr && kind_node->is_scalar()) {
    kind = FindTaskKind(kind_node->scalar());
    if (kind == nullptr) {
      errors.push_back(UserError("unknown-task-kind", "unknown task kind '" + kind_node->scalar() + "'" +
                                 DidYouMean(kind_node->scalar(), KindNames()) + " (kinds: " +
                                 QuotedList(KindNames()) + ")", kind_node->where()));
      // Its other keys cannot be judged without a kind: one error is enough.
      for (const auto& [key, value] : node.entries()) allowed.push_back(key.scalar());
    }
  }
  if (kind != nullptr) {
    allowed.insert(allowed.end(), kind->required.begin(), kind->required.end());
    allowed.insert(allowed.end(), kind->optional.begin(), kind->optional.end());
  }
  MapFields fields(node, label, allowed, errors);
  TaskDef task = defaults;
  const ConfigNode* id = fields.Require("id");
  if (id != nullptr) {
    task.where = id->where();
    if (auto s = fields.String("id")) task.id = *s;
    // "task[3]" names an instance of a mapped task.
    if (task.id.find_first_of("[]") != std::string::npos) {
      fields.Add(UserError("bad-task-id", "task id '" + task.id + "' must not contain '[' or ']' (they name "
                                          "the instances of a mapped task: 'task[3]')", id->where()));
    }
  }
  if (const ConfigNode* k = fields.Require("kind"); k != nullptr && k->is_scalar()) {
    task.kind = {k->scalar(), k->where()};
  }
  if (const ConfigNode* after = fields.Get("after")) {
    std::vector<const ConfigNode*> names;
    if (after->is_sequence()) for (const ConfigNode& n : after->items()) names.push_back(&n);
    else names.push_back(after);
    for (const ConfigNode* n : names) {
      Result<std::string> s = n->AsString("'after' items");
      fields.Add(s.status());
      if (s.ok()) task.after.push_back({*s, n->where()});
    }
  }
  if (auto d = fields.String("description")) task.description = *d;
  if (const ConfigNode* cache = fields.Get("cache")) {
    MapFields cache_fields(*cache, "'cache'", {"key", "expire"}, errors);
    TaskDef::Cache spec;
    spec.key = ConfigNode::Scalar("{{ ds }} {{ params | tojson }}", false, cache->where());
    if (const ConfigNode* key = cache_fields.Get("key")) {
      if (key->is_scalar()) spec.key = *key;
      else cache_fields.Add(UserError("wrong-type", "'key' must be a string", key->where()));
    }
    spec.expire = cache_fields.Duration("expire");
    if (cache_fields.is_map()) task.cache = spec;
  }
  ReadTaskPolicy(fields, task);
  if (const ConfigNode* p = fields.Get("produces")) task.produces = ReadDatasetNames(*p, "'produces' items", errors);
  if (auto p = fields.String("pool")) task.pool = *p;
  if (auto n = fields.Int("pool_slots", 1)) task.pool_slots = static_cast<int>(*n);
  if (const ConfigNode* p = fields.Get("priority")) {
    Result<int64_t> n = p->AsInt("'priority'");
    fields.Add(n.status());
    if (n.ok()) task.priority = static_cast<int>(*n);
  }
  ReadMapOver(fields, task, errors);
  if (kind != nullptr) {
    for (const std::string& key : kind->required) fields.Require(key);
    for (const auto& [key, value] : node.entries()) {
      if (std::find(allowed.begin(), allowed.end(), key.scalar()) != allowed.end() && !IsCommonTaskKey(key.scalar())) {
        task.params.emplace(key.scalar(), value);
      }
    }
    ReadKindDetails(node, task, errors);
  }
  if (task.id.empty()) return std::nullopt;
  return task;
}

void ReadTasks(const ConfigNode* tasks, const TaskDef& defaults, PipelineDef& pipeline,
               std::vector<Status>& errors) {
  if (tasks == nullptr) return;
  if (!tasks->is_sequence()) {
    errors.push_back(UserError("wrong-type", "'tasks' must be a list of tasks, got " +
                               std::string(tasks->Describe()), tasks->where()));
    return;
  }
  std::map<std::string, SourceLocation> seen;
  for (const ConfigNode& node : tasks->items()) {
    std::optional<TaskDef> task = ReadTask(node, defaults, errors);
    if (!task) continue;
    auto [it, inserted] = seen.emplace(task->id, task->where);
    if (!inserted) {
      errors.push_back(UserError("duplicate-task", "duplicate task id '" + task->id + "' (first defined at " +
                                 it->second.ToString() + ")", task->where));
      continue;
    }
    CheckTemplates(*task, errors);
    pipeline.tasks.push_back(std::move(*task));
  }
}

// The parser reports the bad token's column within the text; point at it
// in the file (one further in when the value is quoted).
void CheckSchedule(const ConfigNode& node, std::vector<Status>& errors) {
  Result<Schedule> parsed = ParseSchedule(node.scalar());
  if (parsed.ok()) return;
  SourceLocation where = node.where();
  int offset = parsed.status().where().column;
  if (offset > 0) where.column += offset - 1 + (node.quoted() ? 1 : 0);
  errors.push_back(Status(parsed.status().kind(), parsed.status().code(), parsed.status().message(), where));
}

void CheckDate(MapFields& fields, const std::string& key, std::optional<std::string>& out) {
  std::optional<std::string> text = fields.String(key);
  if (!text) return;
  Result<std::string> date = ParseLocalDate(*text);
  fields.Add(date.status().At(fields.Get(key)->where()));
  if (date.ok()) out = *date;
}

}  // namespace

std::optional<PipelineDef> ReadPipeline(const ConfigNode& root, const std::string& file,
                                        std::vector<Status>& errors) {
  MapFields fields(root, "pipeline file", kPipelineKeys, errors);
  if (!fields.is_map()) return std::nullopt;
  PipelineDef pipeline;
  pipeline.file = file;
  const ConfigNode* name = fields.Require("pipeline");
  if (name != nullptr) {
    pipeline.where = name->where();
    if (auto s = fields.String("pipeline")) pipeline.name = *s;
  }
  if (auto s = fields.String("description")) pipeline.description = *s;
  if (const ConfigNode* schedule = fields.Get("schedule"); schedule != nullptr && schedule->is_map()) {
    MapFields on(*schedule, "'schedule'", {"on"}, errors);
    if (const ConfigNode* datasets = on.Require("on")) {
      pipeline.schedule_on = ReadDatasetNames(*datasets, "'on' items", errors);
      if (pipeline.schedule_on.empty() && datasets->is_sequence()) {
        errors.push_back(UserError("wrong-type", "'on' must list at least one dataset", datasets->where()));
      }
    }
  } else if (schedule != nullptr && !schedule->is_null()) {
    if (auto s = fields.String("schedule")) {
      pipeline.schedule = Sourced<std::string>{*s, schedule->where()};
      CheckSchedule(*schedule, errors);
    }
  }
  if (auto tz = fields.String("timezone")) {
    fields.Add(ValidateTimeZone(*tz).At(fields.Get("timezone")->where()));
    pipeline.timezone = *tz;
  }
  CheckDate(fields, "start_date", pipeline.start_date);
  CheckDate(fields, "end_date", pipeline.end_date);
  if (auto b = fields.Bool("catchup")) pipeline.catchup = *b;
  if (auto o = fields.Choice("overlap", OverlapPolicyNames())) pipeline.overlap = *ParseOverlapPolicy(*o);
  if (auto n = fields.Int("max_active_runs", 1)) pipeline.max_active_runs = static_cast<int>(*n);
  if (auto n = fields.Int("max_active_tasks", 1)) pipeline.max_active_tasks = static_cast<int>(*n);
  if (auto d = fields.Duration("dagrun_timeout")) pipeline.run_timeout = *d;
  if (auto s = fields.String("owner")) pipeline.owner = *s;
  if (auto tags = fields.StringList("tags")) pipeline.tags = *tags;
  if (const ConfigNode* params = fields.Get("params")) {
    if (!params->is_map()) {
      fields.Add(UserError("wrong-type", "'params' must map names to default values, got " +
                                             std::string(params->Describe()), params->where()));
    } else {
      for (const auto& [name, value] : params->entries()) pipeline.params.emplace(name.scalar(), value);
    }
  }
  ReadCallbacks(fields, {"on_failure", "on_success"}, pipeline.callbacks);
  TaskDef defaults;
  if (const ConfigNode* d = fields.Get("defaults")) {
    MapFields default_fields(*d, "defaults", Concat(DefaultableTaskKeys(), kCallbackTaskKeys), errors);
    ReadTaskPolicy(default_fields, defaults);
  }
  ReadTasks(fields.Get("tasks"), defaults, pipeline, errors);
  CheckMapOverSources(pipeline, errors);
  if (pipeline.name.empty()) return std::nullopt;
  return pipeline;
}

}  // namespace weir::config_internal

namespace weir {

std::string_view CallbackEventKey(CallbackEvent event) {
  for (const auto& [e, key] : config_internal::kCallbackEventKeys) {
    if (e == event) return key;
  }
  return "";
}

}  // namespace weir
