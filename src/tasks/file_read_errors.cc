// DuckDB's errors while reading source files, made into "file-read"
// errors that name the file and line (file_source.h, ExplainReadError).
#include <algorithm>

#include "tasks/internal/file_source.h"

namespace weir::tasks_internal {
namespace {

constexpr size_t kShownLineLimit = 200;  // of a bad line quoted in a message

// What a DuckDB read error says, taken apart.
struct ReadErrorParts {
  std::string file;  // as DuckDB names it; "" when it does not
  int line = 0;      // 0: unknown
  std::string reason;
  std::string bad_line;         // a CSV error's "Original Line"
  bool sniffer_gave_up = false;  // the CSV sniffer failed: no line
  bool detected_type = false;   // a value did not fit the type DuckDB detected
  bool json_lines = false;      // newline-delimited JSON: DuckDB's "line" is not one (FindBadJsonLine)
};

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool StartsWith(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

// "Invalid Input Error: x" -> "x".
std::string WithoutErrorType(const std::string& line) {
  size_t colon = line.find(" Error: ");
  return colon != std::string::npos && colon < 40 ? line.substr(colon + 8) : line;
}

// The digits right after `label` in `text`, or 0.
int NumberAfter(const std::string& text, const std::string& label) {
  size_t at = text.find(label);
  if (at == std::string::npos) return 0;
  size_t start = at + label.size();
  size_t end = start;
  while (end < text.size() && end - start < 9 && text[end] >= '0' && text[end] <= '9') ++end;
  return end > start ? std::stoi(text.substr(start, end - start)) : 0;
}

// The text between `open` + quote and the next quote, or "".
std::string QuotedAfter(const std::string& text, const std::string& open, char quote) {
  size_t at = text.find(open + quote);
  if (at == std::string::npos) return "";
  size_t start = at + open.size() + 1;
  size_t end = text.find(quote, start);
  return end == std::string::npos ? "" : text.substr(start, end - start);
}

// A CSV error: "CSV Error on Line: N", "Original Line: ...", its reason
// as the last line before DuckDB's advice ("Possible fixes", or a
// conversion's "Column x is being converted ...").
void ParseCsvError(const std::vector<std::string>& lines, ReadErrorParts& parts) {
  for (size_t i = 1; i < lines.size(); ++i) {
    const std::string& line = lines[i];
    if (StartsWith(line, "Possible ") || StartsWith(line, "Column ") || StartsWith(line, "  file = ")) break;
    if (StartsWith(line, "Original Line: ")) {
      parts.bad_line = line.substr(15);
    } else if (!line.empty()) {
      parts.reason = line;
    }
  }
}

ReadErrorParts ParseReadError(const std::string& message) {
  std::vector<std::string> lines = SplitLines(message);
  ReadErrorParts parts;
  std::string first = WithoutErrorType(lines[0]);
  parts.reason = first;
  for (const std::string& line : lines) {
    if (StartsWith(line, "  file = ")) parts.file = line.substr(9);
  }
  if (parts.file.empty()) parts.file = QuotedAfter(first, "file ", '"');
  if (parts.file.empty()) parts.file = QuotedAfter(first, "file ", '\'');
  parts.sniffer_gave_up = first.find("Error when sniffing file") != std::string::npos;
  if (StartsWith(first, "CSV Error on Line: ")) {
    parts.line = NumberAfter(first, "CSV Error on Line: ");
    ParseCsvError(lines, parts);
  } else {
    parts.json_lines = first.find("JSON") != std::string::npos && NumberAfter(first, " in line ") > 0;
  }
  parts.detected_type = message.find("This type was auto-detected") != std::string::npos;
  return parts;
}

const MatchedFile* FileNamed(const std::vector<MatchedFile>& files, const std::string& name) {
  if (name.empty()) return nullptr;
  auto it = std::find_if(files.begin(), files.end(),
                         [&](const MatchedFile& f) { return f.absolute == name || f.shown == name; });
  return it == files.end() ? nullptr : &*it;
}

std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); !from.empty() && at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

Status FileReadError(const MatchedFile& file, const ReadErrorParts& parts) {
  std::string message = "cannot read " + file.shown + (parts.line > 0 ? ", line " + std::to_string(parts.line) : "") +
                        ": " + Replaced(parts.reason, file.absolute, file.shown);
  if (!parts.bad_line.empty()) {
    bool long_line = parts.bad_line.size() > kShownLineLimit;
    message += " (the line: '" + parts.bad_line.substr(0, kShownLineLimit) + (long_line ? "...'" : "'") + ")";
  }
  if (parts.detected_type) {
    message += "; the column's type was detected from the first rows: fix the file, or set format: "
               "{all_varchar: true} to read every column as text";
  }
  return UserError("file-read", message, SourceLocation{file.shown, parts.line, 0});
}

// How many fields `line` has, split at `delimiter` outside `quote`s.
int CountFields(const std::string& line, const std::string& delimiter, const std::string& quote) {
  int fields = 1;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    if (!quote.empty() && line.compare(i, quote.size(), quote) == 0) {
      quoted = !quoted;
    } else if (!quoted && line.compare(i, delimiter.size(), delimiter) == 0) {
      ++fields;
      i += delimiter.size() - 1;
    }
  }
  return fields;
}

// The file's lines (decompressed) as the column `line`, a blank one NULL;
// WITH ORDINALITY numbers them from 1 (after `skip`).
std::string LinesOf(const MatchedFile& file, const FileSourceOptions& options) {
  std::string compression = options.compression.empty() ? "" : ", compression = " + SqlString(options.compression);
  return "read_csv(" + SqlString(file.absolute) + ", auto_detect = false, header = false, quote = '', escape = '', " +
         "delim = " + SqlString(std::string(1, '\x1f')) + ", skip = " + std::to_string(options.skip.value_or(0)) +
         ", max_line_size = 100000000" + compression + ", columns = {'line': 'VARCHAR'})";
}

// DuckDB (1.4) numbers a newline-delimited JSON error's "line" by the
// records before it, from 2 and without blank lines: the line is the
// first of the file that is not valid JSON (0: none is).
Result<int> FindBadJsonLine(DuckDbConnection& db, const MatchedFile& file, const FileSourceOptions& options) {
  WEIR_TRY(db.Execute("SET threads = 1"));  // numbered in the file's order
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> line,
                        db.QueryValue("SELECT ordinality FROM " + LinesOf(file, options) +
                                      " WITH ORDINALITY WHERE trim(line) <> '' AND NOT json_valid(line) "
                                      "ORDER BY ordinality LIMIT 1"));
  return line ? std::stoi(*line) : 0;
}

// DuckDB's "in line N" of a JSON error made the line found.
Result<ReadErrorParts> WithJsonLine(DuckDbConnection& db, const MatchedFile& file, const FileSourceOptions& options,
                                    ReadErrorParts parts) {
  WEIR_ASSIGN_OR_RETURN(parts.line, FindBadJsonLine(db, file, options));
  size_t at = parts.reason.find(" in line ");
  size_t digits = at == std::string::npos ? at : parts.reason.find_first_not_of("0123456789", at + 9);
  if (parts.line > 0 && digits != std::string::npos) {
    parts.reason.replace(at, digits - at, " in line " + std::to_string(parts.line));
  }
  return parts;
}

// The CSV sniffer gave up on `file`: its first line says how many fields a
// line has, and a read of that many text columns, nothing detected, stops
// at the first line that does not fit.
Result<ReadErrorParts> FindBadCsvLine(DuckDbConnection& db, const MatchedFile& file, const FileSourceOptions& options,
                                      const TaskContext& context) {
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> first,
                        db.QueryValue("SELECT line FROM " + LinesOf(file, options) + " LIMIT 1"));
  int fields = CountFields(first.value_or(""), options.delimiter, options.quote);
  Status read = db.ExecuteUntil("SELECT count(t) FROM (" + ReadOneFileSql(file.absolute, options, fields) + ") t",
                                context.cancel, context.deadline);
  if (read.ok()) return ReadErrorParts{};
  if (read.kind() != ErrorKind::kUser) return read;
  return ParseReadError(read.message());
}

// The sniffer's error names no line: the line found by reading the file
// as text, else the sniffer's own message.
Status ExplainSnifferFailure(DuckDbConnection& db, const MatchedFile& file, const ReadErrorParts& parts,
                             const FileSourceOptions& options, const TaskContext& context) {
  if (options.type != SourceFormat::kCsv) return FileReadError(file, parts);
  WEIR_ASSIGN_OR_RETURN(ReadErrorParts found, FindBadCsvLine(db, file, options, context));
  return FileReadError(file, found.line > 0 ? found : parts);
}

// The error of `file`, with its line found where DuckDB's message has none.
Status ExplainFileError(DuckDbConnection& db, const MatchedFile& file, const ReadErrorParts& parts,
                        const FileSourceOptions& options, const TaskContext& context) {
  if (parts.sniffer_gave_up) return ExplainSnifferFailure(db, file, parts, options, context);
  if (!parts.json_lines) return FileReadError(file, parts);
  WEIR_ASSIGN_OR_RETURN(ReadErrorParts found, WithJsonLine(db, file, options, parts));
  return FileReadError(file, found);
}

}  // namespace

Status ExplainReadError(const Status& failed, DuckDbConnection& db, const std::vector<MatchedFile>& files,
                        const FileSourceOptions& options, const TaskContext& context) {
  if (failed.kind() != ErrorKind::kUser) return failed;
  ReadErrorParts parts = ParseReadError(failed.message());
  const MatchedFile* named = FileNamed(files, parts.file);
  if (named != nullptr) return ExplainFileError(db, *named, parts, options, context);
  // DuckDB did not say which file (its sniffer names none when reading
  // files by name): each file alone, every column materialised.
  for (const MatchedFile& file : files) {
    Status alone = db.ExecuteUntil("SELECT count(t) FROM (" + ReadOneFileSql(file.absolute, options) + ") t",
                                   context.cancel, context.deadline);
    if (alone.ok()) continue;
    if (alone.kind() != ErrorKind::kUser) return alone;
    return ExplainFileError(db, file, ParseReadError(alone.message()), options, context);
  }
  return UserError("file-read", "cannot read the files together: " + parts.reason);
}

}  // namespace weir::tasks_internal
