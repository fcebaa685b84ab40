#include "cli/run_plan.h"

#include <nlohmann/json.hpp>

#include "common/text.h"

namespace weir::cli {
namespace {

// A YAML scalar as JSON: what `params:` defaults and --param values mean.
nlohmann::json ScalarJson(const std::string& text, bool quoted) {
  if (!quoted) {
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    if (text == "null" || text == "~" || text.empty()) return nullptr;
    char* end = nullptr;
    long long n = std::strtoll(text.c_str(), &end, 10);
    if (end != nullptr && *end == '\0') return n;
    double d = std::strtod(text.c_str(), &end);
    if (end != nullptr && *end == '\0') return d;
  }
  return text;
}

nlohmann::json NodeJson(const ConfigNode& node) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return nullptr;
    case ConfigNode::Kind::kScalar: return ScalarJson(node.scalar(), node.quoted());
    case ConfigNode::Kind::kSequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const ConfigNode& item : node.items()) out.push_back(NodeJson(item));
      return out;
    }
    case ConfigNode::Kind::kMap: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [k, v] : node.entries()) out[k.scalar()] = NodeJson(v);
      return out;
    }
  }
  return nullptr;
}

}  // namespace

Result<DataInterval> IntervalFor(const PipelineDef& pipeline, const std::string& date, Clock& clock) {
  WEIR_ASSIGN_OR_RETURN(Schedule schedule, ScheduleOf(pipeline));
  if (!date.empty()) {
    WEIR_ASSIGN_OR_RETURN(DataInterval interval, IntervalForDate(schedule, pipeline.timezone, date));
    if (pipeline.end_date && interval.ds > *pipeline.end_date) {
      return UserError("after-end-date", "pipeline '" + pipeline.name + "' ends on " + *pipeline.end_date +
                                             " (end_date); there is no run on " + interval.ds);
    }
    return interval;
  }
  WEIR_ASSIGN_OR_RETURN(std::optional<DataInterval> latest,
                        LatestEndedInterval(schedule, pipeline.timezone, clock.Now()));
  if (latest) return *latest;
  return UserError("no-interval", "no data interval of pipeline '" + pipeline.name +
                                      "' has ended yet; pass --date to run one");
}

Result<std::string> RunParams(const PipelineDef& pipeline, const std::vector<std::string>& assignments) {
  nlohmann::json params = nlohmann::json::object();
  std::vector<std::string> declared;
  for (const auto& [name, value] : pipeline.params) {
    params[name] = NodeJson(value);
    declared.push_back(name);
  }
  for (const std::string& a : assignments) {
    size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UserError("bad-param", "--param takes name=value, got '" + a + "'");
    }
    std::string name = a.substr(0, eq);
    if (pipeline.params.count(name) == 0) {
      return UserError("unknown-param", "pipeline '" + pipeline.name + "' declares no parameter '" + name + "'" +
                                            DidYouMean(name, declared) +
                                            (declared.empty() ? " (declare it under 'params:')" : ""));
    }
    params[name] = ScalarJson(a.substr(eq + 1), false);
  }
  return params.dump();
}

}  // namespace weir::cli
