// The schema check: columns present, their types, their order, and no
// unexpected columns, read from DESCRIBE (no scan of the data).
#include <algorithm>
#include <map>

#include "connectors/connectors.h"
#include "quality/internal/judge.h"

namespace weir::quality_internal {
namespace {

// DuckDB's type names, with the common synonyms and Postgres's names
// (format_type's: "character varying(20)", "numeric(12,2)") folded in.
std::string NormalType(std::string type) {
  for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* text : {"CHARACTER VARYING", "CHARACTER", "VARCHAR", "BPCHAR"}) {
    if (type.rfind(text, 0) == 0) return "VARCHAR";  // a length does not matter
  }
  if (type.rfind("NUMERIC", 0) == 0) type = "DECIMAL" + type.substr(7);
  static const std::map<std::string, std::string> kPostgresNames = {
      {"DOUBLE PRECISION", "DOUBLE"}, {"TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"},
      {"TIME WITHOUT TIME ZONE", "TIME"}, {"TIME WITH TIME ZONE", "TIMETZ"}, {"JSONB", "JSON"}};
  if (auto postgres = kPostgresNames.find(type); postgres != kPostgresNames.end()) type = postgres->second;
  static const std::map<std::string, std::string> kSynonyms = {
      {"INT", "INTEGER"},   {"INT4", "INTEGER"},  {"INT8", "BIGINT"},    {"LONG", "BIGINT"},
      {"INT2", "SMALLINT"}, {"SHORT", "SMALLINT"}, {"INT1", "TINYINT"},  {"FLOAT8", "DOUBLE"},
      {"FLOAT4", "FLOAT"},  {"REAL", "FLOAT"},    {"TEXT", "VARCHAR"},   {"STRING", "VARCHAR"},
      {"BOOL", "BOOLEAN"},  {"NUMERIC", "DECIMAL"}, {"DATETIME", "TIMESTAMP"},
      {"TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE"}};
  auto found = kSynonyms.find(type);
  return found == kSynonyms.end() ? type : found->second;
}

}  // namespace

void JudgeSchema(const CheckSpec& spec, const QueryRows& describe, CheckResult& result) {
  std::vector<std::string> names, types;
  for (const auto& row : describe.rows) {
    names.push_back(row.size() > 0 ? row[0].value_or("") : "");
    types.push_back(row.size() > 1 ? row[1].value_or("") : "");
  }
  std::vector<std::string> problems;
  size_t last_position = 0;
  bool order_broken = false;
  for (const auto& [name, type] : spec.schema_columns) {
    auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      problems.push_back("missing column " + name);
      continue;
    }
    size_t position = static_cast<size_t>(found - names.begin());
    if (!type.empty() && NormalType(type) != NormalType(types[position])) {
      problems.push_back(name + " is " + types[position] + ", not " + type);
    }
    if (spec.schema_order && position < last_position && !order_broken) {
      problems.push_back(name + " comes before the columns listed ahead of it");
      order_broken = true;
    }
    last_position = std::max(last_position, position);
  }
  if (spec.schema_exact) {
    for (const std::string& name : names) {
      bool expected = std::any_of(spec.schema_columns.begin(), spec.schema_columns.end(),
                                  [&](const auto& column) { return column.first == name; });
      if (!expected) problems.push_back("unexpected column " + name);
    }
  }
  result.observed = static_cast<double>(problems.size());
  result.observed_text = std::to_string(names.size()) + " columns, " + std::to_string(problems.size()) + " problem" +
                         (problems.size() == 1 ? "" : "s");
  result.threshold = std::to_string(spec.schema_columns.size()) + " expected columns" +
                     (spec.schema_order ? ", in order" : "") + (spec.schema_exact ? ", no others" : "");
  result.status = problems.empty() ? CheckStatus::kPass
                  : spec.severity == CheckSeverity::kWarn ? CheckStatus::kWarn : CheckStatus::kFail;
  for (const std::string& p : problems) result.message += (result.message.empty() ? "" : "; ") + p;
}

}  // namespace weir::quality_internal
