// A mapped task's items (`map_over:`, docs/pipelines.md#dynamic-task-mapping),
// read once when the task is ready, as the task's own attempt:
//   a list       its items as written (data, not templates)
//   {sql: ...}   one item per row of a warehouse query: the value of a
//                single column, else a mapping of column to value
//   {output: x}  a list in an upstream task's output (`field:` digs in)
// Each item is returned as JSON text; the engine records them.
#include <nlohmann/json.hpp>

#include "common/text.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"
#include "tasks/internal/task_outputs.h"

namespace weir::tasks_internal {
namespace {

// A YAML value as JSON, read as templates read it (FromConfig): unquoted
// whole numbers and booleans keep their type, every other scalar is a string.
std::string ConfigJson(const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return "null";
    case ConfigNode::Kind::kScalar:
      if (!node.quoted()) {
        if (auto n = node.AsInt("item"); n.ok()) return std::to_string(*n);
        if (auto b = node.AsBool("item"); b.ok()) return *b ? "true" : "false";
      }
      return JsonQuote(node.scalar());
    case ConfigNode::Kind::kSequence: {
      std::string out = "[";
      for (const ConfigNode& item : node.items()) out += (out.size() > 1 ? "," : "") + ConfigJson(item);
      return out + "]";
    }
    case ConfigNode::Kind::kMap: {
      std::string out = "{";
      for (const auto& [key, value] : node.entries()) {
        out += (out.size() > 1 ? "," : "") + JsonQuote(key.scalar()) + ":" + ConfigJson(value);
      }
      return out + "}";
    }
  }
  return "null";
}

bool IsNumberType(const std::string& type) {
  static const char* const kNumbers[] = {"TINYINT",   "SMALLINT", "INTEGER", "BIGINT",  "HUGEINT", "UTINYINT",
                                         "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "FLOAT",   "DOUBLE"};
  for (const char* name : kNumbers) {
    if (type == name) return true;
  }
  return type.rfind("DECIMAL", 0) == 0;
}

// A cell as JSON: numbers and booleans keep their type (but inf and nan,
// which JSON has not), NULL is null, everything else is its text.
std::string CellJson(const std::optional<std::string>& cell, const std::string& type) {
  if (!cell) return "null";
  if (type == "BOOLEAN") return *cell == "true" ? "true" : "false";
  bool finite = cell->find_first_of("in") == std::string::npos;  // not inf, -inf or nan
  if (IsNumberType(type) && finite && !cell->empty()) return *cell;
  return JsonQuote(*cell);
}

std::vector<std::string> RowItems(const QueryRows& rows) {
  std::vector<std::string> items;
  for (const auto& row : rows.rows) {
    if (rows.columns.size() == 1) {
      items.push_back(CellJson(row[0], rows.types[0]));
      continue;
    }
    std::string item = "{";
    for (size_t c = 0; c < rows.columns.size(); ++c) {
      item += (c > 0 ? "," : "") + JsonQuote(rows.columns[c]) + ":" + CellJson(row[c], rows.types[c]);
    }
    items.push_back(item + "}");
  }
  return items;
}

Result<std::vector<std::string>> QueryItems(const TaskContext& context, const TaskServices& services,
                                            AttemptLog& log) {
  const MapOver& map = *context.task.map_over;
  TemplateContext names = MakeTemplateContext(context, services);
  auto secrets = std::make_shared<SecretValues>();
  RecordSecrets(names, secrets);
  log.SetSecrets(secrets);
  WEIR_ASSIGN_OR_RETURN(RenderedText sql, RenderNode(map.sql, "'sql' of 'map_over'", names));
  WEIR_ASSIGN_OR_RETURN(auto db, ConnectWarehouse(context, services));
  Result<QueryRows> rows = db->Query(sql.text);
  if (!rows.ok()) {
    log.Line("map_over SQL:\n" + sql.shown);
    return secrets->Redact(rows.status().WithContext("map_over's query"));
  }
  log.Line("map_over: " + std::to_string(rows->rows.size()) + " rows of " + sql.shown);
  return RowItems(*rows);
}

// The list at `field` ("a.b": keys, one per step) inside task `from`'s output.
Result<std::vector<std::string>> OutputItems(const TaskContext& context, AttemptLog& log) {
  const MapOver& map = *context.task.map_over;
  const std::string& from = map.output.value;
  if (context.store == nullptr) return InternalError("map_over: {output: ...} needs the state store");
  WEIR_ASSIGN_OR_RETURN(auto outputs, RunOutputs(*context.store, context.run.id));
  auto it = outputs.find(from);
  if (it == outputs.end()) {
    return UserError("map-over-not-list", "map_over reads the output of '" + from + "', which recorded none",
                     map.output.where);
  }
  nlohmann::json value = nlohmann::json::parse(it->second, nullptr, /*allow_exceptions=*/false);
  std::string path = from;
  for (std::string_view rest = map.field; !rest.empty() && !value.is_discarded();) {
    size_t dot = rest.find('.');
    std::string key(rest.substr(0, dot));
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
    path += "." + key;
    if (!value.is_object() || !value.contains(key)) {
      return UserError("map-over-not-list", "map_over: the output of '" + from + "' has no field '" + path.substr(from.size() + 1) +
                                                "': " + it->second.substr(0, 200),
                       map.output.where);
    }
    value = nlohmann::json(value[key]);
  }
  if (!value.is_array()) {
    std::string got = value.is_discarded() ? "not JSON" : std::string("a JSON ") + value.type_name();
    return UserError("map-over-not-list", "map_over: '" + path + "' must be a list, got " + got, map.output.where);
  }
  std::vector<std::string> items;
  for (const nlohmann::json& item : value) items.push_back(item.dump());
  log.Line("map_over: " + std::to_string(items.size()) + " items from the output of '" + path + "'");
  return items;
}

class MapItems final : public MapItemsSource {
 public:
  explicit MapItems(const TaskServices& services) : services_(services) {}

  Result<std::vector<std::string>> Items(const TaskContext& context) override {
    if (!context.task.map_over) return InternalError("task '" + context.task.id + "' has no map_over");
    const MapOver& map = *context.task.map_over;
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": read the items of map_over");
    switch (map.source) {
      case MapOver::Source::kSql: return QueryItems(context, services_, log);
      case MapOver::Source::kOutput: return OutputItems(context, log);
      case MapOver::Source::kList: break;
    }
    std::vector<std::string> items;
    for (const ConfigNode& item : map.list.items()) items.push_back(ConfigJson(item));
    return items;
  }

 private:
  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<MapItemsSource> NewMapItemsSource(const TaskServices& services) {
  return std::make_shared<MapItems>(services);
}

}  // namespace weir::tasks_internal
