// File sources: glob matching, formats by extension and `format:`, and
// the DuckDB SQL that reads the matched files (file_source.h).
#include "tasks/internal/file_source.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "common/text.h"

namespace weir::tasks_internal {
namespace {
namespace fs = std::filesystem;

bool HasWildcard(std::string_view part) { return part.find_first_of("*?[") != std::string_view::npos; }

std::string Join(const std::string& folder, const std::string& name) {
  if (folder.empty()) return name;
  return folder.back() == '/' ? folder + name : folder + "/" + name;
}

std::optional<MatchedFile> RegularFile(const std::string& absolute, const std::string& shown) {
  struct stat st {};
  if (::stat(absolute.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  int64_t millis = int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1000000;
  return MatchedFile{shown, absolute, static_cast<int64_t>(st.st_size), TimePoint(std::chrono::milliseconds(millis))};
}

// Walks the glob's parts from a folder, adding the files that match.
class GlobWalk {
 public:
  explicit GlobWalk(std::vector<std::string> parts) : parts_(std::move(parts)) {}

  Status Walk(const std::string& folder, const std::string& shown, size_t index) {
    const std::string& part = parts_[index];
    bool last = index + 1 == parts_.size();
    if (part == "**") return WalkDeeper(folder, shown, index);
    if (!HasWildcard(part)) {
      std::string absolute = Join(folder, part);
      if (last) return Add(absolute, Join(shown, part));
      return fs::is_directory(absolute) ? Walk(absolute, Join(shown, part), index + 1) : OkStatus();
    }
    WEIR_ASSIGN_OR_RETURN(std::vector<fs::directory_entry> entries, List(folder));
    for (const fs::directory_entry& entry : entries) {
      std::string name = entry.path().filename().string();
      if (::fnmatch(part.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
      std::error_code ec;
      if (last) {
        WEIR_TRY(Add(Join(folder, name), Join(shown, name)));
      } else if (entry.is_directory(ec)) {
        WEIR_TRY(Walk(Join(folder, name), Join(shown, name), index + 1));
      }
    }
    return OkStatus();
  }

  std::vector<MatchedFile>& files() { return files_; }

 private:
  // "**": the rest of the glob here (zero folders), then in every folder
  // below, hidden ones and symbolic links (which could loop) left out.
  Status WalkDeeper(const std::string& folder, const std::string& shown, size_t index) {
    WEIR_TRY(Walk(folder, shown, index + 1));
    WEIR_ASSIGN_OR_RETURN(std::vector<fs::directory_entry> entries, List(folder));
    for (const fs::directory_entry& entry : entries) {
      std::string name = entry.path().filename().string();
      std::error_code ec;
      if (name[0] == '.' || entry.is_symlink(ec) || !entry.is_directory(ec)) continue;
      WEIR_TRY(Walk(Join(folder, name), Join(shown, name), index));
    }
    return OkStatus();
  }

  Status Add(const std::string& absolute, const std::string& shown) {
    if (std::optional<MatchedFile> file = RegularFile(absolute, shown)) files_.push_back(std::move(*file));
    return OkStatus();
  }

  static Result<std::vector<fs::directory_entry>> List(const std::string& folder) {
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return entries;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) entries.push_back(*it);
    if (ec) return Fault("file-list", "cannot list the folder '" + folder + "': " + ec.message());
    return entries;
  }

  std::vector<std::string> parts_;
  std::vector<MatchedFile> files_;
};

// ", name = value" options of read_csv.
std::string CsvOptions(const FileSourceOptions& o) {
  std::string out;
  out += ", delim = " + SqlString(o.delimiter) + ", header = " + (o.header ? "true" : "false") +
         ", quote = " + SqlString(o.quote);
  if (o.escape) out += ", escape = " + SqlString(*o.escape);
  if (o.null) out += ", nullstr = " + SqlString(*o.null);
  if (o.skip) out += ", skip = " + std::to_string(*o.skip);
  if (o.all_varchar) out += ", all_varchar = true";
  return out;
}

std::string CompressionOption(const FileSourceOptions& o) {
  return o.compression.empty() ? "" : ", compression = " + SqlString(o.compression);
}

std::string FilenameOption(const FileReadColumns& columns) {
  return columns.filename_column.empty() ? "" : ", filename = " + SqlString(columns.filename_column);
}

// The table function reading `paths` (a SQL list or one string).
std::string ReadFunction(const std::string& paths, const FileSourceOptions& o, const std::string& extra) {
  const std::string common = ", hive_partitioning = false" + extra;
  switch (o.type) {
    case SourceFormat::kCsv: return "read_csv(" + paths + common + CsvOptions(o) + CompressionOption(o) + ")";
    case SourceFormat::kJson: return "read_json(" + paths + common + CompressionOption(o) + ")";
    case SourceFormat::kNdjson:
      return "read_json(" + paths + ", format = 'newline_delimited'" + common + CompressionOption(o) + ")";
    case SourceFormat::kParquet: return "read_parquet(" + paths + common + ")";
  }
  return "";
}

// The filename column as the glob names the files.
std::string SelectWithShownNames(const std::string& from, const FileReadColumns& columns) {
  if (columns.filename_column.empty() || !columns.relative) return "SELECT * FROM " + from;
  std::string column = SqlIdentifier(columns.filename_column);
  return "SELECT * REPLACE (" + ShownPathSql(column, columns) + " AS " + column + ") FROM " + from;
}

const std::vector<std::string> kTypeNames = {"csv", "tsv", "json", "ndjson", "parquet"};
const std::vector<std::string> kFormatKeys = {"type",  "compression", "delimiter", "header",     "quote",
                                              "escape", "nullstr",     "skip",      "all_varchar"};

// The format of the files when `format:` names no type: the glob's
// extension, else the files' (which must agree).
Result<FileSourceOptions> FormatOfFiles(const std::string& glob, const std::vector<MatchedFile>& files,
                                        const SourceLocation& where) {
  if (std::optional<FileSourceOptions> options = FormatOfName(glob)) return *options;
  const MatchedFile* first = nullptr;
  std::optional<FileSourceOptions> found;
  for (const MatchedFile& file : files) {
    std::optional<FileSourceOptions> options = FormatOfName(file.shown);
    if (!options) {
      return UserError("bad-file-format", "cannot tell the format of '" + file.shown + "' from its name: set "
                                          "format: {type: ...} (" + QuotedList(kTypeNames) + ")", where);
    }
    if (found && (found->type != options->type || found->delimiter != options->delimiter)) {
      return UserError("bad-file-format", "the glob matches files of different formats ('" + first->shown + "', '" +
                                          file.shown + "'): narrow it, or set format: {type: ...}", where);
    }
    found = options;
    if (first == nullptr) first = &file;
  }
  if (!found) {
    return UserError("bad-file-format", "cannot tell the format from the glob '" + glob + "': end it with an "
                                        "extension (.csv, .parquet, ...) or set format: {type: ...}", where);
  }
  return *found;
}

Status ReadFormatKey(const std::string& key, const ConfigNode& value, FileSourceOptions& options) {
  const std::string what = "'format." + key + "'";
  if (key == "header" || key == "all_varchar") {
    WEIR_ASSIGN_OR_RETURN(bool flag, value.AsBool(what));
    if (key == "header") options.header = flag;
    if (key == "all_varchar") options.all_varchar = flag;
    return OkStatus();
  }
  if (key == "skip") {
    WEIR_ASSIGN_OR_RETURN(options.skip, value.AsInt(what));
    return OkStatus();
  }
  WEIR_ASSIGN_OR_RETURN(std::string text, value.AsString(what));
  if (key == "compression") {
    static const std::vector<std::string> kCompressions = {"auto", "gzip", "zstd", "none"};
    if (std::find(kCompressions.begin(), kCompressions.end(), text) == kCompressions.end()) {
      return UserError("bad-file-format", what + " must be " + QuotedList(kCompressions) + ", got '" + text + "'",
                       value.where());
    }
    options.compression = text == "auto" ? "" : text;
  }
  if (key == "delimiter") options.delimiter = text;
  if (key == "quote") options.quote = text;
  if (key == "escape") options.escape = text;
  if (key == "nullstr") options.null = text;
  return OkStatus();
}

}  // namespace

Result<std::vector<MatchedFile>> MatchFiles(const std::string& project_root, const std::string& glob) {
  std::vector<std::string> parts;
  for (const fs::path& part : fs::path(glob).relative_path()) {
    if (!part.empty()) parts.push_back(part.string());
  }
  if (parts.empty()) return std::vector<MatchedFile>();
  if (parts.back() == "**") parts.push_back("*");  // "dir/**": every file below dir
  bool absolute = fs::path(glob).is_absolute();
  GlobWalk walk(std::move(parts));
  WEIR_TRY(walk.Walk(absolute ? "/" : project_root, absolute ? "/" : "", 0));
  std::vector<MatchedFile>& files = walk.files();
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.shown < b.shown; });
  // "a/**/**/b" reaches a file more than once.
  files.erase(std::unique(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.shown == b.shown; }),
              files.end());
  return std::move(files);
}

std::optional<MatchedFile> FindFile(const std::string& project_root, const std::string& shown) {
  return RegularFile(fs::path(shown).is_absolute() ? shown : Join(project_root, shown), shown);
}

std::optional<FileSourceOptions> FormatOfName(const std::string& name) {
  std::string rest = fs::path(name).filename().string();
  for (const char* compressed : {".gz", ".zst"}) {
    size_t n = std::string_view(compressed).size();
    if (rest.size() > n && rest.compare(rest.size() - n, n, compressed) == 0) rest.resize(rest.size() - n);
  }
  std::string ext = fs::path(rest).extension().string();
  FileSourceOptions options;
  if (ext == ".csv") return options;
  if (ext == ".tsv") {
    options.delimiter = "\t";
    return options;
  }
  if (ext == ".json") options.type = SourceFormat::kJson;
  else if (ext == ".ndjson" || ext == ".jsonl") options.type = SourceFormat::kNdjson;
  else if (ext == ".parquet") options.type = SourceFormat::kParquet;
  else return std::nullopt;
  return options;
}

namespace {

// The type `format:` names, with its defaults (tsv: a tab delimiter).
Result<FileSourceOptions> FormatOfType(const ConfigNode& type) {
  WEIR_ASSIGN_OR_RETURN(std::string name, type.AsString("'format.type'"));
  if (std::find(kTypeNames.begin(), kTypeNames.end(), name) != kTypeNames.end()) return *FormatOfName("x." + name);
  return UserError("bad-file-format", "'format.type' must be " + QuotedList(kTypeNames) + ", got '" + name + "'" +
                                          DidYouMean(name, kTypeNames), type.where());
}

}  // namespace

Result<FileSourceOptions> ReadFileSourceOptions(const ConfigNode* format, const std::string& glob,
                                                const std::vector<MatchedFile>& files, const SourceLocation& where) {
  const ConfigNode* type = format == nullptr ? nullptr : format->is_map() ? format->Find("type") : format;
  FileSourceOptions options;
  if (type != nullptr && !type->is_null()) {
    WEIR_ASSIGN_OR_RETURN(options, FormatOfType(*type));
  } else {
    WEIR_ASSIGN_OR_RETURN(options, FormatOfFiles(glob, files, where));
  }
  if (format == nullptr || !format->is_map()) return options;
  for (const auto& [key, value] : format->entries()) {
    if (key.scalar() == "type") continue;
    if (std::find(kFormatKeys.begin(), kFormatKeys.end(), key.scalar()) == kFormatKeys.end()) {
      return UserError("unknown-key", "'format': unknown key '" + key.scalar() + "'" +
                                          DidYouMean(key.scalar(), kFormatKeys), key.where());
    }
    WEIR_TRY(ReadFormatKey(key.scalar(), value, options));
  }
  return options;
}

// DuckDB's paths are the ones it was given: the project folder joined with
// the shown path when the glob is relative.
std::string ShownPathSql(const std::string& path_sql, const FileReadColumns& columns) {
  if (!columns.relative) return path_sql;
  size_t prefix = Join(columns.project_root, "").size();
  return "substr(" + path_sql + ", " + std::to_string(prefix + 1) + ")";
}

std::string ReadFilesSql(const std::vector<MatchedFile>& files, const FileSourceOptions& options,
                         const FileReadColumns& columns) {
  std::string list;
  for (const MatchedFile& f : files) list += (list.empty() ? "[" : ", ") + SqlString(f.absolute);
  list += "]";
  return SelectWithShownNames(ReadFunction(list, options, ", union_by_name = true" + FilenameOption(columns)),
                              columns);
}

std::string ReadCsvFilesKeepingRejectsSql(const std::vector<MatchedFile>& files, const FileSourceOptions& options,
                                          const FileReadColumns& columns) {
  std::string each;
  for (const MatchedFile& f : files) {
    if (!each.empty()) each += "\nUNION ALL BY NAME ";
    each += "SELECT * FROM " + ReadFunction(SqlString(f.absolute), options,
                                            ", store_rejects = true" + FilenameOption(columns));
  }
  return SelectWithShownNames("(" + each + ")", columns);
}

std::string ReadOneFileSql(const std::string& absolute, const FileSourceOptions& options, int columns_as_text) {
  if (columns_as_text <= 0 || options.type != SourceFormat::kCsv) {
    return "SELECT * FROM " + ReadFunction(SqlString(absolute), options, "");
  }
  FileSourceOptions plain = options;
  plain.all_varchar = false;
  std::string types;
  for (int i = 1; i <= columns_as_text; ++i) {
    types += (i == 1 ? "" : ", ") + SqlString("column" + std::to_string(i)) + ": 'VARCHAR'";
  }
  return "SELECT * FROM " +
         ReadFunction(SqlString(absolute), plain, ", auto_detect = false, columns = {" + types + "}");
}

}  // namespace weir::tasks_internal
