// What each check kind is: row-level (it counts failing rows, judged by
// warn_if/error_if) or a metric (a value judged by bounds), and which keys
// its long form takes. Shared by the parser and the compiler.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "quality/quality.h"

namespace weir::quality_internal {

enum class CheckShape { kRows, kMetric, kSchema };

struct CheckKindInfo {
  std::string_view kind;
  CheckShape shape;
  // The key its short form fills: "column", "columns", "expression", "" (a mapping only).
  std::string_view short_key;
  std::vector<std::string_view> keys;  // long-form keys besides the common ones
};

const CheckKindInfo* FindCheckKind(std::string_view kind);
std::vector<std::string> CheckKindNames();

// Metrics an anomaly check can follow, and the kinds that are metrics.
bool IsAggregateMetric(std::string_view metric);

// Parses ">10", ">= 1%", "!=0". UserError "bad-threshold" at `where`.
Result<CheckThreshold> ParseThreshold(const std::string& text, const SourceLocation& where);
bool ThresholdMatches(const CheckThreshold& threshold, double value);

// A YAML scalar as a SQL literal: numbers as written (when unquoted),
// everything else as a string literal.
std::string ScalarLiteral(const ConfigNode& node);

}  // namespace weir::quality_internal

namespace weir::quality_internal {

// 3 -> "3", 0.1 -> "0.1", 12.345678 -> "12.3457": for messages and names.
std::string FormatNumber(double value);
// 93600 -> "1d2h".
std::string FormatDurationSeconds(int64_t seconds);

}  // namespace weir::quality_internal
