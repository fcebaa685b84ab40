// The macros every node's Jinja sees: Weir's built-in ones, written here,
// then the project's macro files, which override them by name (dbt's rule).
#include <nlohmann/json.hpp>

#include "models/internal/dbt_context.h"

namespace weir::models_internal {
namespace {

// dbt's documented defaults for where a node is built.
constexpr std::string_view kBuiltinMacros = R"jinja(
{% macro default__generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{- default__generate_schema_name(custom_schema_name, node) -}}
{%- endmacro %}
{% macro default__generate_alias_name(custom_alias_name, node) -%}
  {%- if custom_alias_name -%}{{ custom_alias_name | trim }}{%- else -%}{{ node.name }}{%- endif -%}
{%- endmacro %}
{% macro generate_alias_name(custom_alias_name, node) -%}
  {{- default__generate_alias_name(custom_alias_name, node) -}}
{%- endmacro %}
{% macro default__generate_database_name(custom_database_name, node) -%}
  {%- if custom_database_name is none -%}{{ target.database }}{%- else -%}{{ custom_database_name | trim }}{%- endif -%}
{%- endmacro %}
{% macro generate_database_name(custom_database_name, node) -%}
  {{- default__generate_database_name(custom_database_name, node) -}}
{%- endmacro %}
)jinja";

void AddMacros(const Template& file, TemplateMap& macros) {
  for (const auto& [name, macro] : file.Macros()) macros.Set(name, macro);
}

}  // namespace

void LoadMacros(const DbtProject& project, TemplateMap& macros, std::map<std::string, std::string>& docs,
                std::vector<Status>& errors) {
  Result<Template> builtins = ParseTemplate(kBuiltinMacros, SourceLocation{"<weir built-in macros>", 1, 1});
  if (!builtins.ok()) {
    errors.push_back(builtins.status());
    return;
  }
  AddMacros(*builtins, macros);
  for (const DbtFile& file : project.macros) {
    Result<Template> parsed = ParseTemplate(file.text, SourceLocation{file.relative_path, 1, 1}, {.dbt_blocks = true});
    if (!parsed.ok()) {
      errors.push_back(parsed.status());
      continue;
    }
    AddMacros(*parsed, macros);
    for (const TemplateBlock& block : parsed->Blocks()) {
      if (block.kind == TemplateBlock::Kind::kDocs) docs[block.name] = block.text;
    }
  }
  for (const auto& [path, text] : project.docs_files) {
    Result<Template> parsed = ParseTemplate(text, SourceLocation{path, 1, 1}, {.dbt_blocks = true});
    if (!parsed.ok()) {
      errors.push_back(parsed.status());
      continue;
    }
    for (const TemplateBlock& block : parsed->Blocks()) {
      if (block.kind == TemplateBlock::Kind::kDocs) docs[block.name] = block.text;
    }
  }
}

}  // namespace weir::models_internal
