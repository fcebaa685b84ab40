// The extract task's file source (file_extract.cc): `files:`, a glob of
// CSV, JSON, NDJSON or Parquet files read together into one lake file,
// incremental by file (`incremental: new_files`).
#pragma once

#include <string>
#include <vector>

#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/lake.h"

namespace weir::tasks_internal {

// One attempt of an extract with `files:`, its `to:` already rendered.
struct FileExtract {
  const TaskContext& context;
  const TaskServices& services;
  const TemplateContext& names;
  const std::string& to;  // the lake path as written in the task
  Lake& lake;
  const LakeOutput& output;  // where the file is written, then published
  FileFormat format;
  AttemptLog& log;
};

// Writes the files' rows to the lake file and publishes it, then records
// the files taken when incremental (so a failed attempt records nothing);
// the task's output JSON.
Result<std::string> ExtractFromFiles(const FileExtract& extract);

// Whether another interval's set (of `sets`, the task's) holds a file
// `taking` holds: then the Fault "source-file-taken" (that interval ran at
// the same time and recorded it first; a retry leaves it out).
Status CheckNotTakenMeanwhile(const std::vector<SourceFileSet>& sets, const SourceFileSet& taking);

}  // namespace weir::tasks_internal
