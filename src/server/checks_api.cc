// /api/v1/checks: the latest result of every data check of the project's
// check tasks, and one check's history, from what the state store records
// (CheckHistory). The store lists results by check, so the checks come
// from the project: each `kind: check` task's `checks:` list, whose suite
// is "PIPELINE.TASK".
#include "quality/quality.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

constexpr int kDefaultHistory = 50;
constexpr int kMaxHistory = 1000;

// One check as the project declares it.
struct DeclaredCheck {
  std::string suite;   // "PIPELINE.TASK"
  std::string target;  // the task's table, path or query, as written
  CheckSpec spec;
};

std::string TargetOf(const TaskDef& task) {
  for (const char* key : {"table", "path", "query"}) {
    const ConfigNode* node = task.param(key);
    if (node == nullptr || !node->is_scalar()) continue;
    Result<std::string> text = node->AsString(key);
    if (text.ok()) return *text;
  }
  return "";
}

// Every check of every check task; a list that does not parse (weir
// validate reports it) adds none.
std::vector<DeclaredCheck> DeclaredChecks(const ServerContext& context) {
  std::vector<DeclaredCheck> checks;
  for (const PipelineDef& pipeline : context.project->pipelines) {
    for (const TaskDef& task : pipeline.tasks) {
      const ConfigNode* list = task.kind.value == "check" ? task.param("checks") : nullptr;
      if (list == nullptr) continue;
      Result<std::vector<CheckSpec>> specs = ParseCheckList(*list);
      if (!specs.ok()) continue;
      for (CheckSpec& spec : *specs) checks.push_back({pipeline.name + "." + task.id, TargetOf(task), std::move(spec)});
    }
  }
  return checks;
}

// Row-level checks observe failing rows; the others a metric.
std::optional<double> FailingRows(const CheckSpec& spec, const std::optional<double>& observed) {
  bool counts_rows = spec.kind == "unique" || RowFailurePredicate(spec).ok();
  return counts_rows ? observed : std::nullopt;
}

nlohmann::json ResultJson(const CheckResultRecord& record) {
  return {{"status", record.status},
          {"observed", record.observed ? nlohmann::json(*record.observed) : nlohmann::json(nullptr)},
          {"message", record.message},
          {"interval_start", record.interval_start.empty() ? nlohmann::json(nullptr) : nlohmann::json(record.interval_start)},
          {"run_id", record.run_id.value > 0 ? nlohmann::json(record.run_id.value) : nlohmann::json(nullptr)},
          {"recorded_at", TimeJson(record.recorded_at)}};
}

nlohmann::json OptionalNumber(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

// Never-run checks are listed too, with a null status.
Result<HttpResponse> ListChecks(const ApiCall& call) {
  nlohmann::json listed = nlohmann::json::array();
  for (const DeclaredCheck& declared : DeclaredChecks(call.context)) {
    WEIR_ASSIGN_OR_RETURN(std::vector<CheckResultRecord> latest,
                          call.context.store->CheckHistory(declared.suite, declared.spec.name, "", 1));
    nlohmann::json json = {{"suite", declared.suite}, {"check", declared.spec.name}, {"kind", declared.spec.kind},
                           {"target", declared.target}, {"status", nullptr}, {"observed", nullptr},
                           {"failing_rows", nullptr}, {"message", ""}, {"interval_start", nullptr},
                           {"run_id", nullptr}, {"recorded_at", nullptr}};
    if (!latest.empty()) {
      json.update(ResultJson(latest.front()));
      json["failing_rows"] = OptionalNumber(FailingRows(declared.spec, latest.front().observed));
    }
    listed.push_back(json);
  }
  return Json(200, {{"checks", listed}});
}

// Newest first, as the store keeps it (an interval's latest result only).
Result<HttpResponse> GetCheckHistory(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(int limit, IntQueryParam(call, "limit", kDefaultHistory, 1, kMaxHistory));
  const std::string& suite = call.params.at("suite");
  const std::string& check = call.params.at("check");
  bool declared = false;
  for (const DeclaredCheck& d : DeclaredChecks(call.context)) declared = declared || (d.suite == suite && d.spec.name == check);
  WEIR_ASSIGN_OR_RETURN(std::vector<CheckResultRecord> history, call.context.store->CheckHistory(suite, check, "", limit));
  if (!declared && history.empty()) {
    return UserError("unknown-check", "no check '" + check + "' in suite '" + suite + "' (suites are PIPELINE.TASK of "
                                      "check tasks; GET /api/v1/checks lists them)");
  }
  nlohmann::json listed = nlohmann::json::array();
  for (const CheckResultRecord& record : history) listed.push_back(ResultJson(record));
  return Json(200, {{"suite", suite}, {"check", check}, {"limit", limit}, {"history", listed}});
}

}  // namespace weir::server_internal
