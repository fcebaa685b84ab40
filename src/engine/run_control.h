// Run control: what a person does to runs by hand, shared by the CLI
// (`weir run`, `trigger`, `clear`, `mark`, `logs`) and the REST API
// (src/server), so that both submit work the same way (STYLE.md, "The
// orchestrator's shape"). Each function works on a StateStore and a
// pipeline's graph; none prints. Thread-safe as the store is.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "graph/graph.h"
#include "schedule/schedule.h"
#include "state/state.h"

namespace weir {

// The interval that starts on local date `date` in the pipeline's zone; with
// no date, the latest interval that has already ended (as a scheduler would
// run now). UserErrors "bad-date", "no-run-on-date", "after-end-date",
// "no-interval".
Result<DataInterval> IntervalFor(const PipelineDef& pipeline, const std::string& date, Clock& clock);

// The run's parameters as JSON: the pipeline's declared defaults, overridden
// by `assignments` ("name=value", the value read as a YAML scalar: 10 is a
// number, true a boolean, anything else a string). UserErrors "bad-param",
// "unknown-param" (with a did-you-mean).
Result<std::string> RunParams(const PipelineDef& pipeline, const std::vector<std::string>& assignments);
// The same with the overrides as a JSON object text ({"name": value}, the
// values kept as typed; "" means none). UserErrors "bad-params" (not a JSON
// object), "unknown-param".
Result<std::string> RunParamsFromJson(const PipelineDef& pipeline, std::string_view overrides_json);

// The latest run of exactly this interval (a date may hold several, e.g.
// hourly), or nullopt.
Result<std::optional<RunRecord>> LatestRunOf(StateStore& store, const std::string& pipeline,
                                             const DataInterval& interval);

// `weir trigger` with a scheduler running: a new queued run of every task
// of `graph` for `interval`, which the scheduler starts. UserError
// "run-active" when the interval's latest run is queued or running.
Result<RunRecord> QueueTriggeredRun(StateStore& store, const PipelineGraph& graph, const DataInterval& interval,
                                    std::string params_json, TimePoint now);

// `weir clear`: which task instances of a run go back to pending.
struct ClearRequest {
  // Task ids or instances of a mapped task ("load[3]"); empty: every task.
  std::vector<std::string> tasks;
  bool downstream = false;   // also everything downstream of the cleared tasks
  bool failed_only = false;  // only failed and upstream_failed instances
  // What a run that was not running becomes once something was cleared:
  // interrupted (the default), which the next `weir run` of its date
  // resumes, or queued, which a running scheduler resumes (the API).
  RunState then = RunState::kInterrupted;
};
struct ClearedTask {
  std::string id;                    // "load" or "load[3]"
  TaskState was = TaskState::kPending;
  // A mapped task cleared as a whole forgets its expansion: how many
  // instances it had; none for every other task.
  std::optional<int> instances;
};
struct ClearOutcome {
  std::vector<ClearedTask> cleared;  // in the graph's order, then single instances
  int count = 0;                     // task instances cleared, instances of mapped tasks included
};
// Clears what `request` chooses in `run`. A mapped task cleared as a whole
// forgets its expansion (its items are read again); one cleared instance
// also sends its mapped task back to pending. UserErrors "unknown-task",
// "unknown-instance".
Result<ClearOutcome> ClearTasks(StateStore& store, const PipelineGraph& graph, const RunRecord& run,
                                const ClearRequest& request, TimePoint now);

// `weir mark`: sets task instances of a run by hand (Airflow's "mark
// success") and the run's state from its tasks: any failure failed, all
// done well success, else interrupted. `tasks` are task ids or instances
// ("load[3]": its mapped task then takes the state its instances add up
// to); `downstream` marks everything downstream too. UserErrors
// "unknown-task", "unknown-instance", "bad-state" (a target other than
// success or failed).
struct MarkOutcome {
  std::vector<std::string> marked;  // instances first, then tasks in the graph's order
  RunState run_state = RunState::kSuccess;
};
Result<MarkOutcome> MarkTasks(StateStore& store, const PipelineGraph& graph, RunId run,
                              const std::vector<std::string>& tasks, TaskState target, bool downstream,
                              TimePoint now);

// One attempt's log as `weir logs` shows it: a header line ("=== load
// attempt 2: failed, started 2024-01-01T06:00:00Z ==="), the log file's
// text ("(no output)" when the attempt left none), and its error.
std::string AttemptLogText(const AttemptRecord& attempt);

}  // namespace weir
