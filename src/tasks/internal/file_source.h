// File sources, the extract task's `files:` (file_source.cc): the files a
// glob matches, their format and its options (`format:`), and the DuckDB
// SQL that reads them all as one table.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tasks/internal/data.h"

namespace weir::tasks_internal {

// A file a glob matched.
struct MatchedFile {
  std::string shown;     // as written in the glob: relative to the project folder when the glob is
  std::string absolute;  // the project folder joined with `shown`, or `shown` when absolute
  int64_t size_bytes = 0;
  TimePoint modified_at;  // to the millisecond, as the state store keeps it
};

// The regular files `glob` matches, sorted by `shown`. `*`, `?` and
// `[...]` match within one path part and not a leading '.', so hidden
// files (partial uploads such as ".orders.csv.part") are left out; `**`
// matches any number of folders. A relative glob is read from
// `project_root`. An absent folder matches nothing. Fault "file-list" when
// a folder cannot be listed.
Result<std::vector<MatchedFile>> MatchFiles(const std::string& project_root, const std::string& glob);

// The regular file `shown` (a MatchedFile's, as the state store recorded
// it) as it is now; none when it is gone.
std::optional<MatchedFile> FindFile(const std::string& project_root, const std::string& shown);

enum class SourceFormat { kCsv, kJson, kNdjson, kParquet };

// The `format:` of a file source. The CSV dialect is fixed by default
// (RFC 4180 with a header), not detected: DuckDB's sniffer, given a file
// with a bad line among its first rows, can settle on another delimiter
// and read every line as one column without an error. Unset options are
// DuckDB's (its sniffer still detects the column types).
struct FileSourceOptions {
  SourceFormat type = SourceFormat::kCsv;  // by default from the extension
  std::string compression;                  // "": from each file's extension (.gz, .zst); gzip, zstd, none
  std::string delimiter = ",";              // CSV; a tab for .tsv
  bool header = true;                       // CSV
  std::string quote = "\"";                 // CSV; "" for none
  std::optional<std::string> escape;        // CSV; detected by DuckDB (usually the quote)
  std::optional<std::string> null;          // CSV: the text read as NULL; DuckDB's default: empty
  std::optional<int64_t> skip;              // CSV: lines before the header
  bool all_varchar = false;                 // CSV: every column as VARCHAR, no type detection
};

// The format a file name's extension names (.csv, .tsv, .json, .ndjson,
// .jsonl, .parquet, each optionally followed by .gz or .zst), or none.
std::optional<FileSourceOptions> FormatOfName(const std::string& name);

// The task's `format:` (a mapping, or a type name as a shorthand) over the
// defaults of the glob's extension, or of the files' when the glob's names
// none (then they must agree). UserError "bad-file-format" at `where`.
Result<FileSourceOptions> ReadFileSourceOptions(const ConfigNode* format, const std::string& glob,
                                                const std::vector<MatchedFile>& files, const SourceLocation& where);

// What reading the files adds to their rows.
struct FileReadColumns {
  std::string filename_column;  // "": none; else each row's file, as MatchedFile::shown
  std::string project_root;     // what `shown` is relative to (with a relative glob)
  bool relative = true;         // the glob was relative
};

// SQL of the path DuckDB read (`path_sql`, absolute) as MatchedFile::shown.
std::string ShownPathSql(const std::string& path_sql, const FileReadColumns& columns);

// A SELECT of every row of `files` (at least one), their columns matched
// by name (a column that a file lacks is NULL there).
std::string ReadFilesSql(const std::vector<MatchedFile>& files, const FileSourceOptions& options,
                         const FileReadColumns& columns);

// The same for CSV files, each read alone with DuckDB's store_rejects
// (which cannot read several files by name at once): rows that do not
// parse go to the connection's temporary reject_errors and reject_scans
// tables instead of failing the read.
std::string ReadCsvFilesKeepingRejectsSql(const std::vector<MatchedFile>& files, const FileSourceOptions& options,
                                          const FileReadColumns& columns);

// One file alone, as ReadFilesSql reads it; with `columns_as_text` > 0,
// a CSV file as that many VARCHAR columns with nothing detected (to find
// the line that DuckDB's sniffer gave up on).
std::string ReadOneFileSql(const std::string& absolute, const FileSourceOptions& options, int columns_as_text = 0);

// A failed read of `files` (file_read_errors.cc) as the user error
// "file-read" naming the file and line and what is wrong there. DuckDB's
// message usually names them; when it does not (its CSV sniffer gives up
// on a file without saying where), each file is read again alone on `db`,
// a CSV one as columns of text with nothing detected, to find them. Other
// errors (faults, cancellation, timeouts) come back as they are.
Status ExplainReadError(const Status& failed, DuckDbConnection& db, const std::vector<MatchedFile>& files,
                        const FileSourceOptions& options, const TaskContext& context);

}  // namespace weir::tasks_internal
