// What a suite checks: `table:` (a table or view), `path:` (files in the
// lake, read by DuckDB's readers), or `query:`; narrowed by `where:` and by
// `partition_by:` to the run's data interval.
#include "connectors/connectors.h"
#include "quality/quality.h"

namespace weir {
namespace {

bool EndsWith(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<std::string> LakeReader(const std::string& path, const TargetOptions& options, const SourceLocation& where) {
  std::string full = path.rfind('/', 0) == 0 || options.lake_root.empty() ? path : options.lake_root + "/" + path;
  if (EndsWith(path, ".parquet")) return "read_parquet(" + SqlString(full) + ")";
  if (EndsWith(path, ".csv")) return "read_csv(" + SqlString(full) + ")";
  if (EndsWith(path, ".ndjson") || EndsWith(path, ".jsonl")) return "read_json(" + SqlString(full) + ")";
  return UserError("bad-check-target", "'path' must end in .parquet, .csv or .ndjson (it sets the format): '" +
                                           path + "'", where);
}

Result<std::string> OptionalText(const ConfigNode& node, std::string_view key) {
  const ConfigNode* value = node.Find(key);
  if (value == nullptr) return std::string();
  return value->AsString("'" + std::string(key) + "'");
}

}  // namespace

Result<CheckTarget> ParseCheckTarget(const ConfigNode& node, const TargetOptions& options) {
  if (!node.is_map()) return UserError("bad-check-target", "checks need a target: table, path or query", node.where());
  WEIR_ASSIGN_OR_RETURN(std::string table, OptionalText(node, "table"));
  WEIR_ASSIGN_OR_RETURN(std::string path, OptionalText(node, "path"));
  WEIR_ASSIGN_OR_RETURN(std::string query, OptionalText(node, "query"));
  int given = !table.empty() + !path.empty() + !query.empty();
  if (given != 1) {
    return UserError("bad-check-target", "checks need exactly one of 'table', 'path' or 'query' to run on",
                     node.where());
  }
  CheckTarget target;
  if (!table.empty()) {
    target.label = table;
    target.relation = SqlQualifiedName(table);
  } else if (!path.empty()) {
    target.label = path;
    WEIR_ASSIGN_OR_RETURN(target.relation, LakeReader(path, options, node.Find("path")->where()));
  } else {
    target.label = "query";
    target.relation = "(" + query + ") AS checked_query";
  }
  WEIR_ASSIGN_OR_RETURN(target.filter, OptionalText(node, "where"));
  WEIR_ASSIGN_OR_RETURN(std::string partition_by, OptionalText(node, "partition_by"));
  if (!partition_by.empty()) {
    if (!options.interval) {
      return UserError("bad-check-target", "'partition_by' scopes checks to a run's data interval; outside a run "
                                           "use 'where'", node.Find("partition_by")->where());
    }
    std::string column = SqlIdentifier(partition_by);
    std::string interval = column + " >= " + SqlString(options.interval->first) + "::TIMESTAMPTZ AND " + column +
                           " < " + SqlString(options.interval->second) + "::TIMESTAMPTZ";
    target.filter = target.filter.empty() ? interval : "(" + target.filter + ") AND " + interval;
  }
  return target;
}

}  // namespace weir
