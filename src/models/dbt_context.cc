#include "models/internal/dbt_context.h"

#include <ctime>

#include "models/internal/load_context.h"
#include "models/internal/node_config.h"
#include "models/internal/python_datetime.h"

namespace weir::models_internal {
namespace {

std::optional<std::string> StringArg(const TemplateCallArgs& args, size_t index, std::string_view keyword) {
  if (index < args.positional.size() && args.positional[index].kind() == TemplateValue::Kind::kString) {
    return args.positional[index].AsString();
  }
  for (const auto& [key, value] : args.keyword) {
    if (key == keyword && value.kind() == TemplateValue::Kind::kString) return value.AsString();
  }
  return std::nullopt;
}

TemplateFunction RefFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<std::string> first = StringArg(args, 0, "name");
    if (!first) return UserError("template-argument", "ref() takes a model name: ref('stg_sales')");
    NodeCalls::Ref ref{.name = *first};
    if (std::optional<std::string> second = StringArg(args, 1, "")) ref = {.package = *first, .name = *second};
    if (in.calls != nullptr) in.calls->refs.push_back(ref);
    WEIR_ASSIGN_OR_RETURN(RelationName relation, in.resolver.ref(ref));
    return RelationValue(relation);
  };
}

TemplateFunction SourceFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<std::string> source = StringArg(args, 0, "source_name");
    std::optional<std::string> table = StringArg(args, 1, "table_name");
    if (!source || !table) return UserError("template-argument", "source() takes two names: source('raw', 'sales')");
    if (in.calls != nullptr) in.calls->sources.emplace_back(*source, *table);
    WEIR_ASSIGN_OR_RETURN(RelationName relation, in.resolver.source(*source, *table));
    return RelationValue(relation);
  };
}

// config(materialized='table', ...) in parse mode records; later it renders
// as nothing. config({'k': v}) (a dict) works too.
TemplateFunction ConfigFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (in.calls == nullptr) return TemplateValue::String("");
    for (const TemplateValue& positional : args.positional) {
      if (positional.kind() != TemplateValue::Kind::kMap) {
        return UserError("template-argument", "config() takes keyword arguments: config(materialized='table')");
      }
      for (const auto& [key, value] : positional.AsMap()) in.calls->config.Set(key, value);
    }
    for (const auto& [key, value] : args.keyword) {
      in.calls->config.Set(key == "pre_hook" ? "pre-hook" : key == "post_hook" ? "post-hook" : key, value);
    }
    return TemplateValue::String("");
  };
}

// The `default` of config.get / meta_get: second positional or keyword.
TemplateValue DefaultArgument(const TemplateCallArgs& args) {
  const TemplateValue* fallback = args.positional.size() > 1 ? &args.positional[1] : args.Keyword("default");
  return fallback != nullptr ? *fallback : TemplateValue::None();
}

// config.get('key', default) reads the node's merged config (a key set to
// none gives the default); while parsing it gives the default.
TemplateFunction ConfigGetFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<std::string> key = StringArg(args, 0, "name");
    if (!key) return UserError("template-argument", "config.get() takes a config name: config.get('unique_key')");
    TemplateValue otherwise = DefaultArgument(args);
    if (!in.execute || in.node == nullptr) return otherwise;
    const TemplateValue* value = in.node->config.Find(*key);
    return value == nullptr || value->is_none() ? otherwise : *value;
  };
}

// config.require('key'): the value, or an error naming the node and the key;
// while parsing, "" (dbt's parse-time answer).
TemplateFunction ConfigRequireFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<std::string> key = StringArg(args, 0, "name");
    if (!key) return UserError("template-argument", "config.require() takes a config name: config.require('unique_key')");
    if (!in.execute) return TemplateValue::String("");
    const TemplateValue* value = in.node != nullptr ? in.node->config.Find(*key) : nullptr;
    if (value == nullptr) {
      std::string who = in.node != nullptr ? "'" + in.node->unique_id + "'" : "this hook";
      return UserError("missing-config", "model " + who + " does not define a required config parameter '" + *key +
                                             "': set it in config(), the schema file or dbt_project.yml");
    }
    return *value;
  };
}

// dbt's `config`: config(...) records (parse mode), config.get, config.require
// and config.meta_get (a key of config.meta).
TemplateValue ConfigValue(const DbtContextInputs& in) {
  TemplateMap config;
  config.Set("__call__", TemplateValue::Function("config", ConfigFunction(in)));
  config.Set("get", TemplateValue::Function("config.get", ConfigGetFunction(in)));
  config.Set("require", TemplateValue::Function("config.require", ConfigRequireFunction(in)));
  config.Set("meta_get", TemplateValue::Function("config.meta_get", [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::optional<std::string> key = StringArg(args, 0, "name");
    TemplateValue otherwise = DefaultArgument(args);
    if (!key || !in.execute || in.node == nullptr) return otherwise;
    const TemplateValue* meta = in.node->config.Find("meta");
    if (meta == nullptr || meta->kind() != TemplateValue::Kind::kMap) return otherwise;
    const TemplateValue* value = meta->AsMap().Find(*key);
    return value == nullptr ? otherwise : *value;
  }));
  return TemplateValue::Object(std::move(config), "<config>");
}

// log(msg, info=False): with info, a line on the run's log in execute mode;
// otherwise dbt's debug log, which Weir does not keep.
TemplateFunction LogFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    const TemplateValue* message = args.positional.empty() ? args.Keyword("msg") : &args.positional[0];
    const TemplateValue* info = args.positional.size() > 1 ? &args.positional[1] : args.Keyword("info");
    if (message == nullptr) return UserError("template-argument", "log() takes a message: log('hello', info=True)");
    if (in.execute && in.log && info != nullptr && info->Truthy()) {
      in.log(LogLine(in.now ? in.now() : std::chrono::system_clock::now(), message->ToString()));
    }
    return TemplateValue::String("");
  };
}

TemplateValue ModulesValue(const DbtContextInputs& in) {
  std::function<TimePoint()> now = in.now;
  if (!now) now = [] { return std::chrono::system_clock::now(); };
  TemplateMap modules;
  modules.Set("datetime", DatetimeModule(std::move(now)));
  return TemplateValue::Object(std::move(modules), "<modules>");
}

TemplateValue TargetValue(const DbtTarget& target) {
  TemplateMap fields = target.fields;
  // Paths and passwords stay out of templates' reach only by not being
  // printed: dbt exposes every profile field, and so do we.
  return TemplateValue::FromMap(std::move(fields));
}

TemplateValue ExceptionsValue() {
  TemplateMap exceptions;
  exceptions.Set("raise_compiler_error",
                 TemplateValue::Function("exceptions.raise_compiler_error",
                                         [](const TemplateCallArgs& args) -> Result<TemplateValue> {
                                           std::string message =
                                               args.positional.empty() ? "" : args.positional[0].ToString();
                                           return UserError("compiler-error", message);
                                         }));
  exceptions.Set("warn", TemplateValue::Function("exceptions.warn", [](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::String("");
  }));
  return TemplateValue::FromMap(std::move(exceptions));
}

// zip(a, b, ...): tuples of the items at each position, as Python's.
Result<TemplateValue> Zip(const TemplateCallArgs& args) {
  size_t shortest = SIZE_MAX;
  for (const TemplateValue& list : args.positional) {
    if (!list.is_sequence()) return UserError("template-argument", "zip() takes lists");
    shortest = std::min(shortest, list.AsList().size());
  }
  TemplateValue::List out;
  for (size_t i = 0; !args.positional.empty() && i < shortest; ++i) {
    TemplateValue::List tuple;
    for (const TemplateValue& list : args.positional) tuple.push_back(list.AsList()[i]);
    out.push_back(TemplateValue::FromTuple(std::move(tuple)));
  }
  return TemplateValue::FromList(std::move(out));
}

Result<TemplateValue> FromJsonFunction(const TemplateCallArgs& args) {
  if (args.positional.empty() || args.positional[0].kind() != TemplateValue::Kind::kString) {
    return UserError("template-argument", "fromjson() takes a JSON string");
  }
  std::optional<TemplateValue> parsed = TemplateValueFromJson(args.positional[0].AsString());
  if (!parsed) return args.positional.size() > 1 ? args.positional[1] : TemplateValue::None();
  return *parsed;
}

// run_query(sql): the rows as an agate-like table; none when parsing.
TemplateFunction RunQueryFunction(const DbtContextInputs& in) {
  return [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.empty()) return UserError("template-argument", "run_query() takes the SQL to run");
    if (!in.execute || !in.query) return TemplateValue::None();
    WEIR_ASSIGN_OR_RETURN(QueryRows rows, in.query(args.positional[0].ToString()));
    return TableValue(rows);
  };
}

// {% call statement('name', fetch_result=True) %}SQL{% endcall %} runs the
// body (execute mode) and keeps the result for load_result('name').
using StatementResults = std::shared_ptr<std::map<std::string, TemplateValue>>;

TemplateFunction StatementFunction(const DbtContextInputs& in, StatementResults results) {
  return [&in, results](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::string name = args.positional.empty() ? "statement" : args.positional[0].ToString();
    bool fetch = false;
    const TemplateValue* caller = nullptr;
    for (const auto& [key, value] : args.keyword) {
      if (key == "fetch_result") fetch = value.Truthy();
      if (key == "caller") caller = &value;
    }
    if (caller == nullptr) return UserError("template-argument", "statement() is used as {% call statement(...) %}");
    WEIR_ASSIGN_OR_RETURN(TemplateValue body, caller->AsCallable().function(TemplateCallArgs{}));
    if (!in.execute || !in.query) return TemplateValue::String("");
    WEIR_ASSIGN_OR_RETURN(QueryRows rows, in.query(body.ToString()));
    TemplateMap result;
    TemplateValue table = TableValue(rows);
    result.Set("table", fetch ? table : TemplateValue::None());
    TemplateValue::List data;
    for (const TemplateValue& row : table.ObjectAttributes().Find("rows")->AsList()) data.push_back(row);
    result.Set("data", fetch ? TemplateValue::FromList(std::move(data)) : TemplateValue::None());
    result.Set("response", TemplateValue::String("OK"));
    (*results)[name] = TemplateValue::FromMap(std::move(result));
    return TemplateValue::String("");
  };
}

}  // namespace

TemplateValue RelationValue(const RelationName& relation, std::optional<std::string> type) {
  TemplateMap attributes;
  attributes.Set("database", TemplateValue::String(relation.database));
  attributes.Set("schema", TemplateValue::String(relation.schema));
  attributes.Set("identifier", TemplateValue::String(relation.identifier));
  attributes.Set("name", TemplateValue::String(relation.identifier));
  attributes.Set("table", TemplateValue::String(relation.identifier));
  attributes.Set("is_table", TemplateValue::Bool(type == "table"));
  attributes.Set("is_view", TemplateValue::Bool(type == "view"));
  attributes.Set("type", type ? TemplateValue::String(*type) : TemplateValue::None());
  std::string quoted = relation.Quoted();
  attributes.Set("render", TemplateValue::Function("render", [quoted](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::String(quoted);
  }));
  return TemplateValue::Object(std::move(attributes), quoted);
}

std::string LogLine(TimePoint now, std::string_view message) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm local{};
  localtime_r(&seconds, &local);
  char stamp[16];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", &local);
  return std::string(stamp) + "  " + std::string(message);
}

TemplateValue TableValue(const QueryRows& rows) {
  auto cell = [](const std::optional<std::string>& text) {
    return text ? TemplateValue::String(*text) : TemplateValue::None();
  };
  TemplateValue::List row_values, columns, names;
  for (const auto& row : rows.rows) {
    TemplateValue::List cells;
    for (const auto& text : row) cells.push_back(cell(text));
    row_values.push_back(TemplateValue::FromTuple(std::move(cells)));
  }
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    TemplateValue::List values;
    for (const auto& row : rows.rows) values.push_back(cell(row[c]));
    TemplateValue list = TemplateValue::FromTuple(std::move(values));
    TemplateMap column;
    column.Set("name", TemplateValue::String(rows.columns[c]));
    column.Set("values", TemplateValue::Function("values", [list](const TemplateCallArgs&) -> Result<TemplateValue> {
      return list;
    }));
    columns.push_back(TemplateValue::Object(std::move(column), rows.columns[c]));
    names.push_back(TemplateValue::String(rows.columns[c]));
  }
  TemplateMap table;
  table.Set("rows", TemplateValue::FromList(std::move(row_values)));
  table.Set("columns", TemplateValue::FromList(std::move(columns)));
  table.Set("column_names", TemplateValue::FromTuple(std::move(names)));
  return TemplateValue::Object(std::move(table), "<agate.Table>");
}

TemplateContext MakeDbtContext(const DbtContextInputs& in) {
  TemplateContext context(TemplateContextOptions{.macro_return = true});
  const DbtProject& project = *in.project;
  if (in.macros != nullptr) {
    for (const auto& [name, macro] : *in.macros) context.Set(name, macro);
  }
  auto statements = std::make_shared<std::map<std::string, TemplateValue>>();
  context.AddFunction("statement", StatementFunction(in, statements));
  context.AddFunction("load_result", [statements](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.empty()) return UserError("template-argument", "load_result() takes a statement name");
    auto it = statements->find(args.positional[0].ToString());
    return it == statements->end() ? TemplateValue::None() : it->second;
  });
  context.AddFunction("run_query", RunQueryFunction(in));
  context.AddFunction("zip", Zip);
  context.AddFunction("fromjson", FromJsonFunction);
  context.AddFunction("doc", [&in](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::string name = args.positional.empty() ? "" : args.positional.back().ToString();
    if (in.docs != nullptr) {
      auto it = in.docs->find(name);
      if (it != in.docs->end()) return TemplateValue::String(it->second);
    }
    return UserError("doc-not-found", "no {% docs " + name + " %} block in the project");
  });
  context.AddFunction("ref", RefFunction(in));
  context.AddFunction("source", SourceFunction(in));
  context.Set("config", ConfigValue(in));
  context.AddFunction("load_relation", LoadRelationFunction(in));
  context.AddFunction("load_cached_relation", LoadRelationFunction(in));
  context.AddFunction("var", VarFunction(project.vars));
  if (in.env != nullptr) context.AddFunction("env_var", EnvVarFunction(*in.env), {.secret = true});
  context.AddFunction("is_incremental", [&in](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::Bool(in.execute && in.resolver.is_incremental && in.resolver.is_incremental());
  });
  context.AddFunction("log", LogFunction(in));
  context.Set("modules", ModulesValue(in));
  context.Set("execute", TemplateValue::Bool(in.execute));
  context.Set("target", TargetValue(project.target));
  context.Set("project_name", TemplateValue::String(project.name));
  context.Set("adapter", AdapterValue(in));
  context.Set("exceptions", ExceptionsValue());
  if (in.node != nullptr) context.Set("this", RelationValue(in.node->relation));
  for (const auto& [name, value] : in.extra_names) context.Set(name, value);
  return context;
}

}  // namespace weir::models_internal
