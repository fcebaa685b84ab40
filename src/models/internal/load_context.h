// What dbt's YAML files (dbt_project.yml, profiles.yml) may call while they
// are loaded: env_var() and var() (the --vars only, as dbt does at load).
#pragma once

#include <string>

#include "common/files.h"
#include "config/config_node.h"
#include "template/template.h"

namespace weir::models_internal {

// env_var(name[, default]): the variable, the default, or a user error
// "env-var-missing" (dbt: "Env var required but not provided").
TemplateFunction EnvVarFunction(const Environment& env);
// var(name[, default]) over `vars`.
TemplateFunction VarFunction(TemplateMap vars);

// The node as a template value, with every scalar that holds Jinja rendered
// in `context` (quoted or not; a rendered value is typed again as YAML would
// type it unless it was quoted). Errors are appended to `errors`.
TemplateValue RenderYamlValue(const ConfigNode& node, const TemplateContext& context, std::vector<Status>& errors);

}  // namespace weir::models_internal
