#include "tasks/internal/task_kinds.h"
#include <cstdio>

namespace weir {
namespace tasks_internal {

Result<RenderedText> RenderParam(const TaskDef& task, const std::string& key, const TemplateContext& names) {
  const ConfigNode* node = task.param(key);
  if (node == nullptr) return UserError("missing-key", "task '" + task.id + "' needs the key '" + key + "'", task.where);
  return RenderNode(*node, "'" + key + "'", names);
}

Result<RenderedText> RenderNode(const ConfigNode& node, const std::string& what, const TemplateContext& names) {
  WEIR_ASSIGN_OR_RETURN(std::string text, node.AsString(what));
  if (!HasTemplateSyntax(text)) return RenderedText{text, text};
  // Quoted YAML values start one column later than their node's position.
  SourceLocation origin = node.where();
  if (node.quoted()) origin.column += 1;
  WEIR_ASSIGN_OR_RETURN(Template tmpl, ParseTemplate(text, origin));
  WEIR_ASSIGN_OR_RETURN(std::string rendered, tmpl.Render(names));
  WEIR_ASSIGN_OR_RETURN(std::string shown, tmpl.RenderRedacted(names));
  return RenderedText{std::move(rendered), std::move(shown)};
}

Result<std::map<std::string, std::string>> RenderEnv(const TaskDef& task, const TemplateContext& names) {
  std::map<std::string, std::string> env;
  const ConfigNode* node = task.param("env");
  if (node == nullptr || node->is_null()) return env;
  if (!node->is_map()) {
    return UserError("wrong-type", "'env' must be a mapping of names to strings, got " + std::string(node->Describe()),
                     node->where());
  }
  for (const auto& [key, value] : node->entries()) {
    WEIR_ASSIGN_OR_RETURN(std::string text, value.AsString("env '" + key.scalar() + "'"));
    if (HasTemplateSyntax(text)) {
      WEIR_ASSIGN_OR_RETURN(text, RenderTemplate(text, value.where(), names));
    }
    env[key.scalar()] = text;
  }
  return env;
}

namespace {

// 128 bits of two FNV-1a 64 hashes: stable across builds and platforms.
std::string KeyDigest(const std::string& key) {
  uint64_t a = 14695981039346656037ULL, b = 1099511628211ULL ^ 0x9e3779b97f4a7c15ULL;
  for (unsigned char c : key) {
    a = (a ^ c) * 1099511628211ULL;
    b = (b ^ c) * 14029467366897019727ULL;
  }
  char out[33];
  std::snprintf(out, sizeof out, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  return out;
}

// A task with `cache:` reuses the output recorded under the same rendered
// key while it has not expired (Prefect's cache_key_fn + cache_expiration),
// and records a fresh output under it after a successful attempt.
class CachingRunner final : public TaskRunner {
 public:
  CachingRunner(std::shared_ptr<TaskRunner> inner, const TaskServices& services)
      : inner_(std::move(inner)), services_(services) {}

  Result<std::string> Run(const TaskContext& context) override {
    const TaskDef::Cache& cache = *context.task.cache;
    if (context.store == nullptr) return inner_->Run(context);
    TemplateContext names = MakeTemplateContext(context, services_);
    WEIR_ASSIGN_OR_RETURN(std::string key, cache.key.AsString("cache 'key'"));
    if (HasTemplateSyntax(key)) {
      WEIR_ASSIGN_OR_RETURN(key, RenderTemplate(key, cache.key.where(), names));
    }
    // Instances of a mapped task share the task's key: each is told apart
    // by its item, so a result is reused for the same item at any index.
    if (context.map_index) key += "\n[weir] map_over item " + context.map_item_json;
    // Stored as a digest: a key may be rendered from a secret.
    key = KeyDigest(key);
    const std::string& pipeline = context.pipeline.name;
    WEIR_ASSIGN_OR_RETURN(auto hit, context.store->LookupCache(pipeline, context.task.id, key));
    TimePoint now = services_.clock != nullptr ? services_.clock->Now() : std::chrono::system_clock::now();
    if (hit && (!cache.expire || now - hit->created_at < *cache.expire)) {
      if (context.cache_hit != nullptr) *context.cache_hit = true;
      return hit->output_json;
    }
    WEIR_ASSIGN_OR_RETURN(std::string output, inner_->Run(context));
    WEIR_TRY(context.store->StoreCache(CacheEntry{pipeline, context.task.id, key, output, now}));
    return output;
  }

 private:
  std::shared_ptr<TaskRunner> inner_;
  const TaskServices& services_;
};

// Every task kind this build runs, by name. A kind added here also needs
// its keys in src/config/task_kinds.cc.
class KindFactory final : public TaskRunnerFactory {
 public:
  explicit KindFactory(const TaskServices& services)
      : services_(services),
        runners_{{"shell", NewShellTask(services)},
                 {"sql", NewSqlTask(services)},
                 {"extract", NewExtractTask(services)},
                 {"load", NewLoadTask(services)},
                 {"check", NewCheckTask(services)},
                 {"http", NewHttpTask(services)},
                 {"sensor", NewSensorTask(services)},
                 {"noop", NewNoopTask()},
                 {"models", NewModelsTask(services)}},
        map_items_(NewMapItemsSource(services)) {}

  Result<std::shared_ptr<MapItemsSource>> MapItemsFor(const TaskDef&) override { return map_items_; }

  Result<std::shared_ptr<TaskRunner>> RunnerFor(const TaskDef& task) override {
    auto it = runners_.find(task.kind.value);
    if (it != runners_.end() && it->second != nullptr) {
      if (task.cache) return std::shared_ptr<TaskRunner>(std::make_shared<CachingRunner>(it->second, services_));
      return it->second;
    }
    return UserError("kind-not-available",
                     "task kind '" + task.kind.value + "' is not available in this build of weir", task.kind.where);
  }

 private:
  const TaskServices& services_;
  std::map<std::string, std::shared_ptr<TaskRunner>> runners_;
  std::shared_ptr<MapItemsSource> map_items_;
};

}  // namespace
}  // namespace tasks_internal

std::unique_ptr<TaskRunnerFactory> NewTaskRunnerFactory(const TaskServices& services) {
  return std::make_unique<tasks_internal::KindFactory>(services);
}

}  // namespace weir
