// Tasks: the task kinds, each a TaskRunner the engine calls per attempt:
// shell, sql, extract, load, check, http and noop.
//
// Also builds the template context every task string is rendered with
// (ds, data_interval_start/end, run_id, task_id, var(), secret(), env_var()).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/files.h"
#include "common/process.h"
#include "connectors/connectors.h"
#include "engine/engine.h"
#include "template/template.h"

namespace weir {

struct TaskServices {
  ProcessLauncher& processes;
  const Environment& environment;
  const Filesystem& files;
  DuckDbConnector& duckdb;
  // "now" for cached results' expiry, and the http task's waits (request
  // retries, rate_limit) and token expiry; null: the system clock.
  Clock* clock = nullptr;
};

struct SuiteResult;

// A suite of data checks' results as the state store keeps them (drift's
// and segments' further values as "<check>.<metric>"), and the lookup that
// anomaly and change checks compare with: a check's values before
// `before_interval` ("": every earlier result), newest first. Shared by
// the check task and `weir test`.
std::vector<CheckResultRecord> CheckHistoryRecords(const SuiteResult& result, const std::string& interval_start,
                                                   RunId run, TimePoint recorded_at);
std::function<Result<std::vector<double>>(const std::string& check, int limit)> CheckHistoryLookupIn(
    StateStore& store, const std::string& suite, const std::string& before_interval);

// Every task kind this build can run. `services` must outlive the factory.
std::unique_ptr<TaskRunnerFactory> NewTaskRunnerFactory(const TaskServices& services);

// The names a task's templates can use during one attempt.
TemplateContext MakeTemplateContext(const TaskContext& context, const TaskServices& services);
// The names a project's strings can use outside a task (weir.yml's
// connections in `weir query`): project_dir, var(), env_var(), secret().
TemplateContext MakeProjectTemplateContext(const ProjectDef& project, const TaskServices& services);

// The settings of weir.yml's `type: postgres` connection `name`, rendered
// with the project's names (its password from a secret or the environment).
Result<PostgresParams> PostgresConnectionParams(const ProjectDef& project, const std::string& name,
                                                const TaskServices& services);
// The same for a `type: kafka` connection: its brokers and librdkafka
// properties (a SASL password from a secret or the environment).
Result<KafkaSettings> KafkaConnectionSettings(const ProjectDef& project, const std::string& name,
                                              const TaskServices& services);

// A task's string keys as they would run in `context`, secrets shown as
// '***' (what `weir render` prints); a `sql:` path to a .sql file shows the
// file's rendered text. Keys in name order.
Result<std::vector<std::pair<std::string, std::string>>> RenderForDisplay(const TaskContext& context,
                                                                          const TaskServices& services);

namespace tasks_internal {
class Lake;
}

// The project's lake as commands outside a run read it (`weir test`'s
// checks on a `path:`). Stage makes a lake path or glob readable under
// LocalRoot(): a local lake's folder itself, or for an S3 lake a temporary
// folder that the matching objects are linked into from .weir/lake-cache
// (docs/tasks.md#the-lake-paths-and-formats), removed with this object.
// Not thread-safe.
class LakeFiles {
 public:
  // Contacts nothing yet. UserError "bad-lake" for a `lake:` that is
  // neither a folder nor s3://.
  static Result<std::unique_ptr<LakeFiles>> Open(const ProjectDef& project, const TaskServices& services);
  ~LakeFiles();
  std::string LocalRoot() const;
  // Nothing for a local lake; "input-missing" (at `where`) when nothing
  // in an S3 lake matches.
  Status Stage(const std::string& pattern, const SourceLocation& where);

 private:
  LakeFiles() = default;
  CancelToken never_cancelled_;
  std::unique_ptr<tasks_internal::Lake> lake_;
};

// Reads a secret: WEIR_SECRET_<NAME> (upper-cased) from the environment,
// else `name` in <project>/.weir/secrets.yml, which must not be readable by
// group or others. UserError "unknown-secret" / "secrets-file-mode".
Result<std::string> ReadSecret(const std::string& name, const std::string& project_root,
                               const TaskServices& services);

// Callbacks and SLAs (docs/pipelines.md#callbacks): a task's on_failure,
// on_retry, on_success and on_sla_miss, the pipeline's on_failure and
// on_success for a whole run, each a list of shell, webhook and email
// actions. They run on a thread of their own, so the engine never waits on
// them, and never change a task's state: a failed action is logged (in the
// attempt's log, or the run's callbacks.log) and reported through `warn`.
struct CallbackOptions {
  std::string log_dir;        // the executor's log folder (ExecutorOptions::log_dir)
  // A failed action or a missed SLA, one line, secrets as '***'. Default: stderr.
  std::function<void(const std::string& line)> warn;
  bool background = true;     // false: nothing runs until RunDue() (tests)
};

// The EventSink of one run: it passes every change on to the sink it wraps,
// then queues the callbacks the change calls for. Its SLA checks stop when
// it is destroyed.
class RunCallbacks : public EventSink {
 public:
  // Queues the pipeline's on_success or on_failure for the run's end (an
  // interrupted run calls neither).
  virtual void RunFinished(RunState state) = 0;
};

// Runs the callbacks of every run of this process. Thread-safe. Must
// outlive the RunCallbacks it makes; `project`, `services`, `store` and
// `clock` must outlive it.
class Callbacks {
 public:
  Callbacks(const ProjectDef& project, const TaskServices& services, StateStore& store, Clock& clock,
            CallbackOptions options);
  ~Callbacks();  // waits for nothing: Drain first

  // The sink for `run` (of `pipeline`), wrapping `inner`. `only_tasks` as
  // ExecutorOptions': tasks outside it are not watched for their SLA.
  std::unique_ptr<RunCallbacks> ForRun(const PipelineDef& pipeline, const RunRecord& run,
                                       const DataInterval& interval, EventSink& inner,
                                       const std::optional<std::set<std::string>>& only_tasks = std::nullopt);

  // A dataset broke its freshness promise (the scheduler's check says
  // the miss is new): warns, and queues the dataset's on_stale actions,
  // described as of the run that last updated it (its pipeline, task and
  // interval; the first task that produces it if none did). Their lines
  // go to <log_dir>/datasets/<dataset>.log.
  void DatasetStale(const DatasetDef& dataset, const FreshnessCheck& check);

  // Waits up to `limit` for the queued callbacks (webhook retries included)
  // to finish; returns how many were left, after warning about them.
  int Drain(std::chrono::milliseconds limit);
  // Makes a Drain return at once (a second Ctrl-C), cancelling the action
  // that is running. Thread-safe.
  void Abandon();
  // Without `background`: runs every callback due at the clock's time.
  void RunDue();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
