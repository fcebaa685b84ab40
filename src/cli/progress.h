// Run progress on the terminal: a live table of task states redrawn in
// place when stdout is a terminal, else one timestamped line per change
// (for CI logs and pipes). The summary at the end reads the state store, so
// it shows what was recorded.
#pragma once

#include <cstdio>
#include <map>

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

// "2024-03-05T10:00:01Z"
std::string FormatUtc(TimePoint t);
// "1.2s", "3m04s"
std::string FormatElapsed(std::chrono::milliseconds d);

}  // namespace weir::cli
