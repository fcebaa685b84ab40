#include "config/internal/map_over.h"

#include <map>
#include <set>

#include "common/text.h"
#include "config/internal/template_check.h"

namespace weir::config_internal {
namespace {

// `{sql: ...}` or `{output: task, field: ...}`: exactly one source.
std::optional<MapOver> ReadMapOverSource(const ConfigNode& node, std::vector<Status>& errors) {
  static const std::vector<std::string> kSources = {"sql", "output"};
  std::vector<std::string> present;
  for (const std::string& key : kSources) {
    if (node.Find(key) != nullptr) present.push_back(key);
  }
  if (present.size() != 1) {
    errors.push_back(UserError("bad-map-over",
                               "'map_over' takes a list, {sql: QUERY} or {output: TASK}; this mapping has " +
                                   (present.empty() ? std::string("neither 'sql' nor 'output'") : "both"),
                               node.where()));
    return std::nullopt;
  }
  MapOver map;
  map.where = node.where();
  if (present[0] == "sql") {
    MapFields fields(node, "'map_over'", {"sql"}, errors);
    const ConfigNode* sql = fields.Require("sql");
    if (sql == nullptr) return std::nullopt;
    Result<std::string> text = sql->AsString("'sql' of 'map_over'");
    if (!text.ok()) {
      errors.push_back(text.status());
      return std::nullopt;
    }
    map.source = MapOver::Source::kSql;
    map.sql = *sql;
    CheckTemplateNode(*sql, TaskTemplateNames(), errors);  // no item yet: it makes the items
    return map;
  }
  MapFields fields(node, "'map_over'", {"output", "field"}, errors);
  std::optional<std::string> output = fields.String("output");
  if (!output) return std::nullopt;
  map.source = MapOver::Source::kOutput;
  map.output = {*output, fields.Get("output")->where()};
  if (auto field = fields.String("field")) map.field = *field;
  return map;
}

// The tasks an `after:` name stands for: the task of that id, else every
// task of that group (ids starting with "name."), as the graph resolves it.
std::vector<const TaskDef*> AfterTargets(const PipelineDef& pipeline, const std::string& name) {
  if (const TaskDef* task = pipeline.FindTask(name)) return {task};
  std::vector<const TaskDef*> members;
  for (const TaskDef& t : pipeline.tasks) {
    if (t.id.size() > name.size() && t.id.compare(0, name.size(), name) == 0 && t.id[name.size()] == '.') {
      members.push_back(&t);
    }
  }
  return members;
}

// Every task `task` runs after, directly or further up.
std::set<std::string> UpstreamIds(const PipelineDef& pipeline, const TaskDef& task) {
  std::set<std::string> seen;
  std::vector<const TaskDef*> todo = {&task};
  while (!todo.empty()) {
    const TaskDef* current = todo.back();
    todo.pop_back();
    for (const auto& name : current->after) {
      for (const TaskDef* up : AfterTargets(pipeline, name.value)) {
        if (seen.insert(up->id).second) todo.push_back(up);
      }
    }
  }
  return seen;
}

}  // namespace

void ReadMapOver(MapFields& fields, TaskDef& task, std::vector<Status>& errors) {
  if (const ConfigNode* node = fields.Get("map_over")) {
    if (node->is_sequence()) {
      MapOver map;
      map.where = node->where();
      map.list = *node;
      task.map_over = std::move(map);
    } else if (node->is_map()) {
      task.map_over = ReadMapOverSource(*node, errors);
    } else {
      fields.Add(UserError("wrong-type", "'map_over' must be a list, {sql: QUERY} or {output: TASK}, got " +
                                             std::string(node->Describe()), node->where()));
    }
  }
  if (auto n = fields.Int("max_map_parallelism", 1)) {
    task.max_map_parallelism = static_cast<int>(*n);
    if (fields.Get("map_over") == nullptr) {
      fields.Add(UserError("bad-map-over", "'max_map_parallelism' applies to a mapped task: add 'map_over'",
                           fields.Get("max_map_parallelism")->where()));
    }
  }
}

void CheckMapOverSources(const PipelineDef& pipeline, std::vector<Status>& errors) {
  for (const TaskDef& task : pipeline.tasks) {
    if (!task.map_over || task.map_over->source != MapOver::Source::kOutput) continue;
    const Sourced<std::string>& output = task.map_over->output;
    if (UpstreamIds(pipeline, task).count(output.value) > 0) continue;
    std::vector<std::string> ids;
    for (const TaskDef& t : pipeline.tasks) ids.push_back(t.id);
    std::string why = pipeline.FindTask(output.value) == nullptr
                          ? "no task '" + output.value + "' in this pipeline" + DidYouMean(output.value, ids)
                          : "task '" + output.value + "' does not run before '" + task.id + "': add it to 'after'";
    errors.push_back(UserError("map-over-not-upstream", "'map_over' reads the output of an upstream task; " + why,
                               output.where));
  }
}

}  // namespace weir::config_internal
