// The extract task's Postgres source (postgres_extract.cc).
#pragma once

#include <string>

#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"

namespace weir::tasks_internal {

// One attempt of an extract whose connection is `type: postgres`, its
// task strings already rendered.
struct PostgresExtract {
  const TaskContext& context;
  const ConfigNode& connection;
  const std::string& connection_name;
  const TemplateContext& names;
  const std::string& sql;
  const std::string& to;    // the lake path as written in the task
  const std::string& path;  // absolute
  FileFormat format;
  AttemptLog& log;
};

// Writes the query's rows to the lake file; the task's output JSON.
Result<std::string> ExtractFromPostgres(const PostgresExtract& extract);

}  // namespace weir::tasks_internal
