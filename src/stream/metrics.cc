// A stream job's counters as Prometheus metrics (`weir stream --metrics-port`).
#include <sstream>

#include "stream/stream.h"

namespace weir {
namespace {

// A label value as Prometheus' text format quotes it.
std::string Quoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

}  // namespace

std::string StreamMetricsText(const std::string& stream, const StreamCounters& counters) {
  std::ostringstream out;
  std::string label = "stream=" + Quoted(stream);
  auto counter = [&](const char* name, const char* help, int64_t value) {
    Family(out, name, "counter", help);
    out << name << "{" << label << "} " << value << "\n";
  };
  counter("weir_stream_messages_consumed_total", "Messages read and processed.", counters.consumed);
  counter("weir_stream_messages_produced_total", "Messages produced, dead letters included.", counters.produced);
  counter("weir_stream_batches_total", "Batches processed.", counters.batches);
  counter("weir_stream_commit_failures_total", "Offset commits that failed (those offsets are read again).",
          counters.commit_failures);
  Family(out, "weir_stream_dead_letters_total", "counter", "Messages sent to the dead-letter topic, by reason.");
  for (const auto& [reason, n] : counters.dead_letters_by_reason) {
    out << "weir_stream_dead_letters_total{" << label << ",reason=" << Quoted(reason) << "} " << n << "\n";
  }
  Family(out, "weir_stream_lag", "gauge", "Messages of a source partition not read yet.");
  for (const auto& [position, lag] : counters.lag) {
    if (lag < 0) continue;  // not known yet
    out << "weir_stream_lag{" << label << ",topic=" << Quoted(position.topic)
        << ",partition=" << Quoted(std::to_string(position.partition)) << "} " << lag << "\n";
  }
  return out.str();
}

}  // namespace weir
