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
    WEIR_ASSIGN_OR_RETURN(std::string source_path,
                          DuckDbSourcePath(context, connection.text, context.task.param("connection")->where()));
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
  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewExtractTask(const TaskServices& services) {
  return std::make_shared<ExtractTask>(services);
}

}  // namespace weir::tasks_internal
