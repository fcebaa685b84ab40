// JSON text as a template value: task outputs and dbt's fromjson().
#include <nlohmann/json.hpp>

#include "template/value.h"

namespace weir {
namespace {

TemplateValue FromJson(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return TemplateValue::Bool(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return TemplateValue::Int(j.get<int64_t>());
    case nlohmann::json::value_t::number_float: return TemplateValue::Float(j.get<double>());
    case nlohmann::json::value_t::string: return TemplateValue::String(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      TemplateValue::List items;
      for (const auto& item : j) items.push_back(FromJson(item));
      return TemplateValue::FromList(std::move(items));
    }
    case nlohmann::json::value_t::object: {
      TemplateMap map;
      for (const auto& [key, item] : j.items()) map.Set(key, FromJson(item));
      return TemplateValue::FromMap(std::move(map));
    }
    default: return TemplateValue::None();
  }
}

}  // namespace

std::optional<TemplateValue> TemplateValueFromJson(std::string_view text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return std::nullopt;
  return FromJson(parsed);
}

}  // namespace weir
