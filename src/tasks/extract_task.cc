// The extract task: a query on a source connection, or files, written to
// the lake. Sources: DuckDB files (opened read-only), Postgres
// (postgres_extract.cc, with incremental reads) and local files matched by
// a glob (`files:`, file_extract.cc, incremental by file).
#include "common/text.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/file_extract.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/postgres_extract.h"
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
    if (context.task.param("files") != nullptr) return ExtractFiles(context, names, secrets);
    WEIR_ASSIGN_OR_RETURN(RenderedText connection, RenderParam(context.task, "connection", names));
    const SourceLocation connection_where = context.task.param("connection")->where();
    WEIR_ASSIGN_OR_RETURN(const ConfigNode* source_node, FindConnection(context, connection.text, connection_where));
    std::string shown;
    WEIR_ASSIGN_OR_RETURN(std::string sql, RenderSqlParam(context.task, "sql", names, context, services_, &shown));
    WEIR_ASSIGN_OR_RETURN(RenderedText to, RenderParam(context.task, "to", names));
    WEIR_ASSIGN_OR_RETURN(FileFormat format, FormatOf(to.text, context.task.param("to")->where()));
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services_));
    WEIR_ASSIGN_OR_RETURN(LakeOutput out, lake->Output(to.text));
    const std::string& path = out.path;
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": extract from " +
                                         connection.text);
    log.SetSecrets(secrets);
    Result<std::string> output = ConnectionType(*source_node) == "postgres"
                                     ? ExtractFromPostgres(PostgresExtract{context, *source_node, connection.text,
                                                                           names, sql, to.text, path, format, log})
                                     : ExtractFromDuckDb(context, connection.text, sql, to.text, path, format);
    if (output.ok()) {
      if (Status published = lake->Publish(out); !published.ok()) output = published;
    }
    if (!output.ok()) {
      log.Line("SQL:\n" + shown);
      log.Line("failed: " + output.status().message());
    }
    return output;
  }

 private:
  Result<std::string> ExtractFiles(const TaskContext& context, const TemplateContext& names,
                                   const std::shared_ptr<SecretValues>& secrets) {
    WEIR_ASSIGN_OR_RETURN(RenderedText to, RenderParam(context.task, "to", names));
    WEIR_ASSIGN_OR_RETURN(FileFormat format, FormatOf(to.text, context.task.param("to")->where()));
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services_));
    WEIR_ASSIGN_OR_RETURN(LakeOutput out, lake->Output(to.text));
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": extract from files");
    log.SetSecrets(secrets);
    Result<std::string> output =
        ExtractFromFiles(FileExtract{context, services_, names, to.text, *lake, out, format, log});
    if (!output.ok() && output.status().kind() != ErrorKind::kSkip) log.Line("failed: " + output.status().message());
    return output;
  }

  Result<std::string> ExtractFromDuckDb(const TaskContext& context, const std::string& connection,
                                        const std::string& sql, const std::string& to, const std::string& path,
                                        FileFormat format) {
    if (context.task.param("incremental") != nullptr) {
      return UserError("not-available", "incremental extracts read postgres connections; a duckdb source is read "
                                        "whole (filter it in the SQL)", context.task.param("incremental")->where());
    }
    WEIR_ASSIGN_OR_RETURN(std::string source_path,
                          DuckDbSourcePath(context, connection, context.task.param("connection")->where()));
    WEIR_ASSIGN_OR_RETURN(auto source, services_.duckdb.Connect(source_path, /*read_only=*/true));
    WEIR_ASSIGN_OR_RETURN(int64_t written, WriteQueryToFile(*source, sql, path, format, context));
    return JsonObject({{"rows_written", std::to_string(written)}, {"path", JsonString(to)}});
  }

  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewExtractTask(const TaskServices& services) {
  return std::make_shared<ExtractTask>(services);
}

}  // namespace weir::tasks_internal
