#include "common/prometheus.h"

#include <gtest/gtest.h>

namespace weir {
namespace {

TEST(PrometheusTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(PrometheusLabelValue("plain"), "plain");
  EXPECT_EQ(PrometheusLabelValue("a\"b"), "a\\\"b");
  EXPECT_EQ(PrometheusLabelValue("c:\\tmp"), "c:\\\\tmp");
  EXPECT_EQ(PrometheusLabelValue("two\nlines"), "two\\nlines");
}

TEST(PrometheusTest, AFamilyIsItsHelpThenItsType) {
  std::string out = "x\n";
  AppendPrometheusFamily(out, "weir_runs", "gauge", "Runs by state.");
  EXPECT_EQ(out, "x\n# HELP weir_runs Runs by state.\n# TYPE weir_runs gauge\n");
}

}  // namespace
}  // namespace weir
