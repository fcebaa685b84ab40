// weir stream NAME [--exit-when-idle D] [--reset-offsets earliest|latest|DATETIME] [--metrics-port N]
// weir stream replay-dead-letters NAME [--reason R]...
//
// Runs the stream job streams/NAME.yml until SIGINT/SIGTERM (the batch in
// hand is finished and committed first), with a live line on a terminal:
// messages consumed and produced per second, dead letters, lag.
// --reset-offsets first moves the job's consumer group (at_least_once).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "cli/arguments.h"
#include "cli/project_session.h"
#include "cli/run_session.h"
#include "common/text.h"
#include "schedule/schedule.h"
#include "server/server.h"
#include "stream/stream.h"
#include "tasks/tasks.h"

namespace weir::cli {
namespace {

struct StreamRequest {
  std::string dir = ".", name, exit_when_idle, reset_offsets;
  int metrics_port = -1;  // -1: no /metrics
  std::string metrics_host = "127.0.0.1";
};

// --metrics-port: the job's counters as of its last batch, read by the
// endpoint's threads while the job goes on.
class PublishedCounters {
 public:
  void Set(const StreamCounters& counters) {
    std::lock_guard<std::mutex> lock(mu_);
    counters_ = counters;
  }
  std::string Text(const std::string& stream) {
    std::lock_guard<std::mutex> lock(mu_);
    return StreamMetricsText(stream, counters_);
  }

 private:
  std::mutex mu_;
  StreamCounters counters_;
};

// --reset-offsets: the group's offsets moved before the job starts.
Status ResetOffsets(const StreamDef& stream, const KafkaSettings& source, const std::string& to) {
  if (stream.delivery == StreamDef::Delivery::kExactlyOnce) {
    return UserError("usage", "--reset-offsets moves an at_least_once job's group; an exactly_once job's position "
                              "comes from its output's marks");
  }
  if (stream.window) {
    return UserError("usage", "--reset-offsets moves a consumer group; a windowed job goes on from its state file "
                              "(.weir/streams/" + stream.name + ".duckdb: delete it to start the windows afresh "
                              "from the group's offsets)");
  }
  std::optional<int64_t> time_ms;
  if (to != "earliest" && to != "latest") {
    Result<TimePoint> at = ParseIsoInstant(to);
    if (!at.ok()) return UserError("usage", "--reset-offsets takes earliest, latest or a time such as 2024-05-01T00:00:00Z");
    time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(at->time_since_epoch()).count();
  }
  WEIR_ASSIGN_OR_RETURN(int moved, KafkaResetGroupOffsets(source, stream.group, stream.topics, to, time_ms,
                                                          std::chrono::seconds(60)));
  std::printf("group %s: %d partitions moved to %s\n", stream.group.c_str(), moved, to.c_str());
  return OkStatus();
}

int64_t TotalLag(const StreamCounters& counters) {
  int64_t total = 0;
  for (const auto& [position, lag] : counters.lag) total += std::max<int64_t>(lag, 0);
  return total;
}

// The live line: redrawn at most twice a second.
class StreamProgress {
 public:
  void Update(const StreamCounters& c) {
    auto now = std::chrono::steady_clock::now();
    if (!tty_ || now - shown_ < std::chrono::milliseconds(500)) return;
    double seconds = std::chrono::duration<double>(now - shown_).count();
    std::fprintf(stderr, "\r\033[Kconsumed %lld (%.0f/s)  produced %lld (%.0f/s)  dead letters %lld  lag %lld",
                 static_cast<long long>(c.consumed), (c.consumed - consumed_) / seconds,
                 static_cast<long long>(c.produced), (c.produced - produced_) / seconds,
                 static_cast<long long>(c.dead_letters), static_cast<long long>(TotalLag(c)));
    shown_ = now;
    consumed_ = c.consumed;
    produced_ = c.produced;
  }
  void End() const {
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  bool tty_ = ::isatty(STDERR_FILENO) == 1;
  std::chrono::steady_clock::time_point shown_ = std::chrono::steady_clock::now();
  int64_t consumed_ = 0;
  int64_t produced_ = 0;
};

void PrintSummary(const StreamDef& stream, const StreamCounters& c, double seconds) {
  std::string reasons;
  for (const auto& [reason, n] : c.dead_letters_by_reason) {
    reasons += (reasons.empty() ? " (" : ", ") + reason + " " + std::to_string(n);
  }
  if (!reasons.empty()) reasons += ")";
  std::printf("stream %s: consumed %lld, produced %lld, dead letters %lld%s, in %lld batches, %.1f s\n",
              stream.name.c_str(), static_cast<long long>(c.consumed), static_cast<long long>(c.produced),
              static_cast<long long>(c.dead_letters), reasons.c_str(), static_cast<long long>(c.batches), seconds);
}

Result<StreamOptions> Options(const ProjectDef& project, const StreamDef& stream, TaskRuntime& runtime) {
  StreamOptions options;
  WEIR_ASSIGN_OR_RETURN(options.source, KafkaConnectionSettings(project, stream.source_connection.value, runtime.services));
  WEIR_ASSIGN_OR_RETURN(options.sink, KafkaConnectionSettings(project, stream.sink.connection.value, runtime.services));
  if (stream.dead_letter) {
    WEIR_ASSIGN_OR_RETURN(options.dead_letter,
                          KafkaConnectionSettings(project, stream.dead_letter->connection.value, runtime.services));
  }
  options.temp_directory = project.Resolve(".weir/tmp");
  options.state_path = project.Resolve(".weir/streams/" + stream.name + ".duckdb");
  return options;
}

// The stream named `name`, or null after saying there is none.
const StreamDef* FindStreamOrSay(const ProjectDef& project, const std::string& name) {
  const StreamDef* stream = project.FindStream(name);
  if (stream != nullptr) return stream;
  std::vector<std::string> names;
  for (const StreamDef& s : project.streams) names.push_back(s.name);
  UsageError("stream", "no stream '" + name + "' in streams/" + DidYouMean(name, names));
  return nullptr;
}

int Stream(const StreamRequest& request) {
  std::optional<std::chrono::milliseconds> idle;
  if (!request.exit_when_idle.empty()) {
    Result<std::chrono::milliseconds> d = ParseDuration(request.exit_when_idle);
    if (!d.ok()) return UsageError("stream", "--exit-when-idle takes a duration, such as 30s");
    idle = *d;
  }
  StopOnSignal::BlockSignals();
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(request.dir);
  if (loaded == nullptr) return kExitUsage;
  const StreamDef* stream = FindStreamOrSay(loaded->project, request.name);
  if (stream == nullptr) return kExitUsage;
  Result<int> lock = LockStream(loaded->project, stream->name);
  if (!lock.ok()) return UsageError("stream", lock.status().message());
  TaskRuntime runtime(loaded->project);
  Result<StreamOptions> options = Options(loaded->project, *stream, runtime);
  if (!options.ok()) return UsageError("stream", options.status().ToString());
  if (!request.reset_offsets.empty()) {
    Status reset = ResetOffsets(*stream, options->source, request.reset_offsets);
    if (!reset.ok()) return UsageError("stream", reset.message());
  }
  CancelToken stop;
  options->stop = &stop;
  options->exit_when_idle = idle;
  PublishedCounters published;
  std::unique_ptr<MetricsEndpoint> metrics;
  if (request.metrics_port >= 0) {
    auto text = [&published, name = stream->name] { return published.Text(name); };
    Result<std::unique_ptr<MetricsEndpoint>> endpoint = MetricsEndpoint::Start(request.metrics_host, request.metrics_port, text);
    if (!endpoint.ok()) return UsageError("stream", endpoint.status().message());
    metrics = std::move(*endpoint);
    std::printf("metrics on %s\n", metrics->url().c_str());
    std::fflush(stdout);
  }
  StreamProgress progress;
  options->on_batch = [&progress, &published](const StreamCounters& c) {
    progress.Update(c);
    published.Set(c);
  };
  StreamCounters counters;
  auto started = std::chrono::steady_clock::now();
  Status status;
  {
    StopOnSignal on_signal([&stop] { stop.Cancel(); });
    status = RunStream(*stream, *options, &counters);
  }
  progress.End();
  PrintSummary(*stream, counters, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!status.ok()) {
    std::fprintf(stderr, "%s\n", status.ToString().c_str());
    return kExitFailed;
  }
  return kExitOk;
}

struct ReplayRequest {
  std::string dir = ".", name;
  std::vector<std::string> reasons;
};

int Replay(const ReplayRequest& request) {
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(request.dir);
  if (loaded == nullptr) return kExitUsage;
  const StreamDef* stream = FindStreamOrSay(loaded->project, request.name);
  if (stream == nullptr) return kExitUsage;
  TaskRuntime runtime(loaded->project);
  Result<StreamOptions> options = Options(loaded->project, *stream, runtime);
  if (!options.ok()) return UsageError("stream", options.status().ToString());
  Result<ReplayCounts> counts = ReplayDeadLetters(*stream, *options, request.reasons);
  if (!counts.ok()) {
    std::fprintf(stderr, "%s\n", counts.status().ToString().c_str());
    return counts.status().code() == "stream-config" ? kExitUsage : kExitFailed;
  }
  std::string reasons;
  for (const auto& [reason, n] : counts->by_reason) reasons += (reasons.empty() ? " (" : ", ") + reason + " " + std::to_string(n);
  std::printf("stream %s: %lld dead letters sent back to their topics%s; %lld left alone\n", stream->name.c_str(),
              static_cast<long long>(counts->replayed), reasons.empty() ? "" : (reasons + ")").c_str(),
              static_cast<long long>(counts->skipped));
  return kExitOk;
}

int ReplayCommand(const Args& args) {
  CLI::App app{"Send a stream's dead letters back to the topics they came from", "weir stream replay-dead-letters"};
  ReplayRequest request;
  app.add_option("stream", request.name, "the stream's name (its stream: key)")->required();
  app.add_option("--reason", request.reasons, "only dead letters of this reason (parse, cast, transform, time, late)");
  AddProjectOption(app, request.dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  return Replay(request);
}

}  // namespace

int StreamCommand(const Args& args) {
  if (!args.empty() && args[0] == "replay-dead-letters") return ReplayCommand(Args(args.begin() + 1, args.end()));
  CLI::App app{"Run a stream job (streams/NAME.yml) until stopped", "weir stream"};
  StreamRequest request;
  app.add_option("stream", request.name, "the stream's name (its stream: key)")->required();
  app.add_option("--exit-when-idle", request.exit_when_idle,
                 "stop once no message has arrived for this long (e.g. 30s), after committing");
  app.add_option("--reset-offsets", request.reset_offsets,
                 "first move the consumer group to earliest, latest or a time (at_least_once jobs)");
  app.add_option("--metrics-port", request.metrics_port,
                 "serve the job's counters on http://HOST:PORT/metrics (Prometheus; 0 picks a free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--metrics-host", request.metrics_host, "the address /metrics listens on (default 127.0.0.1)");
  AddProjectOption(app, request.dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  return Stream(request);
}

}  // namespace weir::cli
