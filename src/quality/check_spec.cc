// Reads a `checks:` list into CheckSpecs. Each item is a mapping with one
// key, the check kind; its value is the short form (a column, a list of
// columns, an expression) or a mapping of the kind's keys plus the common
// ones (name, severity, warn_if, error_if, where, group_by).
#include <cmath>
#include <map>
#include <regex>

#include "common/text.h"
#include "connectors/connectors.h"
#include "quality/internal/check_kinds.h"
#include "schedule/schedule.h"

namespace weir::quality_internal {
namespace {

using enum CheckShape;

const std::vector<CheckKindInfo>& Kinds() {
  static const std::vector<CheckKindInfo> kinds = {
      {"not_null", kRows, "column", {"column"}},
      {"unique", kRows, "columns", {"column", "columns"}},
      {"accepted_values", kRows, "", {"column", "values"}},
      {"not_accepted_values", kRows, "", {"column", "values"}},
      {"between", kRows, "", {"column", "min", "max", "inclusive"}},
      {"regex", kRows, "", {"column", "pattern"}},
      {"length", kRows, "", {"column", "min", "max"}},
      {"parseable", kRows, "", {"column", "type"}},
      {"values_in", kRows, "", {"column", "table", "table_column"}},
      {"expression", kRows, "expression", {"expression"}},
      {"sql", kRows, "expression", {"query"}},
      {"row_count", kMetric, "", {"min", "max", "equal", "compare_to", "tolerance", "change"}},
      {"missing_count", kMetric, "column", {"column", "min", "max", "equal", "change"}},
      {"missing_percent", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"duplicate_count", kMetric, "columns", {"column", "columns", "min", "max", "equal", "change"}},
      {"distinct_count", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"sum", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"avg", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"min", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"max", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"stddev", kMetric, "", {"column", "min", "max", "equal", "change"}},
      {"percentile", kMetric, "", {"column", "p", "min", "max", "equal", "change"}},
      {"metric", kMetric, "", {"expression", "min", "max", "equal", "change"}},
      {"freshness", kMetric, "", {"column", "max_age"}},
      {"anomaly", kMetric, "", {"metric", "column", "expression", "window", "z", "max_change"}},
      {"reconcile", kMetric, "", {"source", "metric", "column", "columns", "tolerance"}},
      {"drift", kMetric, "column", {"column", "max_change", "quantiles"}},
      {"schema", kSchema, "", {"columns", "order", "exact"}},
  };
  return kinds;
}

const std::vector<std::string_view> kCommonKeys = {"name", "severity", "warn_if", "error_if", "where", "group_by"};

// "12", "-1.5", "2e3": what SQL reads as a number (not nan, inf or 0x10).
bool IsDecimal(const std::string& text) {
  static const std::regex kDecimal(R"(^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?$)");
  return std::regex_match(text, kDecimal);
}

Result<double> AsNumber(const ConfigNode& node, std::string_view what) {
  WEIR_ASSIGN_OR_RETURN(std::string text, node.AsString(what));
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(value) || !IsDecimal(text)) {
    return UserError("wrong-type", std::string(what) + " must be a number, not '" + text + "'", node.where());
  }
  return value;
}

// "10%", "10", 10 -> 10.
Result<double> AsPercent(const ConfigNode& node, std::string_view what) {
  WEIR_ASSIGN_OR_RETURN(std::string text, node.AsString(what));
  if (!text.empty() && text.back() == '%') text.pop_back();
  if (text.size() > 1 && (text[0] == '+' || text.substr(0, 2) == "\xC2\xB1")) text = text.substr(text[0] == '+' ? 1 : 2);
  ConfigNode number = ConfigNode::Scalar(text, false, node.where());
  WEIR_ASSIGN_OR_RETURN(double value, AsNumber(number, what));
  if (value < 0) return UserError("bad-check", std::string(what) + " must not be negative", node.where());
  return value;
}

// SQL type names a `parseable` check may name (it is pasted into
// TRY_CAST): words, then optionally (p) or (p, s), then optionally [].
bool IsTypeName(const std::string& type) {
  static const std::regex kType(R"(^[A-Za-z_][A-Za-z0-9_ ]*(\(\s*\d+\s*(,\s*\d+\s*)?\))?(\[\])?$)");
  return std::regex_match(type, kType);
}

class SpecReader {
 public:
  SpecReader(const CheckKindInfo& info, CheckSpec& spec) : info_(info), spec_(spec) {}

  Status ReadShort(const ConfigNode& value) {
    if (info_.short_key.empty()) {
      return UserError("bad-check", std::string(info_.kind) + " takes a mapping of " + QuotedList(Keys()),
                       value.where());
    }
    return ReadKey(std::string(info_.short_key), value);
  }

  Status ReadMapping(const ConfigNode& value) {
    for (const auto& [key_node, item] : value.entries()) {
      const std::string& key = key_node.scalar();
      bool common = std::find(kCommonKeys.begin(), kCommonKeys.end(), key) != kCommonKeys.end();
      bool own = std::find(info_.keys.begin(), info_.keys.end(), key) != info_.keys.end();
      if (!common && !own) {
        std::vector<std::string> known = Keys();
        for (std::string_view k : kCommonKeys) known.emplace_back(k);
        return UserError("unknown-key", "unknown key '" + key + "' in a " + std::string(info_.kind) + " check" +
                                            DidYouMean(key, known),
                         key_node.where());
      }
      WEIR_TRY(common ? ReadCommon(key, item) : ReadKey(key, item));
    }
    return OkStatus();
  }

 private:
  std::vector<std::string> Keys() const { return {info_.keys.begin(), info_.keys.end()}; }

  Status ReadCommon(const std::string& key, const ConfigNode& item) {
    if (key == "name") {
      WEIR_ASSIGN_OR_RETURN(spec_.name, item.AsString("'name'"));
    } else if (key == "severity") {
      WEIR_ASSIGN_OR_RETURN(std::string severity, item.AsString("'severity'"));
      if (severity != "warn" && severity != "error") {
        return UserError("bad-check", "severity must be warn or error, not '" + severity + "'", item.where());
      }
      spec_.severity = severity == "warn" ? CheckSeverity::kWarn : CheckSeverity::kError;
    } else if (key == "warn_if" || key == "error_if") {
      WEIR_ASSIGN_OR_RETURN(std::string text, item.AsString(key));
      WEIR_ASSIGN_OR_RETURN(CheckThreshold threshold, ParseThreshold(text, item.where()));
      if (threshold.percent && info_.shape != CheckShape::kRows) {
        return UserError("bad-threshold", "a percentage threshold applies to checks that count failing rows, not to " +
                                              std::string(info_.kind), item.where());
      }
      (key == "warn_if" ? spec_.warn_if : spec_.error_if) = threshold;
    } else if (key == "where") {
      WEIR_ASSIGN_OR_RETURN(spec_.filter, item.AsString("'where'"));
    } else {
      WEIR_ASSIGN_OR_RETURN(spec_.group_by, item.AsStringList("'group_by'"));
    }
    return OkStatus();
  }

  Status ReadKey(const std::string& key, const ConfigNode& item) {
    const std::string what = "'" + key + "'";
    if (info_.kind == "schema" && key == "columns") return OkStatus();  // ReadSchemaColumns
    if (key == "column" || key == "columns") {
      WEIR_ASSIGN_OR_RETURN(spec_.columns, item.AsStringList(what));
    } else if (key == "values") {
      if (!item.is_sequence()) return UserError("wrong-type", "'values' must be a list", item.where());
      for (const ConfigNode& v : item.items()) {
        WEIR_ASSIGN_OR_RETURN(std::string text, v.AsString("each of 'values'"));
        spec_.values.push_back(SqlString(text));
      }
    } else if ((key == "min" || key == "max") && info_.kind == "between") {
      WEIR_ASSIGN_OR_RETURN(std::string text, item.AsString(what));
      (key == "min" ? spec_.low : spec_.high) = ScalarLiteral(item);
    } else if (key == "min" || key == "max" || key == "equal") {
      WEIR_ASSIGN_OR_RETURN(double value, AsNumber(item, what));
      (key == "min" ? spec_.min : key == "max" ? spec_.max : spec_.equal) = value;
    } else if (key == "source") {
      WEIR_TRY(ReadSource(item));
    } else if (key == "quantiles") {
      WEIR_ASSIGN_OR_RETURN(spec_.quantiles, item.AsBool(what));
    } else if (key == "inclusive" || key == "order" || key == "exact") {
      WEIR_ASSIGN_OR_RETURN(bool value, item.AsBool(what));
      (key == "inclusive" ? spec_.inclusive : key == "order" ? spec_.schema_order : spec_.schema_exact) = value;
    } else if (key == "pattern" || key == "expression" || key == "query") {
      WEIR_ASSIGN_OR_RETURN(spec_.expression, item.AsString(what));
    } else if (key == "type") {
      WEIR_ASSIGN_OR_RETURN(spec_.expression, item.AsString(what));
      if (!IsTypeName(spec_.expression)) {
        return UserError("bad-check", "'type' must be a SQL type name such as DATE or DECIMAL(10,2)", item.where());
      }
    } else if (key == "table" || key == "compare_to") {
      WEIR_ASSIGN_OR_RETURN(spec_.other, item.AsString(what));
    } else if (key == "table_column") {
      WEIR_ASSIGN_OR_RETURN(spec_.other_column, item.AsString(what));
    } else if (key == "tolerance") {
      WEIR_ASSIGN_OR_RETURN(spec_.tolerance_percent, AsPercent(item, what));
    } else if (key == "change" || key == "max_change") {
      WEIR_ASSIGN_OR_RETURN(spec_.max_change_percent, AsPercent(item, what));
    } else if (key == "p") {
      WEIR_ASSIGN_OR_RETURN(spec_.percentile, AsNumber(item, what));
      if (spec_.percentile < 0 || spec_.percentile > 1) {
        return UserError("bad-check", "'p' must be between 0 and 1 (0.95 for the 95th percentile)", item.where());
      }
    } else if (key == "max_age") {
      WEIR_ASSIGN_OR_RETURN(std::string text, item.AsString(what));
      Result<std::chrono::milliseconds> age = ParseDuration(text);
      if (!age.ok()) return UserError("bad-duration", age.status().message(), item.where());
      spec_.max_age_seconds = age->count() / 1000;
    } else if (key == "window") {
      WEIR_ASSIGN_OR_RETURN(int64_t window, item.AsInt(what));
      if (window < 2 || window > 1000) return UserError("bad-check", "'window' must be 2 to 1000", item.where());
      spec_.window = static_cast<int>(window);
    } else if (key == "z") {
      WEIR_ASSIGN_OR_RETURN(spec_.z, AsNumber(item, what));
      if (spec_.z <= 0) return UserError("bad-check", "'z' must be positive", item.where());
    } else if (key == "metric") {
      WEIR_ASSIGN_OR_RETURN(spec_.metric, item.AsString(what));
    }
    return OkStatus();
  }

  // reconcile's `source: {connection, table | query, where}`.
  Status ReadSource(const ConfigNode& item) {
    if (!item.is_map()) return UserError("wrong-type", "'source' is a mapping: {connection, table or query, where}",
                                         item.where());
    for (const auto& [key, value] : item.entries()) {
      const std::string& k = key.scalar();
      if (k != "connection" && k != "table" && k != "query" && k != "where") {
        return UserError("unknown-key", "unknown key '" + k + "' in a reconcile source; it takes connection, table, "
                                        "query and where", key.where());
      }
      WEIR_ASSIGN_OR_RETURN(std::string text, value.AsString("'" + k + "'"));
      if (k == "connection") spec_.source_connection = text;
      if (k == "table") spec_.source = CheckTarget{text, SqlQualifiedName(text), spec_.source.filter};
      if (k == "query") spec_.source = CheckTarget{"query", "(" + text + ") AS source_query", spec_.source.filter};
      if (k == "where") spec_.source.filter = text;
    }
    if (spec_.source.relation.empty()) {
      return UserError("bad-check", "a reconcile source needs 'table' or 'query'", item.where());
    }
    return OkStatus();
  }

  const CheckKindInfo& info_;
  CheckSpec& spec_;
};

std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string DefaultName(const CheckSpec& spec) {
  if (spec.kind == "expression" || spec.kind == "metric") return spec.kind + "(" + spec.expression + ")";
  if (spec.kind == "sql") return "sql";
  if (spec.kind == "anomaly") {
    return "anomaly(" + spec.metric + (spec.columns.empty() ? "" : "(" + Joined(spec.columns) + ")") + ")";
  }
  if (spec.kind == "reconcile") {
    std::string metric = spec.metric.empty() ? "row_count" : spec.metric;
    return "reconcile(" + metric + (spec.columns.empty() ? "" : "(" + Joined(spec.columns) + ")") + ", " +
           spec.source.label + ")";
  }
  if (spec.kind == "percentile") return "percentile(" + Joined(spec.columns) + ", " + FormatNumber(spec.percentile) + ")";
  if (spec.columns.empty()) return spec.kind;
  return spec.kind + "(" + Joined(spec.columns) + ")";
}

Status Validate(const CheckKindInfo& info, const CheckSpec& spec) {
  auto missing = [&](const std::string& what) {
    return UserError("bad-check", std::string(info.kind) + " needs " + what, spec.where);
  };
  bool needs_column = std::find(info.keys.begin(), info.keys.end(), "column") != info.keys.end() &&
                      info.kind != "anomaly" && info.kind != "reconcile";
  if (needs_column && spec.columns.empty()) return missing("a column");
  if (info.kind != "unique" && info.kind != "duplicate_count" && info.kind != "reconcile" && spec.columns.size() > 1) {
    return UserError("bad-check", std::string(info.kind) + " takes one column", spec.where);
  }
  if ((info.kind == "accepted_values" || info.kind == "not_accepted_values") && spec.values.empty()) {
    return missing("'values'");
  }
  if (info.kind == "between" && spec.low.empty() && spec.high.empty()) return missing("'min' and/or 'max'");
  if (info.kind == "length" && !spec.min && !spec.max) return missing("'min' and/or 'max'");
  if (spec.min && spec.max && *spec.min > *spec.max) {
    return UserError("bad-check", "'min' is above 'max': no value could pass", spec.where);
  }
  if ((info.kind == "regex" || info.kind == "expression" || info.kind == "sql" || info.kind == "metric" ||
       info.kind == "parseable") &&
      spec.expression.empty()) {
    return missing(info.kind == "regex" ? "a 'pattern'" : info.kind == "parseable" ? "a 'type'"
                   : info.kind == "sql" ? "a query" : "an expression");
  }
  if (info.kind == "values_in" && spec.other.empty()) return missing("a 'table' to look the values up in");
  if (info.kind == "freshness" && spec.max_age_seconds <= 0) return missing("'max_age' (a duration such as 1d)");
  if (info.kind == "percentile" && spec.percentile == 0) return missing("'p' (0.95 for the 95th percentile)");
  if (info.kind == "anomaly") {
    if (spec.metric.empty()) return missing("a 'metric' (row_count, missing_percent, avg, ...)");
    if (!IsAggregateMetric(spec.metric)) {
      return UserError("bad-check", "unknown anomaly metric '" + spec.metric + "'; use row_count, missing_count, "
                                    "missing_percent, distinct_count, duplicate_count, sum, avg, min, max, stddev "
                                    "or metric (with 'expression')", spec.where);
    }
    if (spec.z == 0 && spec.max_change_percent < 0) return missing("'z' and/or 'max_change'");
    if (spec.metric == "metric" && spec.expression.empty()) return missing("an 'expression' for metric: metric");
    if (spec.metric != "metric" && spec.metric != "row_count" && spec.columns.empty()) {
      return missing("a 'column' for metric: " + spec.metric);
    }
  }
  bool own_rule = info.kind == "anomaly" || info.kind == "freshness" || info.kind == "reconcile" || info.kind == "drift";
  if (info.shape == CheckShape::kMetric && !own_rule && !spec.min &&
      !spec.max && !spec.equal && !spec.warn_if && !spec.error_if && spec.other.empty() &&
      spec.max_change_percent < 0) {
    return missing("a bound: 'min', 'max', 'equal', 'change', or warn_if / error_if");
  }
  if (info.kind == "schema" && spec.schema_columns.empty()) return missing("'columns'");
  if (info.kind == "reconcile") {
    if (spec.source.relation.empty()) return missing("a 'source' to compare with");
    const std::string& metric = spec.metric;
    if (!metric.empty() && metric != "row_count" && metric != "sum" && metric != "checksum") {
      return UserError("bad-check", "reconcile compares row_count, sum or checksum, not '" + metric + "'", spec.where);
    }
    if ((metric == "sum" && spec.columns.size() != 1) || (metric == "checksum" && spec.columns.empty())) {
      return missing(metric == "sum" ? "one 'column' to sum" : "'columns' to checksum");
    }
  }
  if (info.kind == "drift" && spec.max_change_percent < 0) return missing("'max_change' (such as 20%)");
  if (!spec.group_by.empty() && (info.kind == "sql" || info.kind == "schema" || !spec.other.empty() ||
                                 info.kind == "metric" || info.kind == "reconcile" || info.kind == "drift")) {
    return UserError("bad-check", "group_by does not apply to a " + std::string(info.kind) +
                                      " check with these keys (segments of sql, schema, metric, compare_to, "
                                      "reconcile and drift checks are not supported)", spec.where);
  }
  return OkStatus();
}

// schema's `columns:` is a list of names or a mapping of name to type.
Status ReadSchemaColumns(const ConfigNode& check, CheckSpec& spec) {
  const ConfigNode* columns = check.is_map() ? check.Find("columns") : nullptr;
  if (columns == nullptr) return OkStatus();
  if (columns->is_map()) {
    for (const auto& [name, type] : columns->entries()) {
      WEIR_ASSIGN_OR_RETURN(std::string type_text, type.AsString("a column's type"));
      spec.schema_columns.emplace_back(name.scalar(), type_text);
    }
  } else {
    WEIR_ASSIGN_OR_RETURN(std::vector<std::string> names, columns->AsStringList("'columns'"));
    for (std::string& n : names) spec.schema_columns.emplace_back(std::move(n), "");
  }
  spec.columns.clear();
  return OkStatus();
}

Result<CheckSpec> ParseOne(const ConfigNode& item) {
  if (!item.is_map() || item.entries().size() != 1) {
    return UserError("bad-check", "each check is a mapping with one key, the kind of check: " +
                                      QuotedList(CheckKindNames()), item.where());
  }
  const auto& [kind_node, value] = item.entries()[0];
  const CheckKindInfo* info = FindCheckKind(kind_node.scalar());
  if (info == nullptr) {
    return UserError("unknown-check", "unknown check '" + kind_node.scalar() + "'" +
                                          DidYouMean(kind_node.scalar(), CheckKindNames()),
                     kind_node.where());
  }
  CheckSpec spec;
  spec.kind = std::string(info->kind);
  spec.where = kind_node.where();
  SpecReader reader(*info, spec);
  WEIR_TRY(value.is_map() ? reader.ReadMapping(value) : reader.ReadShort(value));
  if (info->kind == "schema") WEIR_TRY(ReadSchemaColumns(value, spec));
  WEIR_TRY(Validate(*info, spec));
  if (spec.name.empty()) spec.name = DefaultName(spec);
  return spec;
}

}  // namespace

const CheckKindInfo* FindCheckKind(std::string_view kind) {
  for (const CheckKindInfo& info : Kinds()) {
    if (info.kind == kind) return &info;
  }
  return nullptr;
}

std::vector<std::string> CheckKindNames() {
  std::vector<std::string> names;
  for (const CheckKindInfo& info : Kinds()) names.emplace_back(info.kind);
  return names;
}

bool IsAggregateMetric(std::string_view metric) {
  for (std::string_view m : {"row_count", "missing_count", "missing_percent", "distinct_count", "duplicate_count",
                             "sum", "avg", "min", "max", "stddev", "metric"}) {
    if (m == metric) return true;
  }
  return false;
}

std::string ScalarLiteral(const ConfigNode& node) {
  const std::string& text = node.scalar();
  if (!node.quoted() && IsDecimal(text)) return text;
  return SqlString(text);
}

}  // namespace weir::quality_internal

namespace weir {

Result<std::vector<CheckSpec>> ParseCheckList(const ConfigNode& checks) {
  if (!checks.is_sequence()) {
    return UserError("bad-check", "'checks' must be a list of checks, not " + std::string(checks.Describe()),
                     checks.where());
  }
  std::vector<CheckSpec> specs;
  std::map<std::string, int> seen;
  for (const ConfigNode& item : checks.items()) {
    WEIR_ASSIGN_OR_RETURN(CheckSpec spec, quality_internal::ParseOne(item));
    int count = ++seen[spec.name];
    if (count > 1) spec.name += "#" + std::to_string(count);
    specs.push_back(std::move(spec));
  }
  return specs;
}

}  // namespace weir
