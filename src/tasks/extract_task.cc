// The extract task: a query on a source connection written to the lake.
// Sources today: DuckDB files (opened read-only); Postgres comes with the
// connectors issue.
#include "common/text.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

class ExtractTask final : public RedactingTask {
 public:
  explicit ExtractTask(const TaskServices& services) : services_(services) {}

  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    WEIR_ASSIGN_OR_RETURN(RenderedText connection, RenderParam(context.task, "connection", names));
    WEIR_ASSIGN_OR_RETURN(std::string source_path, SourcePath(context, connection.text));
    std::string shown;
    WEIR_ASSIGN_OR_RETURN(std::string sql, RenderSqlParam(context.task, "sql", names, context, services_, &shown));
    WEIR_ASSIGN_OR_RETURN(RenderedText to, RenderParam(context.task, "to", names));
    WEIR_ASSIGN_OR_RETURN(FileFormat format, FormatOf(to.text, context.task.param("to")->where()));
    WEIR_ASSIGN_OR_RETURN(std::string path, LakePath(context, to.text));
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": extract from " +
                                         connection.text);
    log.SetSecrets(secrets);
    WEIR_ASSIGN_OR_RETURN(auto source, services_.duckdb.Connect(source_path, /*read_only=*/true));
    Result<int64_t> written = WriteQueryToFile(*source, sql, path, format, context);
    if (!written.ok()) {
      log.Line("SQL:\n" + shown);
      log.Line("failed: " + written.status().message());
      return written.status();
    }
    return JsonObject({{"rows_written", std::to_string(*written)}, {"path", JsonString(to.text)}});
  }

 private:
  Result<std::string> SourcePath(const TaskContext& context, const std::string& name) {
    auto it = context.project.connections.find(name);
    if (it == context.project.connections.end()) {
      std::vector<std::string> known;
      for (const auto& [k, v] : context.project.connections) known.push_back(k);
      return UserError("unknown-connection", "no connection named '" + name + "' in weir.yml" + DidYouMean(name, known),
                       context.task.param("connection")->where());
    }
    const ConfigNode& conn = it->second;
    const ConfigNode* type = conn.is_map() ? conn.Find("type") : nullptr;
    const ConfigNode* path = conn.is_map() ? conn.Find("path") : nullptr;
    if (type == nullptr || type->scalar() != "duckdb") {
      return UserError("connection-not-available",
                       "connection '" + name + "' is of type '" + (type ? type->scalar() : std::string("?")) +
                           "'; extract reads duckdb connections in this build of weir", conn.where());
    }
    if (path == nullptr || !path->is_scalar()) {
      return UserError("missing-key", "connection '" + name + "' needs 'path'", conn.where());
    }
    return context.project.Resolve(path->scalar());
  }

  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewExtractTask(const TaskServices& services) {
  return std::make_shared<ExtractTask>(services);
}

}  // namespace weir::tasks_internal
