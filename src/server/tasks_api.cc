// /api/v1/runs/{run}/tasks: a run's task instances (each instance of a
// mapped task right after its task), one with its attempts, and an
// instance's log as `weir logs` prints it.
#include <algorithm>
#include <map>

#include "engine/run_control.h"
#include "server/internal/handlers.h"

namespace weir::server_internal {
namespace {

// Each mapped task's instances ("load[3]") right after it, by index.
std::vector<TaskInstanceRecord> InstancesAfterTheirTask(std::vector<TaskInstanceRecord> records) {
  std::map<std::string, size_t> position;  // a task's place in the run's list
  for (size_t i = 0; i < records.size(); ++i) position.emplace(records[i].task_id, i);
  auto key = [&](const TaskInstanceRecord& r) {
    std::optional<std::pair<std::string, int>> of = r.map_index >= 0 ? ParseMapInstanceId(r.task_id) : std::nullopt;
    if (!of) return std::make_pair(position[r.task_id], -1);
    auto task = position.find(of->first);
    return std::make_pair(task == position.end() ? records.size() : task->second, of->second);
  };
  std::stable_sort(records.begin(), records.end(),
                   [&](const TaskInstanceRecord& a, const TaskInstanceRecord& b) { return key(a) < key(b); });
  return records;
}

Result<TaskInstanceRecord> FindTaskInstance(const ApiCall& call, const RunRecord& run) {
  const std::string& id = call.params.at("task");
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> tasks, call.context.store->TaskInstances(run.id));
  for (TaskInstanceRecord& task : tasks) {
    if (task.task_id == id) return std::move(task);
  }
  return UserError("unknown-task", "run " + std::to_string(run.id.value) + " has no task instance '" + id + "'");
}

// The last `lines` lines of `text` (all of it when it has fewer).
std::string LastLines(const std::string& text, int lines) {
  size_t start = text.size();
  if (start > 0 && text.back() == '\n') --start;  // the final newline ends the last line
  for (int seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
  }
  return text.substr(start);
}

}  // namespace

// ?attempts=true adds each instance's attempts (the Gantt chart draws
// them), so that a page needs one call instead of one per task.
Result<HttpResponse> ListTaskInstances(const ApiCall& call) {
  std::optional<std::string> with_attempts = QueryParam(call, "attempts");
  if (with_attempts && *with_attempts != "true" && *with_attempts != "false") {
    return UserError("bad-parameter", "query parameter 'attempts' takes true or false, got '" + *with_attempts + "'");
  }
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  WEIR_ASSIGN_OR_RETURN(std::vector<TaskInstanceRecord> tasks, call.context.store->TaskInstances(run.id));
  nlohmann::json listed = nlohmann::json::array();
  for (const TaskInstanceRecord& task : InstancesAfterTheirTask(std::move(tasks))) {
    nlohmann::json json = TaskInstanceJson(task);
    if (with_attempts == "true") {
      WEIR_ASSIGN_OR_RETURN(std::vector<AttemptRecord> attempts, call.context.store->Attempts(run.id, task.task_id));
      json["attempts"] = nlohmann::json::array();
      for (const AttemptRecord& attempt : attempts) json["attempts"].push_back(AttemptJson(attempt));
    }
    listed.push_back(json);
  }
  return Json(200, {{"run_id", run.id.value}, {"tasks", listed}});
}

Result<HttpResponse> GetTaskInstance(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord task, FindTaskInstance(call, run));
  WEIR_ASSIGN_OR_RETURN(std::vector<AttemptRecord> attempts, call.context.store->Attempts(run.id, task.task_id));
  nlohmann::json json = TaskInstanceJson(task);
  json["run_id"] = run.id.value;
  nlohmann::json listed = nlohmann::json::array();
  for (const AttemptRecord& attempt : attempts) listed.push_back(AttemptJson(attempt));
  json["attempts"] = listed;
  return Json(200, json);
}

// text/plain: every attempt's log, oldest first (or only ?attempt=K), as
// `weir logs --task` prints it; ?tail=N keeps the last N lines.
Result<HttpResponse> GetTaskLog(const ApiCall& call) {
  WEIR_ASSIGN_OR_RETURN(int tail, IntQueryParam(call, "tail", 0, 1, 1'000'000));
  WEIR_ASSIGN_OR_RETURN(int number, IntQueryParam(call, "attempt", 0, 1, 1'000'000));
  WEIR_ASSIGN_OR_RETURN(RunRecord run, FindRun(call));
  WEIR_ASSIGN_OR_RETURN(TaskInstanceRecord task, FindTaskInstance(call, run));
  WEIR_ASSIGN_OR_RETURN(std::vector<AttemptRecord> attempts, call.context.store->Attempts(run.id, task.task_id));
  std::string text;
  bool found = number == 0;
  for (const AttemptRecord& attempt : attempts) {
    if (number != 0 && attempt.number != number) continue;
    text += AttemptLogText(attempt);
    found = true;
  }
  if (!found) {
    return UserError("unknown-attempt", "task instance '" + task.task_id + "' of run " + std::to_string(run.id.value) +
                                            " has no attempt " + std::to_string(number) + " (it has " +
                                            std::to_string(attempts.size()) + ")");
  }
  return Text(200, tail > 0 ? LastLines(text, tail) : std::move(text));
}

}  // namespace weir::server_internal
