#include "models/internal/dbt_context.h"

#include "models/internal/load_context.h"
#include "models/internal/node_config.h"

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

TemplateValue TargetValue(const DbtTarget& target) {
  TemplateMap fields = target.fields;
  // Paths and passwords stay out of templates' reach only by not being
  // printed: dbt exposes every profile field, and so do we.
  return TemplateValue::FromMap(std::move(fields));
}

TemplateValue AdapterValue() {
  TemplateMap adapter;
  adapter.Set("quote", TemplateValue::Function("adapter.quote", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.size() != 1) return UserError("template-argument", "adapter.quote() takes one name");
    return TemplateValue::String(QuoteIdentifier(args.positional[0].ToString()));
  }));
  return TemplateValue::FromMap(std::move(adapter));
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

TemplateValue Nothing(const TemplateCallArgs&) { return TemplateValue::String(""); }

}  // namespace

TemplateValue RelationValue(const RelationName& relation) { return TemplateValue::String(relation.Quoted()); }

TemplateContext MakeDbtContext(const DbtContextInputs& in) {
  TemplateContext context;
  const DbtProject& project = *in.project;
  context.AddFunction("ref", RefFunction(in));
  context.AddFunction("source", SourceFunction(in));
  context.AddFunction("config", ConfigFunction(in));
  context.AddFunction("var", VarFunction(project.vars));
  if (in.env != nullptr) context.AddFunction("env_var", EnvVarFunction(*in.env), {.secret = true});
  context.AddFunction("is_incremental", [&in](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::Bool(in.execute && in.resolver.is_incremental && in.resolver.is_incremental());
  });
  context.AddFunction("log", Nothing);
  context.Set("execute", TemplateValue::Bool(in.execute));
  context.Set("target", TargetValue(project.target));
  context.Set("project_name", TemplateValue::String(project.name));
  context.Set("adapter", AdapterValue());
  context.Set("exceptions", ExceptionsValue());
  if (in.node != nullptr) context.Set("this", RelationValue(in.node->relation));
  return context;
}

}  // namespace weir::models_internal
