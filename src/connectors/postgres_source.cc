// PostgresQuerySource: a Postgres query's rows for DuckDB. The query runs as
// COPY (...) TO STDOUT in text form, read a row at a time into DuckDB's
// vectors as text; the SELECT DuckDB runs over them casts each column to the
// DuckDB type of its Postgres type, so values keep their exact meaning
// (numeric(p,s) as DECIMAL(p,s), timestamptz as the same instant, bytea as
// BLOB, arrays as lists). A few types are reshaped on the Postgres side
// where their text form is not one DuckDB reads (intervals with a '+',
// arrays as JSON).
#include <cstring>
#include <set>

#include "connectors/connectors.h"

namespace weir {
namespace {

// Built-in type OIDs (pg_type.dat).
enum : uint32_t {
  kBool = 16, kBytea = 17, kChar = 18, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25, kOid = 26,
  kJson = 114, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042, kVarchar = 1043, kDate = 1082, kTime = 1083,
  kTimestamp = 1114, kTimestamptz = 1184, kInterval = 1186, kTimetz = 1266, kNumeric = 1700, kUuid = 2950,
  kJsonb = 3802,
};

// What pg_type says of a type that is not a plain built-in.
struct PgTypeInfo {
  std::string name;
  char type_type = 'b';  // b base, e enum, d domain, c composite, r range
  char category = 'U';   // A for arrays
  uint32_t element = 0;  // an array's element type
  uint32_t base = 0;     // a domain's base type
  int base_modifier = -1;
};

using TypeCatalog = std::map<uint32_t, PgTypeInfo>;

// The DuckDB type of a scalar Postgres type, "" when DuckDB has no exact
// match (the value then stays text).
std::string ScalarDuckDbType(uint32_t oid, int modifier) {
  switch (oid) {
    case kBool: return "BOOLEAN";
    case kInt2: return "SMALLINT";
    case kInt4: return "INTEGER";
    case kInt8: case kOid: return "BIGINT";
    case kFloat4: return "FLOAT";
    case kFloat8: return "DOUBLE";
    case kBytea: return "BLOB";
    case kDate: return "DATE";
    case kTime: return "TIME";
    case kTimetz: return "TIMETZ";
    case kTimestamp: return "TIMESTAMP";
    case kTimestamptz: return "TIMESTAMPTZ";
    case kInterval: return "INTERVAL";
    case kUuid: return "UUID";
    case kJson: case kJsonb: return "JSON";
    case kNumeric: {
      if (modifier < 4) return "";  // unconstrained: any precision, kept as text
      int precision = ((modifier - 4) >> 16) & 0xffff;
      int scale = (modifier - 4) & 0xffff;
      if (precision > 38 || scale > precision) return "";  // beyond DECIMAL, or a negative scale
      return "DECIMAL(" + std::to_string(precision) + "," + std::to_string(scale) + ")";
    }
    default: return "";
  }
}

// Follows domains to their base type.
std::pair<uint32_t, int> BaseType(uint32_t oid, int modifier, const TypeCatalog& catalog) {
  for (int depth = 0; depth < 16; ++depth) {
    auto info = catalog.find(oid);
    if (info == catalog.end() || info->second.type_type != 'd') break;
    oid = info->second.base;
    modifier = info->second.base_modifier;
  }
  return {oid, modifier};
}

PostgresColumnPlan PlanColumn(const PostgresColumn& column, const TypeCatalog& catalog) {
  PostgresColumnPlan plan;
  plan.name = column.name;
  auto [oid, modifier] = BaseType(column.type_oid, column.type_modifier, catalog);
  auto info = catalog.find(oid);
  plan.postgres_type = info != catalog.end() ? info->second.name : std::to_string(oid);
  const std::string source = "weir_q." + SqlIdentifier(column.name);
  const std::string text = "weir_text." + SqlIdentifier(column.name);
  plan.postgres_sql = source;
  plan.duckdb_type = ScalarDuckDbType(oid, modifier);
  if (oid == kInterval) {
    // "-1 days +02:00:00": DuckDB reads the same without the '+'.
    plan.postgres_sql = "replace(CAST(" + source + " AS text), '+', '')";
  } else if (oid == kBytea) {
    plan.duckdb_sql = "unhex(substr(" + text + ", 3))";  // "\x00ff" (bytea_output = hex)
  } else if (oid == kDate) {
    plan.duckdb_sql = "CAST(replace(" + text + ", ' BC', ' (BC)') AS DATE)";
  } else if (info != catalog.end() && info->second.category == 'A') {
    auto [element, element_modifier] = BaseType(info->second.element, modifier, catalog);
    std::string element_type = ScalarDuckDbType(element, element_modifier);
    if (element == kText || element == kVarchar || element == kBpchar || element == kName) element_type = "VARCHAR";
    plan.postgres_sql = "CAST(array_to_json(" + source + ") AS text)";
    bool listable = !element_type.empty() && element_type != "BLOB" && element_type != "INTERVAL" &&
                    element_type != "JSON" && element_type != "TIMETZ";
    plan.duckdb_type = listable ? element_type + "[]" : "JSON";
    if (listable) plan.duckdb_sql = "CAST(CAST(" + text + " AS JSON) AS " + plan.duckdb_type + ")";
  }
  if (plan.duckdb_type.empty()) plan.duckdb_type = "VARCHAR";
  if (plan.duckdb_sql.empty()) {
    plan.duckdb_sql = plan.duckdb_type == "VARCHAR" ? text : "CAST(" + text + " AS " + plan.duckdb_type + ")";
  }
  return plan;
}

// pg_type rows for the result's types that are not plain built-ins, and
// for their elements and domain bases.
Result<TypeCatalog> LoadTypeCatalog(PostgresConnection& pg, const std::vector<PostgresColumn>& columns) {
  std::set<uint32_t> wanted;
  for (const PostgresColumn& c : columns) wanted.insert(c.type_oid);
  TypeCatalog catalog;
  for (int round = 0; round < 4 && !wanted.empty(); ++round) {
    std::string list;
    for (uint32_t oid : wanted) list += (list.empty() ? "" : ",") + std::to_string(oid);
    WEIR_ASSIGN_OR_RETURN(QueryRows rows,
                          pg.Query("SELECT oid, typname, typtype, typcategory, typelem, typbasetype, typtypmod "
                                   "FROM pg_catalog.pg_type WHERE oid = ANY(CAST($1 AS oid[]))",
                                   {"{" + list + "}"}));
    wanted.clear();
    for (const auto& row : rows.rows) {
      PgTypeInfo info;
      uint32_t oid = static_cast<uint32_t>(std::stoul(row[0].value_or("0")));
      info.name = row[1].value_or("");
      info.type_type = row[2].value_or("b")[0];
      info.category = row[3].value_or("U")[0];
      info.element = static_cast<uint32_t>(std::stoul(row[4].value_or("0")));
      info.base = static_cast<uint32_t>(std::stoul(row[5].value_or("0")));
      info.base_modifier = std::stoi(row[6].value_or("-1"));
      for (uint32_t next : {info.element, info.base}) {
        if (next != 0 && catalog.count(next) == 0) wanted.insert(next);
      }
      catalog[oid] = std::move(info);
    }
  }
  return catalog;
}

// COPY's text format: "\N" is NULL; a backslash escapes the next character
// (\t \n \r \b \f \v, octal \ooo, hex \xhh, or the character itself).
void Unescape(std::string_view field, std::string& out) {
  out.clear();
  for (size_t i = 0; i < field.size(); ++i) {
    char c = field[i];
    if (c != '\\' || i + 1 == field.size()) {
      out += c;
      continue;
    }
    char e = field[++i];
    switch (e) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'v': out += '\v'; break;
      case 'x': {
        int value = 0, digits = 0;
        while (digits < 2 && i + 1 < field.size() && std::isxdigit(static_cast<unsigned char>(field[i + 1]))) {
          char h = field[++i];
          value = value * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (h | 0x20) - 'a' + 10);
          ++digits;
        }
        out += digits > 0 ? static_cast<char>(value) : 'x';
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int value = e - '0';
          for (int digits = 1; digits < 3 && i + 1 < field.size() && field[i + 1] >= '0' && field[i + 1] <= '7';
               ++digits) {
            value = value * 8 + (field[++i] - '0');
          }
          out += static_cast<char>(value);
        } else {
          out += e;
        }
    }
  }
}

}  // namespace

Result<std::unique_ptr<PostgresQuerySource>> PostgresQuerySource::Prepare(PostgresConnection& pg,
                                                                          const std::string& query) {
  std::vector<std::string> statements = SplitSqlStatements(query);
  if (statements.size() != 1) {
    return UserError("postgres", "the extract's SQL must be one query; it has " + std::to_string(statements.size()) +
                                     " statements");
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<PostgresColumn> columns, pg.Describe(statements[0]));
  if (columns.empty()) return UserError("postgres", "the extract's SQL returns no columns (is it a query?)");
  std::set<std::string> names;
  for (const PostgresColumn& c : columns) {
    if (!names.insert(c.name).second) {
      return UserError("postgres", "the query returns two columns named '" + c.name +
                                       "': give them different names with AS");
    }
  }
  WEIR_ASSIGN_OR_RETURN(TypeCatalog catalog, LoadTypeCatalog(pg, columns));
  auto source = std::unique_ptr<PostgresQuerySource>(new PostgresQuerySource(pg));
  std::string select;
  for (const PostgresColumn& c : columns) {
    PostgresColumnPlan plan = PlanColumn(c, catalog);
    select += (select.empty() ? "" : ", ") + plan.postgres_sql;
    source->plan_.push_back(std::move(plan));
  }
  source->copy_sql_ = "COPY (SELECT " + select + " FROM (" + statements[0] + "\n) AS weir_q) TO STDOUT";
  return source;
}

PostgresQuerySource::PostgresQuerySource(PostgresConnection& pg) : pg_(pg) {}

std::vector<DuckDbColumn> PostgresQuerySource::Columns() {
  std::vector<DuckDbColumn> columns;
  for (const PostgresColumnPlan& p : plan_) columns.push_back(DuckDbColumn{p.name, DuckDbColumnType::kVarchar});
  return columns;
}

std::string PostgresQuerySource::SelectSql(const std::string& function_name) const {
  std::string select;
  for (const PostgresColumnPlan& p : plan_) {
    select += (select.empty() ? "" : ", ") + p.duckdb_sql + " AS " + SqlIdentifier(p.name);
  }
  return "SELECT " + select + " FROM " + function_name + "() AS weir_text";
}

Status PostgresQuerySource::Fill(DuckDbChunkWriter& out) {
  Status filled = FillRows(out);
  if (!filled.ok() && error_.ok()) error_ = filled;
  return filled;
}

Status PostgresQuerySource::FillRows(DuckDbChunkWriter& out) {
  if (finished_) return OkStatus();
  if (!started_) {
    WEIR_TRY(pg_.StartCopyOut(copy_sql_));
    started_ = true;
  }
  std::string unescaped;
  while (!out.full()) {
    std::string_view row;
    WEIR_ASSIGN_OR_RETURN(bool more, pg_.ReadCopyData(&row));
    if (!more) {
      finished_ = true;
      return OkStatus();
    }
    if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
    size_t column = 0;
    size_t start = 0;
    for (;;) {
      size_t tab = row.find('\t', start);
      std::string_view field = row.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
      if (column == plan_.size()) {
        return InternalError("postgres COPY row " + std::to_string(rows_read_ + 1) + " has more than " +
                             std::to_string(plan_.size()) + " fields");
      }
      if (field != "\\N") {
        if (field.find('\\') == std::string_view::npos) {
          out.SetText(column, field);
        } else {
          Unescape(field, unescaped);
          out.SetText(column, unescaped);
        }
      }
      ++column;
      if (tab == std::string_view::npos) break;
      start = tab + 1;
    }
    if (column != plan_.size()) {
      return InternalError("postgres COPY row " + std::to_string(rows_read_ + 1) + " has " + std::to_string(column) +
                           " fields, expected " + std::to_string(plan_.size()));
    }
    out.EndRow();
    ++rows_read_;
  }
  return OkStatus();
}

}  // namespace weir
