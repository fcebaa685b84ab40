// Run progress on the terminal: a live table of task states redrawn in
// place when stdout is a terminal, else one timestamped line per change
// (for CI logs and pipes). The summary at the end reads the state store, so
// it shows what was recorded.
#pragma once

#include <cstdio>
#include <map>

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

  const PipelineGraph& graph_;
  Clock& clock_;
  bool live_;
  std::FILE* out_;
  std::map<std::string, Row> rows_;
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
// "1.2s", "3m04s"
std::string FormatElapsed(std::chrono::milliseconds d);

}  // namespace weir::cli
