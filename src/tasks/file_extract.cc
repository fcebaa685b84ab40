// The extract task on files: every file a glob matches read by DuckDB in
// one query (columns matched by name) and written to the lake as one file.
// With `incremental: new_files`, the state store keeps the files each
// interval took (SourceFileSet): a new interval takes only the files no
// other interval took (a file whose size or modification time changed is
// new again), and a rerun, clear or backfill of an interval takes its own
// files again.
#include "tasks/internal/file_extract.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "schedule/schedule.h"
#include "tasks/internal/file_source.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

constexpr size_t kListedFileNames = 20;  // the output names the files up to this many

// The task's keys besides `to:`.
struct FileSourceKeys {
  std::string glob;
  SourceLocation glob_where;
  const ConfigNode* format = nullptr;
  bool new_files_only = false;  // incremental: new_files
  bool allow_empty = false;
  std::string filename_column;  // "": none
  std::string rejects_table;    // "": bad rows fail the read
};

Result<FileSourceKeys> ReadKeys(const TaskDef& task, const TemplateContext& names) {
  FileSourceKeys keys;
  WEIR_ASSIGN_OR_RETURN(RenderedText files, RenderParam(task, "files", names));
  keys.glob = files.text;
  keys.glob_where = task.param("files")->where();
  keys.format = task.param("format");
  if (const ConfigNode* incremental = task.param("incremental"); incremental != nullptr && !incremental->is_null()) {
    WEIR_ASSIGN_OR_RETURN(std::string mode, incremental->AsString("'incremental'"));
    if (mode != "new_files") {
      return UserError("bad-value", "a file source's 'incremental' is 'new_files' (each interval takes the files "
                                    "no other interval took), got '" + mode + "'", incremental->where());
    }
    keys.new_files_only = true;
  }
  if (const ConfigNode* allow_empty = task.param("allow_empty")) {
    WEIR_ASSIGN_OR_RETURN(keys.allow_empty, allow_empty->AsBool("'allow_empty'"));
  }
  if (task.param("filename_column") != nullptr) {
    WEIR_ASSIGN_OR_RETURN(RenderedText column, RenderParam(task, "filename_column", names));
    keys.filename_column = column.text;
  }
  if (const ConfigNode* rejects = task.param("rejects")) {
    const ConfigNode* table = rejects->is_map() ? rejects->Find("table") : nullptr;
    if (table == nullptr) {
      return UserError("missing-key", "a file source's 'rejects' needs 'table': {table: rejects.orders}",
                       rejects->where());
    }
    WEIR_ASSIGN_OR_RETURN(RenderedText name, RenderNode(*table, "'rejects.table'", names));
    keys.rejects_table = name.text;
  }
  return keys;
}

std::string ProjectFolder(const TaskContext& context) {
  std::string root = context.project.root;
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

// The files this attempt takes, and the set the state store keys them by.
struct FilePlan {
  std::vector<MatchedFile> files;
  SourceFileSet record;  // its files filled once the lake file is written
  bool rerun = false;    // the interval's recorded files again
};

std::string Bytes(int64_t n) { return std::to_string(n) + " bytes"; }

// A rerun: the interval's recorded files again, as they are now.
Result<std::vector<MatchedFile>> RecordedFilesAgain(const SourceFileSet& recorded, const std::string& root,
                                                    AttemptLog& log) {
  std::vector<MatchedFile> files;
  for (const SourceFile& was : recorded.files) {
    std::optional<MatchedFile> now = FindFile(root, was.path);
    if (!now) {
      return UserError("source-file-gone", "a rerun takes the files its interval took, and '" + was.path +
                                               "' is gone: put it back to rerun this interval");
    }
    if (now->size_bytes != was.size_bytes || now->modified_at != was.modified_at) {
      log.Line(was.path + " changed since this interval took it (" + Bytes(was.size_bytes) + ", modified " +
               FormatUtc(was.modified_at) + "; now " + Bytes(now->size_bytes) + ", modified " +
               FormatUtc(now->modified_at) + "): reading it as it is now");
    }
    files.push_back(std::move(*now));
  }
  log.Line("rerun: taking the " + std::to_string(files.size()) + " files this interval took before");
  return files;
}

// A new interval: the matched files no other interval took.
Result<std::vector<MatchedFile>> NewFiles(const TaskContext& context, const SourceFileSet& key,
                                          std::vector<MatchedFile> matched, AttemptLog& log) {
  WEIR_ASSIGN_OR_RETURN(std::vector<SourceFileSet> sets, context.store->SourceFileSets(key.pipeline, key.task_id));
  std::map<std::string, std::vector<std::pair<SourceFile, std::string>>> taken;  // path: (file, interval)
  for (const SourceFileSet& set : sets) {
    for (const SourceFile& file : set.files) taken[file.path].emplace_back(file, set.interval_start);
  }
  std::vector<MatchedFile> files;
  for (MatchedFile& file : matched) {
    SourceFile now{file.shown, file.size_bytes, file.modified_at};
    auto earlier = taken.find(file.shown);
    if (earlier != taken.end()) {
      const auto& versions = earlier->second;
      if (std::any_of(versions.begin(), versions.end(), [&](const auto& v) { return v.first == now; })) continue;
      const auto& [was, interval] = versions.back();
      log.Line(file.shown + " changed since the interval of " + interval + " took it (" + Bytes(was.size_bytes) +
               ", modified " + FormatUtc(was.modified_at) + "; now " + Bytes(now.size_bytes) + ", modified " +
               FormatUtc(now.modified_at) + "): taking it again");
    }
    files.push_back(std::move(file));
  }
  log.Line("new files: " + std::to_string(files.size()) + " of the " + std::to_string(matched.size()) + " matched");
  return files;
}

Result<FilePlan> PlanFiles(const TaskContext& context, const FileSourceKeys& keys, std::vector<MatchedFile> matched,
                           AttemptLog& log) {
  FilePlan plan;
  plan.record.pipeline = context.pipeline.name;
  plan.record.task_id = context.task.id;
  if (context.map_index) plan.record.task_id += "[" + std::to_string(*context.map_index) + "]";
  plan.record.interval_start = FormatUtc(context.interval.start);
  if (!keys.new_files_only) {
    plan.files = std::move(matched);
    return plan;
  }
  if (context.store == nullptr) return InternalError("an incremental file source needs the state store");
  WEIR_ASSIGN_OR_RETURN(std::optional<SourceFileSet> recorded,
                        context.store->SourceFilesFor(plan.record.pipeline, plan.record.task_id,
                                                      plan.record.interval_start));
  plan.rerun = recorded.has_value();
  if (recorded) {
    WEIR_ASSIGN_OR_RETURN(plan.files, RecordedFilesAgain(*recorded, ProjectFolder(context), log));
  } else {
    WEIR_ASSIGN_OR_RETURN(plan.files, NewFiles(context, plan.record, std::move(matched), log));
  }
  return plan;
}

// The rows DuckDB rejected (store_rejects), as WriteRejects takes them.
std::string RejectedRowsSql(const FileReadColumns& columns) {
  return "SELECT e.error_message AS reason, " + ShownPathSql("s.file_path", columns) +
         " || ':' || CAST(e.line AS VARCHAR) AS source, "
         "CAST(json_object('line', e.csv_line, 'column', e.column_name) AS VARCHAR) AS row_json "
         "FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, e.line";
}

// The rows DuckDB rejected into the rejects table; how many.
Result<int64_t> WriteRejectedRows(const FileExtract& x, DuckDbConnection& compute, const std::string& table,
                                  const FileReadColumns& columns) {
  WEIR_ASSIGN_OR_RETURN(auto per_reason, WriteRejects(compute, RejectedRowsSql(columns), table, x.context, x.services));
  int64_t rejected = 0;
  for (const auto& [reason, count] : per_reason) {
    rejected += count;
    x.log.Line("rejected " + std::to_string(count) + " rows to " + table + ": " + reason);
  }
  return rejected;
}

std::string Output(const FileExtract& x, int64_t rows, const std::vector<MatchedFile>& files,
                   std::optional<int64_t> rejected) {
  std::map<std::string, std::string> out = {{"rows_written", std::to_string(rows)},
                                            {"path", JsonString(x.to)},
                                            {"files", std::to_string(files.size())}};
  if (files.size() <= kListedFileNames) {
    std::string names;
    for (const MatchedFile& f : files) names += (names.empty() ? "" : ", ") + JsonString(f.shown);
    out["file_names"] = "[" + names + "]";
  }
  if (rejected) out["rejected"] = std::to_string(*rejected);
  return JsonObject(out);
}

Status RecordFiles(const FileExtract& x, const FileSourceKeys& keys, FilePlan& plan) {
  if (!keys.new_files_only) return OkStatus();
  for (const MatchedFile& f : plan.files) plan.record.files.push_back({f.shown, f.size_bytes, f.modified_at});
  plan.record.recorded_at = std::chrono::system_clock::now();
  StateStore& store = *x.context.store;
  if (plan.rerun) return store.RecordSourceFiles(plan.record);
  // Another interval of the task running at the same time may have taken
  // the same new files: checked and recorded in one transaction.
  return store.Batch([&]() -> Status {
    WEIR_ASSIGN_OR_RETURN(std::vector<SourceFileSet> sets,
                          store.SourceFileSets(plan.record.pipeline, plan.record.task_id));
    WEIR_TRY(CheckNotTakenMeanwhile(sets, plan.record));
    return store.RecordSourceFiles(plan.record);
  });
}

// No file to take. An error unless `allow_empty`; then a file with no
// rows but the columns of the newest file the glob matches, so that a
// load after it finds the usual columns and adds nothing (a
// replace_partition load empties its partition). When the glob matches
// nothing at all there are no columns to give: the task is skipped.
Result<std::string> NothingToTake(const FileExtract& x, const FileSourceKeys& keys, FilePlan& plan,
                                  const std::vector<MatchedFile>& matched, const FileReadColumns& columns) {
  if (!keys.allow_empty) {
    std::string why = matched.empty() ? "no file matches '" + keys.glob + "'"
                                      : "no new file matches '" + keys.glob + "' (the " +
                                            std::to_string(matched.size()) + " files it matches were taken before)";
    return UserError("no-files", why + ": set 'allow_empty: true' to succeed with no rows, or wait for files with "
                                       "a file sensor before this task", keys.glob_where);
  }
  if (matched.empty()) return SkipTask("no file matches '" + keys.glob + "' (allow_empty)");
  auto newest = std::max_element(matched.begin(), matched.end(),
                                 [](const auto& a, const auto& b) { return a.modified_at < b.modified_at; });
  std::vector<MatchedFile> model = {*newest};
  WEIR_ASSIGN_OR_RETURN(FileSourceOptions options, ReadFileSourceOptions(keys.format, keys.glob, model,
                                                                         keys.glob_where));
  WEIR_ASSIGN_OR_RETURN(auto compute, ConnectCompute(x.context));
  Result<int64_t> written = WriteQueryToFile(*compute, ReadFilesSql(model, options, columns) + " LIMIT 0",
                                             x.output.path, x.format, x.context);
  if (!written.ok()) return ExplainReadError(written.status(), *compute, model, options, x.context);
  WEIR_TRY(x.lake.Publish(x.output));
  WEIR_TRY(RecordFiles(x, keys, plan));
  x.log.Line("no new file: wrote no rows, with the columns of " + newest->shown);
  return Output(x, 0, {}, std::nullopt);
}

}  // namespace

Status CheckNotTakenMeanwhile(const std::vector<SourceFileSet>& sets, const SourceFileSet& taking) {
  for (const SourceFileSet& set : sets) {
    if (set.interval_start == taking.interval_start) continue;
    for (const SourceFile& file : set.files) {
      if (std::find(taking.files.begin(), taking.files.end(), file) == taking.files.end()) continue;
      return Fault("source-file-taken", "'" + file.path + "' was taken by the interval of " + set.interval_start +
                                            ", which ran at the same time: a retry leaves it out (run the "
                                            "intervals of an incremental file source one at a time: "
                                            "max_active_runs: 1)");
    }
  }
  return OkStatus();
}

Result<std::string> ExtractFromFiles(const FileExtract& x) {
  WEIR_ASSIGN_OR_RETURN(FileSourceKeys keys, ReadKeys(x.context.task, x.names));
  const std::string root = ProjectFolder(x.context);
  WEIR_ASSIGN_OR_RETURN(std::vector<MatchedFile> matched, MatchFiles(root, keys.glob));
  x.log.Line(keys.glob + " matches " + std::to_string(matched.size()) + " files");
  WEIR_ASSIGN_OR_RETURN(FilePlan plan, PlanFiles(x.context, keys, matched, x.log));
  FileReadColumns columns{keys.filename_column, root, !std::filesystem::path(keys.glob).is_absolute()};
  if (plan.files.empty()) return NothingToTake(x, keys, plan, matched, columns);
  WEIR_ASSIGN_OR_RETURN(FileSourceOptions options,
                        ReadFileSourceOptions(keys.format, keys.glob, plan.files, keys.glob_where));
  bool rejects = !keys.rejects_table.empty();
  if (rejects && options.type != SourceFormat::kCsv) {
    return UserError("bad-value", "a file source's 'rejects' takes the bad rows of CSV files; these are not CSV",
                     x.context.task.param("rejects")->where());
  }
  for (const MatchedFile& f : plan.files) x.log.Line("taking " + f.shown + " (" + Bytes(f.size_bytes) + ")");
  WEIR_ASSIGN_OR_RETURN(auto compute, ConnectCompute(x.context));
  std::string sql = rejects ? ReadCsvFilesKeepingRejectsSql(plan.files, options, columns)
                            : ReadFilesSql(plan.files, options, columns);
  Result<int64_t> written = WriteQueryToFile(*compute, sql, x.output.path, x.format, x.context);
  if (!written.ok()) return ExplainReadError(written.status(), *compute, plan.files, options, x.context);
  std::optional<int64_t> rejected;
  if (rejects) {
    WEIR_ASSIGN_OR_RETURN(rejected, WriteRejectedRows(x, *compute, keys.rejects_table, columns));
  }
  WEIR_TRY(x.lake.Publish(x.output));
  WEIR_TRY(RecordFiles(x, keys, plan));
  x.log.Line("wrote " + std::to_string(*written) + " rows from " + std::to_string(plan.files.size()) + " files to " +
             x.to);
  return Output(x, *written, plan.files, rejected);
}

}  // namespace weir::tasks_internal
