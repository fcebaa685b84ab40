// Run progress on the terminal: a live table of task states redrawn in
// place when stdout is a terminal, else one timestamped line per change
// (for CI logs and pipes). The summary at the end reads the state store, so
// it shows what was recorded.
#pragma once

#include <cstdio>
#include <map>
#include <vector>

#include "common/mutex.h"
#include "engine/engine.h"

namespace weir::cli {

class Progress final : public EventSink {
 public:
  Progress(const PipelineGraph& graph, Clock& clock, bool live, std::FILE* out);

  void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error,
                   std::optional<TimePoint> retry_at) override;

  // Tasks by state, durations, and each failure with its error and log.
  void PrintSummary(StateStore& store, const RunRecord& run, RunState final_state);

 private:
  struct Row {
    TaskState state = TaskState::kPending;
    int attempt = 0;
    TimePoint since;
    std::string note;
  };
  void Redraw();
  // A mapped task's instances under its own line: each one while they are
  // few, else one line counting them by state.
  void DrawInstances(const std::string& task_id, TimePoint now);
  void DrawLine(const std::string& id, const Row& row, TimePoint now);

  const PipelineGraph& graph_;
  Clock& clock_;
  bool live_;
  std::FILE* out_;
  std::map<std::string, Row> rows_;
  std::map<std::string, std::map<int, Row>> instance_rows_;  // mapped task -> instance index -> row
  int drawn_lines_ = 0;
};

// One whole line per task change, prefixed (by the date, the pipeline):
// for commands whose runs share one output (backfill, the scheduler).
// Lines are written under `out_mu`, so several runs never mix them.
class TaskLines final : public EventSink {
 public:
  TaskLines(std::string prefix, Clock& clock, Mutex& out_mu, std::FILE* out)
      : prefix_(std::move(prefix)), clock_(clock), out_mu_(out_mu), out_(out) {}
  void TaskChanged(const std::string& task_id, TaskState state, int attempt, const Status& error,
                   std::optional<TimePoint> retry_at) override;

 private:
  std::string prefix_;
  Clock& clock_;
  Mutex& out_mu_;
  std::FILE* out_;
};

// "2024-03-05T10:00:01Z"
std::string FormatUtc(TimePoint t);
// The records with each instance of a mapped task ("load[3]") right after
// its task, in map-index order; the others keep their order.
std::vector<TaskInstanceRecord> InstancesAfterTheirTask(std::vector<TaskInstanceRecord> records);
// "1.2s", "3m04s"
std::string FormatElapsed(std::chrono::milliseconds d);

}  // namespace weir::cli
