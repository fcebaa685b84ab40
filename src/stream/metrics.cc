// A stream job's counters as Prometheus metrics (`weir stream --metrics-port`).
#include "common/prometheus.h"
#include "stream/stream.h"

namespace weir {

std::string StreamMetricsText(const std::string& stream, const StreamCounters& counters) {
  std::string out;
  std::string label = "stream=\"" + PrometheusLabelValue(stream) + "\"";
  auto counter = [&](const char* name, const char* help, int64_t value) {
    AppendPrometheusFamily(out, name, "counter", help);
    out += std::string(name) + "{" + label + "} " + std::to_string(value) + "\n";
  };
  counter("weir_stream_messages_consumed_total", "Messages read and processed.", counters.consumed);
  counter("weir_stream_messages_produced_total", "Messages produced, dead letters included.", counters.produced);
  counter("weir_stream_batches_total", "Batches processed.", counters.batches);
  counter("weir_stream_commit_failures_total", "Offset commits that failed (those offsets are read again).",
          counters.commit_failures);
  AppendPrometheusFamily(out, "weir_stream_dead_letters_total", "counter",
                         "Messages sent to the dead-letter topic, by reason.");
  for (const auto& [reason, n] : counters.dead_letters_by_reason) {
    out += "weir_stream_dead_letters_total{" + label + ",reason=\"" + PrometheusLabelValue(reason) + "\"} " +
           std::to_string(n) + "\n";
  }
  AppendPrometheusFamily(out, "weir_stream_lag", "gauge", "Messages of a source partition not read yet.");
  for (const auto& [position, lag] : counters.lag) {
    if (lag < 0) continue;  // not known yet
    out += "weir_stream_lag{" + label + ",topic=\"" + PrometheusLabelValue(position.topic) + "\",partition=\"" +
           std::to_string(position.partition) + "\"} " + std::to_string(lag) + "\n";
  }
  return out;
}

}  // namespace weir
