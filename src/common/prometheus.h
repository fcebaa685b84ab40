// Prometheus' text exposition format, shared by `weir serve`'s /metrics and
// `weir stream --metrics-port`.
#pragma once

#include <string>

namespace weir {

// A label value as it goes between the quotes: backslash, double quote and
// newline escaped.
std::string PrometheusLabelValue(const std::string& text);

// Appends a metric family's "# HELP" and "# TYPE" lines to `out`.
void AppendPrometheusFamily(std::string& out, const char* name, const char* type, const char* help);

}  // namespace weir
