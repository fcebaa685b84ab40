// Config: the project's files (weir.yml, pipelines/*.yml) loaded into
// immutable, typed definitions that remember where each value was written.
//
// LoadProject reads everything it can and collects every error at once (for
// `weir validate`); a project with errors must not be run. Depends on
// common, schedule (cron, durations, time zones) and template (syntax).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/files.h"
#include "common/status.h"
#include "config/config_node.h"

namespace weir {

// A value and where it was written.
template <typename T>
struct Sourced {
  T value{};
  SourceLocation where;
};

// Airflow's trigger rules (engine/trigger_rules.cc says what each does).
enum class TriggerRule {
  kAllSuccess, kAllFailed, kAllDone, kAllSkipped, kOneSuccess, kOneFailed, kOneDone,
  kNoneFailed, kNoneFailedMinOneSuccess, kNoneSkipped, kAlways,
};
// "all_success" and so on; nullopt for an unknown name.
std::optional<TriggerRule> ParseTriggerRule(std::string_view name);
const std::vector<std::string>& TriggerRuleNames();
enum class RetryOn { kFaults, kAny };

// What the scheduler does when an interval closes while a run of the same
// pipeline is still queued or running (Temporal's overlap policies).
enum class OverlapPolicy {
  kAllow,        // queue it; max_active_runs bounds how many run at once
  kSkip,         // do not create it
  kBufferOne,    // queue it unless a run is already waiting; else skip it
  kCancelOther,  // stop the other runs, then run it
};
std::optional<OverlapPolicy> ParseOverlapPolicy(std::string_view name);  // "allow", "skip", ...
std::string_view OverlapPolicyName(OverlapPolicy policy);
const std::vector<std::string>& OverlapPolicyNames();

struct RetryPolicy {
  int retries = 0;                                          // extra attempts after the first
  std::chrono::milliseconds delay = std::chrono::minutes(5);  // before the first retry
  bool exponential_backoff = false;                         // delay doubles per retry
  std::chrono::milliseconds max_delay = std::chrono::hours(1);  // cap on any one delay
  RetryOn retry_on = RetryOn::kFaults;                      // user errors fail at once
};

// When a callback runs (Airflow's on_*_callback): a task failed for good,
// went up for retry, succeeded, or missed its `sla`. A pipeline's own
// callbacks take on_failure and on_success, for the run as a whole; a
// dataset's (weir.yml `datasets:`) on_stale, when it breaks its freshness.
enum class CallbackEvent { kFailure, kRetry, kSuccess, kSlaMiss, kStale };
std::string_view CallbackEventKey(CallbackEvent event);  // "on_failure", ...

// One thing a callback does. Its strings are templates, rendered when it
// runs (docs/pipelines.md#callbacks).
struct CallbackAction {
  enum class Kind { kShell, kWebhook, kEmail };
  Kind kind = Kind::kShell;
  SourceLocation where;         // the action's mapping
  ConfigNode target;            // the command, the URL, or the recipients (a string or a list)
  std::vector<std::pair<std::string, ConfigNode>> headers;  // webhook: sent as given, in order
  std::optional<ConfigNode> subject;  // email; none: "[weir] <pipeline> <task> <state> (<ds>)"
  std::optional<ConfigNode> body;     // email; none: a summary of the payload
};
using CallbackMap = std::map<CallbackEvent, std::vector<CallbackAction>>;

// How a sensor waits (`kind: sensor`, Airflow's sensors in reschedule
// mode): an attempt whose condition is not met yet (ErrorKind::kNotYet)
// is poked again after `poke_interval` without holding a worker, until
// `timeout` after the attempt's first poke.
struct SensorPolicy {
  std::chrono::milliseconds poke_interval = std::chrono::seconds(60);
  std::chrono::milliseconds timeout = std::chrono::hours(24 * 7);  // Airflow's default
  bool soft_fail = false;  // past the timeout: skipped instead of failed
};

// `map_over:` (docs/pipelines.md#dynamic-task-mapping), Airflow's
// expand(): when the task is ready, its items are read and it runs as one
// instance per item ("task[3]"), each with its own state and attempts.
struct MapOver {
  enum class Source {
    kList,    // a list written in the pipeline; its items are data, not templates
    kSql,     // {sql: ...}: a query on the warehouse, one item per row
    kOutput,  // {output: task, field: ...}: a list in an upstream task's output
  };
  Source source = Source::kList;
  SourceLocation where;            // the `map_over:` value
  ConfigNode list;                 // kList
  ConfigNode sql;                  // kSql: a template (the task's names, without item)
  Sourced<std::string> output;     // kOutput: the upstream task
  std::string field;               // kOutput: "a.b" digs into the output; "" takes it whole
};

struct TaskDef {
  std::string id;              // "extract.api"
  SourceLocation where;        // the task's `id:` value
  Sourced<std::string> kind;   // "shell", "sql", ...
  std::vector<Sourced<std::string>> after;  // task ids or group names
  RetryPolicy retry;
  std::optional<std::chrono::milliseconds> timeout;  // none: no limit
  TriggerRule trigger_rule = TriggerRule::kAllSuccess;
  std::string description;
  // Airflow's depends_on_past: wait for this task's run of the previous
  // interval to succeed; if it failed, this one ends upstream_failed.
  bool depends_on_past = false;
  // Airflow's wait_for_downstream (implies depends_on_past): also wait for
  // the tasks right after this one in the previous interval's run.
  bool wait_for_downstream = false;
  // `cache: {key: "...", expire: 1h}`: a result recorded under the same
  // rendered key (default: the interval and the run's parameters) within
  // `expire` is reused, not rerun.
  struct Cache {
    ConfigNode key;                                  // a template
    std::optional<std::chrono::milliseconds> expire;  // none: never expires
  };
  std::optional<Cache> cache;
  std::string pool;             // a pool of weir.yml's `pools:`; "" for none
  int pool_slots = 1;           // slots of the pool the task holds while it runs
  int priority = 0;             // among ready tasks, higher runs first
  // Datasets (names such as "analytics.sales") this task updates when it
  // succeeds: pipelines scheduled `on:` them run after (Airflow's outlets).
  std::vector<Sourced<std::string>> produces;
  std::optional<SensorPolicy> sensor;  // kind: sensor only
  CallbackMap callbacks;        // on_failure, on_retry, on_success, on_sla_miss
  // The task should have succeeded this long after its run's start (the
  // later of the run's start and its data interval's end); none: no SLA.
  std::optional<std::chrono::milliseconds> sla;
  std::optional<MapOver> map_over;  // none: one task instance, as usual
  int max_map_parallelism = 0;  // instances of a mapped task running at once; 0: no limit
  // Keys that belong to the task's kind (command, sql, url, ...), as written.
  std::map<std::string, ConfigNode> params;

  // "extract" for "extract.api"; "" for a task outside any group.
  std::string group() const;
  const ConfigNode* param(const std::string& key) const;
};

struct PipelineDef {
  std::string name;
  std::string file;             // relative to the project root
  SourceLocation where;         // the `pipeline:` value
  std::string description;
  std::optional<Sourced<std::string>> schedule;  // none: runs only when triggered
  // `schedule: {on: [datasets]}`: a run once every one of them has been
  // updated since the last such run (then `schedule` is none).
  std::vector<Sourced<std::string>> schedule_on;
  std::string timezone = "UTC";
  std::optional<std::string> start_date;         // YYYY-MM-DD
  std::optional<std::string> end_date;
  bool catchup = false;
  OverlapPolicy overlap = OverlapPolicy::kAllow;
  int max_active_runs = 16;
  int max_active_tasks = 0;     // tasks of this pipeline running at once, all runs; 0: no limit
  // A run still going this long after it started is failed, its running
  // tasks cancelled (Airflow's dagrun_timeout); none: no limit.
  std::optional<std::chrono::milliseconds> run_timeout;
  std::string owner;
  std::vector<std::string> tags;
  std::vector<TaskDef> tasks;   // in file order
  // Declared run parameters and their defaults ({{ params.x }}, --param x=v).
  std::map<std::string, ConfigNode> params;
  CallbackMap callbacks;        // the run's own on_failure and on_success

  const TaskDef* FindTask(const std::string& id) const;
};

// weir.yml `smtp:`, the server email callbacks are sent through. The
// strings are templates (a password comes from secret()).
struct SmtpSettings {
  enum class Tls { kStartTls, kRequired, kNone };
  ConfigNode url;               // smtp://host:port (STARTTLS) or smtps://host:port
  ConfigNode from;              // the sender's address
  std::optional<ConfigNode> username;  // none: no authentication
  std::optional<ConfigNode> password;
  Tls tls = Tls::kStartTls;     // STARTTLS when the server offers it
  SourceLocation where;         // the `smtp:` mapping
};

// weir.yml `heartbeat:` (docs/project.md#heartbeat): how often a weir
// process running attempts records that it is alive, and how long the
// scheduler waits before an attempt whose owner is gone is a zombie.
struct HeartbeatSettings {
  std::chrono::milliseconds interval = std::chrono::seconds(5);
  std::optional<std::chrono::milliseconds> zombie_after;  // none: 3 x interval
  std::chrono::milliseconds ZombieAfter() const { return zombie_after.value_or(3 * interval); }
};

// A dataset of weir.yml `datasets:` (a name tasks' `produces:` update) and
// what the project promises about it (docs/pipelines.md#dataset-freshness).
struct DatasetDef {
  std::string name;             // "analytics.sales"
  SourceLocation where;         // its key
  std::chrono::milliseconds freshness{0};  // updated at least this often
  std::vector<CallbackAction> on_stale;    // once per staleness episode
};

// Where weir.yml's `lake:` points: a local folder (a path, or a file://
// URI), or a prefix of an S3 bucket (s3://BUCKET/PREFIX).
struct LakeUri {
  bool s3 = false;
  std::string folder;  // local: the path as written, without file://
  std::string bucket;  // s3: the bucket
  std::string prefix;  // s3: the key prefix, no '/' at either end ("" : the whole bucket)
};
// UserError "bad-lake" for another scheme (gs://...), an s3:// URI without
// a bucket or with characters S3 bucket names cannot have.
Result<LakeUri> ParseLakeUri(std::string_view lake);

// weir.yml `lake_options:`, for an s3:// lake (docs/project.md#the-lake).
// `endpoint` and `region` are templates (env_var(), var(), secret()).
struct LakeOptions {
  std::string endpoint;             // "": AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS's for the region
  std::string region;               // "": AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
  std::string addressing = "auto";  // path | virtual | auto (virtual on *.amazonaws.com)
  uint64_t part_size = 0;           // bytes; 0: the object store's default (8 MiB)
  SourceLocation where;             // the `lake_options:` mapping (none when absent)
};
// A byte count written as a whole number, or with a unit: 16MiB, 8MB,
// 1GiB, 512KiB (KB/MB/GB are powers of 1000). UserError "bad-size".
Result<uint64_t> ParseByteSize(std::string_view text, const SourceLocation& where);

// A streams/*.yml job (docs/streams.md): Kafka in, SQL over each
// micro-batch (a table named `batch`), Kafka out, bad messages to a
// dead-letter topic.
struct StreamDef {
  enum class Format { kJson, kCsv, kRaw };
  enum class Delivery { kAtLeastOnce, kExactlyOnce };
  // A column of `schema:` (DuckDB type names: BIGINT, DOUBLE, TIMESTAMP, ...).
  struct Column {
    std::string name;
    std::string type;
    SourceLocation where;
  };
  struct Topic {
    Sourced<std::string> connection;  // a `type: kafka` connection of weir.yml
    std::string topic;
  };
  // `window:`: the transform runs over the rows of windows as they close
  // (the event time passes their end by `lateness`), not over each batch.
  struct Window {
    enum class Kind { kTumbling, kHopping, kSession };
    Kind kind = Kind::kTumbling;
    std::chrono::milliseconds size{0};   // tumbling, hopping
    std::chrono::milliseconds slide{0};  // hopping: how far apart windows start; tumbling: = size
    std::chrono::milliseconds gap{0};    // session: a quiet time this long ends a session
    std::vector<std::string> by;         // session: SQL expressions over `batch` a session belongs to
    std::string time = "_timestamp";     // SQL over `batch`: the event time (a timestamp, text, or epoch ms)
    std::chrono::milliseconds lateness{0};  // how far behind the newest event time an event may arrive
    SourceLocation where;
  };
  std::string name;
  std::string file;             // relative to the project root
  SourceLocation where;         // the `stream:` value
  std::string description;
  // source:
  Sourced<std::string> source_connection;
  std::vector<std::string> topics;  // one starting with '^' is a regex
  std::string group;            // the consumer group; default "weir-<name>"
  std::string start = "earliest";   // where a group with no committed offset begins
  Format format = Format::kJson;
  std::vector<Column> schema;   // empty: top-level JSON fields, typed per batch
  uint64_t max_message_bytes = 1 << 20;  // larger values are dead letters ("oversize")
  // batch:
  int64_t batch_max_rows = 10000;
  std::chrono::milliseconds batch_max_wait{500};
  std::string transform;        // SQL over `batch`
  SourceLocation transform_where;
  std::optional<Window> window;
  // sink:
  Topic sink;
  std::string sink_key;         // the output column that keys messages; "" for none
  std::optional<Topic> dead_letter;  // none: bad messages stop the job
  Delivery delivery = Delivery::kAtLeastOnce;
};

struct ProjectDef {
  std::string root;             // the project folder
  std::string name;
  std::string state_path = ".weir/state.db";  // relative to root unless absolute
  std::string lake = "lake/";   // a folder, file://, or s3://bucket/prefix (ParseLakeUri)
  SourceLocation lake_where;    // the `lake:` value (none when absent)
  LakeOptions lake_options;
  ConfigNode warehouse;         // {type: duckdb, path: ...}
  std::map<std::string, ConfigNode> connections;
  std::map<std::string, int> pools;
  std::map<std::string, ConfigNode> vars;
  std::optional<SmtpSettings> smtp;  // none: email callbacks are refused
  // weir.yml `models:` and `seeds:`: dbt_project.yml's config trees for the
  // project's models/ and seeds/ folders (`+materialized: table`, folders
  // by name), as written; null when absent (docs/models.md).
  ConfigNode model_config;
  ConfigNode seed_config;
  std::vector<PipelineDef> pipelines;
  std::vector<StreamDef> streams;  // streams/*.yml
  HeartbeatSettings heartbeat;
  std::map<std::string, DatasetDef> datasets;  // by name

  const PipelineDef* FindPipeline(const std::string& name) const;
  const StreamDef* FindStream(const std::string& name) const;
  // A path in the project: absolute paths as they are, others under root.
  std::string Resolve(const std::string& path) const;
};

struct ProjectLoad {
  ProjectDef project;           // as much as could be loaded
  std::vector<Status> errors;   // every problem found, in file order
  bool ok() const { return errors.empty(); }
};

// Loads `root`/weir.yml, `root`/pipelines/*.yml and `root`/streams/*.yml (and *.yaml).
ProjectLoad LoadProject(const std::string& root, const Filesystem& fs);

// The kinds a task may have (for messages and `weir --help`).
std::vector<std::string> KnownTaskKinds();

}  // namespace weir
