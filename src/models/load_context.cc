#include "models/internal/load_context.h"

namespace weir::models_internal {

TemplateFunction EnvVarFunction(const Environment& env) {
  return [&env](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.empty() || args.positional[0].kind() != TemplateValue::Kind::kString) {
      return UserError("template-argument", "env_var() takes the variable's name as a string");
    }
    const std::string& name = args.positional[0].AsString();
    if (std::optional<std::string> value = env.Get(name)) return TemplateValue::String(*value);
    if (args.positional.size() > 1) return args.positional[1];
    for (const auto& [key, value] : args.keyword) {
      if (key == "default") return value;
    }
    return UserError("env-var-missing", "Env var required but not provided: '" + name + "'");
  };
}

TemplateFunction VarFunction(TemplateMap vars) {
  return [vars = std::move(vars)](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.empty() || args.positional[0].kind() != TemplateValue::Kind::kString) {
      return UserError("template-argument", "var() takes the variable's name as a string");
    }
    const std::string& name = args.positional[0].AsString();
    if (const TemplateValue* value = vars.Find(name)) return *value;
    if (args.positional.size() > 1) return args.positional[1];
    for (const auto& [key, value] : args.keyword) {
      if (key == "default") return value;
    }
    return UserError("var-missing", "Required var '" + name + "' not found in config: pass it with --vars or "
                                    "set it under `vars:` in dbt_project.yml (weir.yml in a Weir project)");
  };
}

TemplateValue RenderYamlValue(const ConfigNode& node, const TemplateContext& context, std::vector<Status>& errors) {
  switch (node.kind()) {
    case ConfigNode::Kind::kScalar: {
      if (!HasTemplateSyntax(node.scalar())) return ToTemplateValue(node);
      Result<std::string> text = RenderTemplate(node.scalar(), node.where(), context);
      if (!text.ok()) {
        errors.push_back(text.status());
        return TemplateValue::String(node.scalar());
      }
      if (node.quoted()) return TemplateValue::String(*text);
      return ToTemplateValue(ConfigNode::Scalar(*text, false, node.where()));
    }
    case ConfigNode::Kind::kSequence: {
      TemplateValue::List items;
      for (const ConfigNode& item : node.items()) items.push_back(RenderYamlValue(item, context, errors));
      return TemplateValue::FromList(std::move(items));
    }
    case ConfigNode::Kind::kMap: {
      TemplateMap map;
      for (const auto& [k, v] : node.entries()) map.Set(k.scalar(), RenderYamlValue(v, context, errors));
      return TemplateValue::FromMap(std::move(map));
    }
    case ConfigNode::Kind::kNull: break;
  }
  return TemplateValue::None();
}

}  // namespace weir::models_internal
