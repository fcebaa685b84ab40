// Stream: a `streams/*.yml` job (docs/streams.md). Kafka messages are read
// in micro-batches, loaded into an in-memory DuckDB as the view `batch`,
// run through the job's SQL, and produced to the sink topic; messages that
// cannot be read or transformed go to the dead-letter topic with their
// reason. Offsets are committed only once a batch's output is delivered
// (at least once); with `delivery: exactly_once` the output also carries
// marks from which a restarted job finds where it stopped
// (internal/delivery_marks.h). Depends on config and connectors.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/cancel.h"
#include "config/config.h"
#include "connectors/connectors.h"

namespace weir {

// What a job has done since it started, for its status line and metrics.
struct StreamCounters {
  int64_t consumed = 0;
  int64_t produced = 0;
  int64_t dead_letters = 0;
  int64_t batches = 0;
  int64_t commit_failures = 0;  // the next start reads those offsets again
  std::map<std::string, int64_t> dead_letters_by_reason;  // "parse", "cast", ...
  // Per source partition: messages not yet read (-1: not known yet).
  std::vector<std::pair<KafkaPosition, int64_t>> lag;
};

struct StreamOptions {
  KafkaSettings source;       // the connections, rendered (secrets filled in)
  KafkaSettings sink;
  KafkaSettings dead_letter;  // unused without `dead_letter:`
  const CancelToken* stop = nullptr;  // set: finish the batch in hand, commit, return
  // Return once no message has arrived for this long (tests, catch-up jobs).
  std::optional<std::chrono::milliseconds> exit_when_idle;
  std::function<void(const StreamCounters&)> on_batch;  // after each batch
  std::string temp_directory;  // where DuckDB may spill
  // A windowed job's state (a DuckDB file): its open windows' rows, its
  // watermark and where it goes on reading after its last batch.
  std::string state_path;
};

// `counters` in Prometheus' text format, each series labelled
// stream="`stream`": weir_stream_messages_consumed_total, ..._produced_total,
// weir_stream_dead_letters_total{reason}, weir_stream_batches_total,
// weir_stream_commit_failures_total, weir_stream_lag{topic,partition}.
std::string StreamMetricsText(const std::string& stream, const StreamCounters& counters);

// What ReplayDeadLetters sent back, and what it read but left alone
// (another stream's dead letters, or a reason not asked for).
struct ReplayCounts {
  int64_t replayed = 0;
  int64_t skipped = 0;
  std::map<std::string, int64_t> by_reason;
};

// Sends `stream`'s dead letters (those of reason in `reasons`, or all) back
// to the topic and partition they came from, with their key and bytes and a
// header weir.replayed_from; the job then reads them again. The consumer
// group "<group>-replay" records how far the dead-letter topic has been
// replayed, so that each goes back once.
Result<ReplayCounts> ReplayDeadLetters(const StreamDef& stream, const StreamOptions& options,
                                       const std::vector<std::string>& reasons);

// Runs `stream` until `options.stop` is set or it has been idle for
// exit_when_idle. An error is a fault of Kafka or DuckDB, or a transform
// whose SQL is wrong (at the transform's file:line:col); a bad message never
// is one while the job has a dead-letter topic.
Status RunStream(const StreamDef& stream, const StreamOptions& options, StreamCounters* counters);

}  // namespace weir
