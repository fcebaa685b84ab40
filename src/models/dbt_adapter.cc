// dbt's `adapter` object on DuckDB: quote, dispatch, and the catalog
// look-ups get_relation and get_columns_in_relation (dbt-duckdb reads
// information_schema, and so do we, with bound parameters).
#include <algorithm>
#include <cctype>

#include "models/internal/dbt_context.h"
#include "models/internal/node_config.h"

namespace weir::models_internal {
namespace {

using Kind = TemplateValue::Kind;

// The value of the argument at `index` or named `keyword`, or null.
const TemplateValue* Argument(const TemplateCallArgs& args, size_t index, std::string_view keyword) {
  if (index < args.positional.size()) return &args.positional[index];
  return args.Keyword(keyword);
}

std::optional<std::string> TextArgument(const TemplateCallArgs& args, size_t index, std::string_view keyword) {
  const TemplateValue* value = Argument(args, index, keyword);
  if (value == nullptr || value->is_none()) return std::nullopt;
  return value->ToString();
}

// database, schema and identifier of a relation object (ref(), this,
// get_relation()'s result).
Result<RelationName> RelationArgument(const TemplateValue* value, std::string_view function) {
  if (value != nullptr && value->kind() == Kind::kObject) {
    const TemplateMap& attributes = value->ObjectAttributes();
    const TemplateValue* database = attributes.Find("database");
    const TemplateValue* schema = attributes.Find("schema");
    const TemplateValue* identifier = attributes.Find("identifier");
    if (database != nullptr && schema != nullptr && identifier != nullptr) {
      return RelationName{database->ToString(), schema->ToString(), identifier->ToString()};
    }
  }
  return UserError("template-argument", std::string(function) + "() takes a relation, such as ref('x') or this");
}

// False while parsing (look-ups find nothing, as dbt's); an error when
// executing without a warehouse (weir compile), as run_query is.
Result<bool> Executing(const DbtContextInputs& in) {
  if (!in.execute) return false;
  if (!in.query_with_parameters) {
    return UserError("no-warehouse", "catalog look-ups need the warehouse (not with compile)");
  }
  return true;
}

// DuckDB names are case-insensitive, quoted or not: match them so.
constexpr const char* kSameRelation =
    "lower(table_catalog) = lower(?) AND lower(table_schema) = lower(?) AND lower(table_name) = lower(?)";

Result<TemplateValue> FindRelation(const DbtContextInputs& in, const RelationName& wanted) {
  WEIR_ASSIGN_OR_RETURN(bool executing, Executing(in));
  if (!executing) return TemplateValue::None();
  WEIR_ASSIGN_OR_RETURN(QueryRows rows,
                        in.query_with_parameters(std::string("SELECT table_catalog, table_schema, table_name, "
                                                             "table_type FROM information_schema.tables WHERE ") +
                                                     kSameRelation,
                                                 {wanted.database, wanted.schema, wanted.identifier}));
  if (rows.rows.empty()) return TemplateValue::None();
  const auto& row = rows.rows[0];
  RelationName found{row[0].value_or(""), row[1].value_or(""), row[2].value_or("")};
  return RelationValue(found, row[3].value_or("") == "VIEW" ? "view" : "table");
}

TemplateFunction GetRelationFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<std::string> database = TextArgument(args, 0, "database");
    std::optional<std::string> schema = TextArgument(args, 1, "schema");
    std::optional<std::string> identifier = TextArgument(args, 2, "identifier");
    if (!schema || !identifier) {
      return UserError("template-argument",
                       "adapter.get_relation() takes database, schema and identifier: "
                       "adapter.get_relation(database=this.database, schema='main', identifier='orders')");
    }
    return FindRelation(in, {database.value_or(in.project->target.database), *schema, *identifier});
  };
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

// dbt's Column: name (and column), dtype and data_type (DuckDB's type name),
// quoted, char_size, numeric_precision, numeric_scale and the is_* tests.
TemplateValue ColumnValue(const std::vector<std::optional<std::string>>& row) {
  std::string name = row[0].value_or(""), type = row[1].value_or("");
  std::string base = Lower(type.substr(0, type.find('(')));
  bool is_string = base == "varchar" || base == "text" || base == "string" || base == "char" || base == "bpchar";
  bool is_integer = base == "tinyint" || base == "smallint" || base == "integer" || base == "bigint" ||
                    base == "hugeint" || base == "utinyint" || base == "usmallint" || base == "uinteger" ||
                    base == "ubigint" || base == "uhugeint";
  bool is_float = base == "float" || base == "double" || base == "real";
  bool is_numeric = base == "decimal" || base == "numeric";
  auto test = [](std::string test_name, bool answer) {
    return TemplateValue::Function(std::move(test_name), [answer](const TemplateCallArgs&) -> Result<TemplateValue> {
      return TemplateValue::Bool(answer);
    });
  };
  auto number = [](const std::optional<std::string>& text) {
    return text ? TemplateValue::Int(std::stoll(*text)) : TemplateValue::None();
  };
  TemplateMap column;
  column.Set("name", TemplateValue::String(name));
  column.Set("column", TemplateValue::String(name));
  column.Set("dtype", TemplateValue::String(type));
  column.Set("data_type", TemplateValue::String(type));
  column.Set("quoted", TemplateValue::String(QuoteIdentifier(name)));
  column.Set("char_size", number(row[2]));
  column.Set("numeric_precision", number(row[3]));
  column.Set("numeric_scale", number(row[4]));
  column.Set("is_string", test("is_string", is_string));
  column.Set("is_integer", test("is_integer", is_integer));
  column.Set("is_float", test("is_float", is_float));
  column.Set("is_numeric", test("is_numeric", is_numeric));
  column.Set("is_number", test("is_number", is_integer || is_float || is_numeric));
  return TemplateValue::Object(std::move(column), "<Column " + name + " (" + type + ")>");
}

TemplateFunction GetColumnsFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(RelationName relation,
                          RelationArgument(Argument(args, 0, "relation"), "adapter.get_columns_in_relation"));
    WEIR_ASSIGN_OR_RETURN(bool executing, Executing(in));
    if (!executing) return TemplateValue::FromList({});
    WEIR_ASSIGN_OR_RETURN(QueryRows rows,
                          in.query_with_parameters(std::string("SELECT column_name, data_type, "
                                                               "character_maximum_length, numeric_precision, "
                                                               "numeric_scale FROM information_schema.columns WHERE ") +
                                                       kSameRelation + " ORDER BY ordinal_position",
                                                   {relation.database, relation.schema, relation.identifier}));
    TemplateValue::List columns;
    for (const auto& row : rows.rows) columns.push_back(ColumnValue(row));
    return TemplateValue::FromList(std::move(columns));
  };
}

// adapter.dispatch('name', macro_namespace): duckdb__name, else default__name
// (Weir has no packages yet: the project's macros and the built-ins are one
// namespace).
TemplateFunction DispatchFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.empty() || args.positional[0].kind() != Kind::kString) {
      return UserError("template-argument", "adapter.dispatch() takes a macro name");
    }
    const std::string& name = args.positional[0].AsString();
    if (in.macros != nullptr) {
      for (const std::string& candidate : {"duckdb__" + name, "default__" + name}) {
        if (const TemplateValue* macro = in.macros->Find(candidate)) return *macro;
      }
    }
    return UserError("macro-not-found", "adapter.dispatch found no macro 'duckdb__" + name + "' or 'default__" + name +
                                            "'");
  };
}

}  // namespace

TemplateValue AdapterValue(const DbtContextInputs& in) {
  TemplateMap adapter;
  adapter.Set("quote", TemplateValue::Function("adapter.quote", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.size() != 1) return UserError("template-argument", "adapter.quote() takes one name");
    return TemplateValue::String(QuoteIdentifier(args.positional[0].ToString()));
  }));
  adapter.Set("dispatch", TemplateValue::Function("adapter.dispatch", DispatchFunction(in)));
  adapter.Set("get_relation", TemplateValue::Function("adapter.get_relation", GetRelationFunction(in)));
  adapter.Set("get_columns_in_relation",
              TemplateValue::Function("adapter.get_columns_in_relation", GetColumnsFunction(in)));
  adapter.Set("load_relation", TemplateValue::Function("adapter.load_relation", LoadRelationFunction(in)));
  adapter.Set("type", TemplateValue::Function("adapter.type", [](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::String("duckdb");
  }));
  return TemplateValue::Object(std::move(adapter), "<adapter duckdb>");
}

// load_relation(relation): the relation as the warehouse has it, or none.
TemplateFunction LoadRelationFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(RelationName relation, RelationArgument(Argument(args, 0, "relation"), "load_relation"));
    return FindRelation(in, relation);
  };
}

}  // namespace weir::models_internal
