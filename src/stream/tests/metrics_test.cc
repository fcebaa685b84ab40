// A stream's counters in Prometheus' text format.
#include <gtest/gtest.h>

#include "stream/stream.h"

namespace weir {
namespace {

TEST(StreamMetricsTest, CountersBecomeLabelledSeriesAndUnknownLagIsLeftOut) {
  StreamCounters c;
  c.consumed = 1200;
  c.produced = 1190;
  c.batches = 12;
  c.commit_failures = 1;
  c.dead_letters_by_reason = {{"parse", 3}, {"late", 7}};
  c.lag = {{{"clicks", 0, 10}, 42}, {{"clicks", 1, 0}, -1}, {{"a\"b", 2, 0}, 0}};
  std::string text = StreamMetricsText("click \"windows\"", c);
  std::string label = "stream=\"click \\\"windows\\\"\"";
  for (const std::string& line : std::vector<std::string>{
           "weir_stream_messages_consumed_total{" + label + "} 1200",
           "weir_stream_messages_produced_total{" + label + "} 1190",
           "weir_stream_batches_total{" + label + "} 12",
           "weir_stream_commit_failures_total{" + label + "} 1",
           "weir_stream_dead_letters_total{" + label + ",reason=\"late\"} 7",
           "weir_stream_dead_letters_total{" + label + ",reason=\"parse\"} 3",
           "weir_stream_lag{" + label + ",topic=\"clicks\",partition=\"0\"} 42",
           "weir_stream_lag{" + label + ",topic=\"a\\\"b\",partition=\"2\"} 0",
           std::string("# TYPE weir_stream_lag gauge"),
           std::string("# TYPE weir_stream_messages_consumed_total counter"),
       }) {
    EXPECT_NE(text.find(line + "\n"), std::string::npos) << line << "\nin:\n" << text;
  }
  EXPECT_EQ(text.find("partition=\"1\""), std::string::npos) << "a lag not known yet is no sample";
  size_t samples = 0;
  for (size_t at = text.find('\n'); at != std::string::npos; at = text.find('\n', at + 1)) {
    if (at + 1 < text.size() && text[at + 1] != '#') ++samples;
  }
  EXPECT_EQ(samples, 8u);
}

}  // namespace
}  // namespace weir
