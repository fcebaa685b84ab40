#include "cli/progress.h"

#include <ctime>

namespace weir::cli {

std::string FormatUtc(TimePoint t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatElapsed(std::chrono::milliseconds d) {
  char buf[32];
  long long ms = d.count();
  if (ms < 60000) std::snprintf(buf, sizeof buf, "%.1fs", static_cast<double>(ms) / 1000.0);
  else std::snprintf(buf, sizeof buf, "%lldm%02llds", ms / 60000, (ms / 1000) % 60);
  return buf;
}

Progress::Progress(const PipelineGraph& graph, Clock& clock, bool live, std::FILE* out)
    : graph_(graph), clock_(clock), live_(live), out_(out) {
  for (int i : graph.order()) rows_[graph.id(i)] = Row{TaskState::kPending, 0, clock.Now(), ""};
}

void Progress::TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error,
                           std::optional<TimePoint> retry_at) {
  TimePoint now = clock_.Now();
  std::string note;
  if (!error.ok()) note = error.message();
  if (retry_at) {
    // A sensor waiting goes on with the same attempt at its next poke.
    note += state == TaskState::kUpForReschedule ? " (next poke in " : " (next attempt in ";
    note += FormatElapsed(std::chrono::duration_cast<std::chrono::milliseconds>(*retry_at - now)) + ")";
  }
  if (auto instance = ParseMapInstanceId(task_id); instance && rows_.count(instance->first) > 0) {
    instance_rows_[instance->first][instance->second] = Row{state, attempt, now, note};
  } else {
    rows_[task_id] = Row{state, attempt, now, note};
  }
  if (live_) {
    Redraw();
    return;
  }
  std::fprintf(out_, "%s  %-30s %-15s attempt %d%s%s\n", FormatUtc(now).c_str(), task_id.c_str(),
               std::string(TaskStateName(state)).c_str(), attempt, note.empty() ? "" : "  ", note.c_str());
  std::fflush(out_);
}

void Progress::Redraw() {
  // Up to the first line drawn last time (a line more or less each time
  // instances appear), clearing what is left below at the end.
  if (drawn_lines_ > 0) std::fprintf(out_, "\x1b[%dA", drawn_lines_);
  TimePoint now = clock_.Now();
  drawn_lines_ = 0;
  for (int i : graph_.order()) {
    DrawLine(graph_.id(i), rows_[graph_.id(i)], now);
    DrawInstances(graph_.id(i), now);
  }
  std::fprintf(out_, "\x1b[J");
  std::fflush(out_);
}

void Progress::DrawLine(const std::string& id, const Row& row, TimePoint now) {
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - row.since);
  std::string detail = row.state == TaskState::kRunning ? FormatElapsed(elapsed) : "";
  std::fprintf(out_, "\x1b[2K  %-30s %-15s %s %s\n", id.c_str(), std::string(TaskStateName(row.state)).c_str(),
               detail.c_str(), row.note.substr(0, 80).c_str());
  ++drawn_lines_;
}

void Progress::DrawInstances(const std::string& task_id, TimePoint now) {
  constexpr size_t kListed = 10;
  auto it = instance_rows_.find(task_id);
  if (it == instance_rows_.end()) return;
  if (it->second.size() <= kListed) {
    for (const auto& [index, row] : it->second) DrawLine("  " + MapInstanceId(task_id, index), row, now);
    return;
  }
  std::map<std::string, int> by_state;
  for (const auto& [index, row] : it->second) ++by_state[std::string(TaskStateName(row.state))];
  std::string counts;
  for (const auto& [state, n] : by_state) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  std::fprintf(out_, "\x1b[2K    %-28s %s\n", (task_id + "[...]").c_str(), counts.c_str());
  ++drawn_lines_;
}

std::vector<TaskInstanceRecord> InstancesAfterTheirTask(std::vector<TaskInstanceRecord> records) {
  std::map<std::string, std::map<int, TaskInstanceRecord>> instances;  // by task, by index
  std::vector<TaskInstanceRecord> tasks;
  for (TaskInstanceRecord& r : records) {
    std::optional<std::pair<std::string, int>> of = r.map_index >= 0 ? ParseMapInstanceId(r.task_id) : std::nullopt;
    if (of) instances[of->first].emplace(of->second, std::move(r));
    else tasks.push_back(std::move(r));
  }
  std::vector<TaskInstanceRecord> ordered;
  for (TaskInstanceRecord& t : tasks) {
    auto own = instances.find(t.task_id);
    ordered.push_back(std::move(t));
    if (own == instances.end()) continue;
    for (auto& [index, r] : own->second) ordered.push_back(std::move(r));
    instances.erase(own);
  }
  for (auto& [task, left] : instances) {  // a task no longer in the run's list
    for (auto& [index, r] : left) ordered.push_back(std::move(r));
  }
  return ordered;
}

void Progress::PrintSummary(StateStore& store, const RunRecord& run, RunState final_state) {
  Result<std::vector<TaskInstanceRecord>> tasks = store.TaskInstances(run.id);
  if (!tasks.ok()) {
    std::fprintf(out_, "cannot read the run's tasks: %s\n", tasks.status().ToString().c_str());
    return;
  }
  std::map<std::string, int> by_state;
  std::string failures;
  std::string durations;
  for (const TaskInstanceRecord& t : InstancesAfterTheirTask(std::move(*tasks))) {
    ++by_state[std::string(TaskStateName(t.state))];
    Result<std::vector<AttemptRecord>> attempts = store.Attempts(run.id, t.task_id);
    if (!attempts.ok() || attempts->empty()) continue;
    const AttemptRecord& last = attempts->back();
    if (last.ended_at) {
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(*last.ended_at - last.started_at);
      char line[256];
      std::snprintf(line, sizeof line, "  %-30s %8s  %zu attempt%s\n", t.task_id.c_str(), FormatElapsed(took).c_str(),
                    attempts->size(), attempts->size() == 1 ? "" : "s");
      durations += line;
    }
    // A mapped task failed through its instances, which are listed.
    if (t.state == TaskState::kFailed && !(t.map_count && last.state == AttemptState::kSuccess)) {
      failures += "  " + t.task_id + ": " + last.error_message + "\n    log: " + last.log_path + "\n";
    }
  }
  std::string counts;
  for (const auto& [state, n] : by_state) counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + state;
  std::fprintf(out_, "\nrun %lld of %s for %s: %s (%s)\n", static_cast<long long>(run.id.value),
               run.pipeline.c_str(), run.ds.c_str(), std::string(RunStateName(final_state)).c_str(), counts.c_str());
  std::fputs(durations.c_str(), out_);
  if (!failures.empty()) std::fprintf(out_, "failed:\n%s", failures.c_str());
  std::fflush(out_);
}

void TaskLines::TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error,
                            std::optional<TimePoint>) {
  MutexLock lock(out_mu_);
  std::fprintf(out_, "%s  %s  %-28s %-15s attempt %d%s%s\n", FormatUtc(clock_.Now()).c_str(), prefix_.c_str(),
               task_id.c_str(), std::string(TaskStateName(state)).c_str(), attempt, error.ok() ? "" : "  ",
               error.ok() ? "" : error.message().c_str());
  std::fflush(out_);
}

}  // namespace weir::cli
