// What every command that executes runs shares: the per-pipeline lock, the
// real task services, stopping on SIGINT/SIGTERM, and finding the run a date
// resumes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/files.h"
#include "common/process.h"
#include "connectors/connectors.h"
#include "cli/project_session.h"
#include "engine/engine.h"
#include "engine/run_control.h"
#include "tasks/tasks.h"

namespace weir::cli {

// One executing command per pipeline at a time: two would resume the same
// run. The lock dies with the process, so a killed run never leaves it.
// Returns the lock's descriptor (kept open for the process's life).
Result<int> LockPipeline(const ProjectDef& project, const std::string& pipeline);
// One scheduler per project (`weir serve`): UserError "scheduler-running".
Result<int> LockScheduler(const ProjectDef& project);
// The lock of stream NAME: one `weir stream NAME` per project at a time.
Result<int> LockStream(const ProjectDef& project, const std::string& stream);
// Whether a scheduler holds the project's scheduler lock now.
bool SchedulerRunning(const ProjectDef& project);

// The real services tasks run with, and the project's pools shared by every
// run of this process. Not movable: the services refer to it.
struct TaskRuntime {
  explicit TaskRuntime(const ProjectDef& project)
      : duckdb(WarehouseDuckDbOptions(project)), pools(PoolSizes(project)) {}
  // weir.yml's pools, plus one per pipeline with max_active_tasks.
  static std::map<std::string, int> PoolSizes(const ProjectDef& project);
  PosixProcessLauncher processes;
  PosixProcessTable process_table;  // owners of attempts, task process groups
  ProcessEnvironment environment;
  LocalFilesystem files;
  DuckDbConnector duckdb;
  TaskServices services{processes, environment, files, duckdb};
  std::unique_ptr<TaskRunnerFactory> runners = NewTaskRunnerFactory(services);
  PoolSlots pools;
};

// SIGINT and SIGTERM, taken by a thread of its own (sigwait) that calls
// `stop`; BlockSignals() must run before any other thread starts.
class StopOnSignal {
 public:
  explicit StopOnSignal(std::function<void()> stop);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
  static void BlockSignals();

 private:
  std::thread thread_;
};

// Waits for the callbacks still queued (webhook retries included), at most
// a minute, before `weir run` or `weir backfill` exits; Ctrl-C stops the
// wait. Call it after the run's StopOnSignal is gone.
void DrainCallbacks(Callbacks& callbacks);

// Executor options for `project`: its log folder, `threads` workers, the
// runtime's pools, and this process as the owner of the attempts, beating
// at weir.yml's heartbeat interval.
ExecutorOptions RunOptions(const ProjectDef& project, int threads, TaskRuntime& runtime);

// True when stdout is a terminal that can redraw a live display.
bool LiveTerminal();

// What commands that change a date's latest run by hand (clear, mark)
// need: the checked project, the pipeline's graph, its lock held, the state
// and that run. Null after printing why (the command then exits 2).
struct DateRun {
  std::unique_ptr<LoadedProject> loaded;
  const PipelineGraph* graph = nullptr;
  std::unique_ptr<StateStore> store;
  RunRecord run;
};
std::unique_ptr<DateRun> OpenDateRun(const std::string& command, const std::string& dir,
                                     const std::string& pipeline, const std::string& date);

// Kills the process groups that attempts a crash left running still have
// (each told to `say`; stderr by default), marks those attempts
// interrupted and reopens the run.
Result<RunRecord> ResumeRun(StateStore& store, const RunRecord& run, Clock& clock,
                            const std::function<void(const std::string&)>& say = nullptr);
// A new run of every task in `graph` for `interval`; `run_type` says what
// made it ("manual", "backfill", "scheduled").
Result<RunRecord> NewRunFor(StateStore& store, const PipelineGraph& graph, const DataInterval& interval,
                            const std::string& params_json, Clock& clock, const std::string& run_type = "manual");

}  // namespace weir::cli
