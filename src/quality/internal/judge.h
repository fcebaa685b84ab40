// Turns what a check measured into its status, against its thresholds,
// bounds or history.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "quality/quality.h"

namespace weir::quality_internal {

struct Measured {
  std::optional<double> value;  // NULL (no rows) as none
  std::string value_text;       // as the warehouse returned it
  int64_t rows = 0;             // rows the check was measured on
  std::string detail;           // freshness: the newest value
  std::optional<double> other;  // compare_to, reconcile: the other side's value
  std::string other_text;       // ... as returned (checksums compare exactly)
  // drift: the values measured now and each one's previous value.
  std::vector<std::pair<std::string, double>> metrics;
  std::vector<std::optional<double>> previous;
  // anomaly / change: earlier intervals' values, newest first; none when
  // there is no history to ask.
  std::optional<std::vector<double>> history;
};

// Sets status, observed, observed_text, threshold and message.
void Judge(const CheckSpec& spec, const Measured& measured, CheckResult& result);

// schema: `describe` has DESCRIBE's rows (column_name, column_type first).
void JudgeSchema(const CheckSpec& spec, const QueryRows& describe, CheckResult& result);

}  // namespace weir::quality_internal
