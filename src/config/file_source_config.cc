#include "config/internal/file_source_config.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "common/text.h"
#include "config/internal/fields.h"

namespace weir::config_internal {
namespace {

const std::vector<std::string> kTypes = {"csv", "tsv", "json", "ndjson", "parquet"};
const std::vector<std::string> kFormatKeys = {"type",  "compression", "delimiter", "header",     "quote",
                                              "escape", "nullstr",     "skip",      "all_varchar"};
const std::vector<std::string> kCsvKeys = {"delimiter", "header", "quote", "escape", "nullstr", "skip", "all_varchar"};

bool IsCsv(const std::string& type) { return type == "csv" || type == "tsv"; }

// The type a glob's extension names (before .gz or .zst), if any; a glob
// with a template decides at run time.
std::optional<std::string> TypeOfGlob(const std::string& glob) {
  if (glob.find("{{") != std::string::npos) return std::nullopt;
  std::string name = std::filesystem::path(glob).filename().string();
  for (std::string_view compressed : {".gz", ".zst"}) {
    if (name.size() > compressed.size() && name.compare(name.size() - compressed.size(), compressed.size(),
                                                        compressed) == 0) {
      name.resize(name.size() - compressed.size());
    }
  }
  std::string ext = std::filesystem::path(name).extension().string();
  if (ext == ".jsonl") return "ndjson";
  if (ext.size() > 1 && std::find(kTypes.begin(), kTypes.end(), ext.substr(1)) != kTypes.end()) return ext.substr(1);
  return std::nullopt;
}

// One character, or "" (none) where `empty_ok`: quote and escape.
void CheckCharacter(MapFields& fields, const std::string& key, bool empty_ok) {
  std::optional<std::string> text = fields.String(key);
  if (!text || text->size() == 1 || (empty_ok && text->empty())) return;
  fields.Add(UserError("bad-value", "'format." + key + "' must be one character" + (empty_ok ? " or ''" : "") +
                                        ", got '" + *text + "'", fields.Get(key)->where()));
}

// `format:`: a type name, or a mapping of a type and its options. Returns
// the type it names (if any).
std::optional<std::string> CheckFormat(const ConfigNode& format, std::vector<Status>& errors) {
  if (format.is_scalar()) {
    if (std::find(kTypes.begin(), kTypes.end(), format.scalar()) != kTypes.end()) return format.scalar();
    errors.push_back(UserError("bad-file-format", "'format' must be " + QuotedList(kTypes) + " or a mapping such as "
                                                  "{type: csv, delimiter: ';'}, got '" + format.scalar() + "'" +
                                                  DidYouMean(format.scalar(), kTypes), format.where()));
    return std::nullopt;
  }
  MapFields fields(format, "'format'", kFormatKeys, errors);
  if (!fields.is_map()) return std::nullopt;
  std::optional<std::string> type = fields.Choice("type", kTypes);
  fields.Choice("compression", {"auto", "gzip", "zstd", "none"});
  fields.Bool("header");
  fields.Bool("all_varchar");
  fields.Int("skip", 0);
  fields.String("nullstr");
  std::optional<std::string> delimiter = fields.String("delimiter");
  if (delimiter && (delimiter->empty() || delimiter->size() > 4)) {
    fields.Add(UserError("bad-value", "'format.delimiter' must be 1 to 4 bytes, got '" + *delimiter + "'",
                         fields.Get("delimiter")->where()));
  }
  CheckCharacter(fields, "quote", true);
  CheckCharacter(fields, "escape", true);
  return type;
}

// Keys that fit CSV files only, on files of another type.
void CheckKeysFitType(const ConfigNode& node, const std::string& type, std::vector<Status>& errors) {
  static const std::vector<ConfigNode::Entry> kNoEntries;
  const ConfigNode* format = node.Find("format");
  for (const auto& [key, value] : format != nullptr && format->is_map() ? format->entries() : kNoEntries) {
    bool csv_only = std::find(kCsvKeys.begin(), kCsvKeys.end(), key.scalar()) != kCsvKeys.end();
    bool compressed = key.scalar() == "compression" && type == "parquet";
    if (!csv_only && !compressed) continue;
    errors.push_back(UserError("unknown-key", "'format." + key.scalar() + "' does not apply to " + type +
                                              " files", key.where()));
  }
  if (const ConfigNode* rejects = node.Find("rejects")) {
    errors.push_back(UserError("bad-value", "'rejects' takes the bad rows of CSV files, and these are " + type +
                                            " files: a bad " + type + " file fails the task", rejects->where()));
  }
}

std::optional<std::string> StringKey(const ConfigNode& node, const std::string& key, std::vector<Status>& errors) {
  const ConfigNode* value = node.Find(key);
  if (value == nullptr) return std::nullopt;
  Result<std::string> text = value->AsString("'" + key + "'");
  if (!text.ok()) errors.push_back(text.status());
  return text.ok() ? std::optional<std::string>(*text) : std::nullopt;
}

}  // namespace

const std::vector<std::string>& FileSourceKeys() {
  static const std::vector<std::string> kKeys = {"files", "format", "filename_column", "allow_empty", "rejects"};
  return kKeys;
}

const std::vector<std::string>& ConnectionSourceKeys() {
  static const std::vector<std::string> kKeys = {"connection", "sql", "parallel"};
  return kKeys;
}

void CheckFileSource(const ConfigNode& node, const std::string& label, std::vector<Status>& errors) {
  for (const auto& [key, value] : node.entries()) {
    const std::vector<std::string>& others = ConnectionSourceKeys();
    if (std::find(others.begin(), others.end(), key.scalar()) == others.end()) continue;
    errors.push_back(UserError("unknown-key", "'" + key.scalar() + "' does not apply to " + label + ", which reads "
                                              "'files' (an extract reads a connection's 'sql', or files)",
                               key.where()));
  }
  std::optional<std::string> glob = StringKey(node, "files", errors);
  std::optional<std::string> type = glob ? TypeOfGlob(*glob) : std::nullopt;
  if (const ConfigNode* format = node.Find("format")) {
    if (std::optional<std::string> named = CheckFormat(*format, errors)) type = named;
  }
  if (type && !IsCsv(*type)) CheckKeysFitType(node, *type, errors);
  if (const ConfigNode* incremental = node.Find("incremental");
      incremental != nullptr && !(incremental->is_scalar() && incremental->scalar() == "new_files")) {
    errors.push_back(UserError("bad-value", "a file source's 'incremental' is 'new_files' (each interval takes the "
                                            "files no other interval took)", incremental->where()));
  }
  if (const ConfigNode* allow_empty = node.Find("allow_empty")) {
    if (Status s = allow_empty->AsBool("'allow_empty'").status(); !s.ok()) errors.push_back(s);
  }
  StringKey(node, "filename_column", errors);
  if (const ConfigNode* rejects = node.Find("rejects")) {
    MapFields rejects_fields(*rejects, "'rejects'", {"table"}, errors);
    rejects_fields.Require("table");
    rejects_fields.String("table");
  }
}

}  // namespace weir::config_internal
