// warn_if / error_if thresholds, as dbt writes them: ">10", "!= 0", ">1%".
#include <cmath>
#include <cstdio>

#include "quality/internal/check_kinds.h"
#include "schedule/schedule.h"

namespace weir::quality_internal {

Result<CheckThreshold> ParseThreshold(const std::string& text, const SourceLocation& where) {
  size_t i = 0;
  while (i < text.size() && text[i] == ' ') ++i;
  size_t op_start = i;
  while (i < text.size() && (text[i] == '<' || text[i] == '>' || text[i] == '=' || text[i] == '!')) ++i;
  std::string op = text.substr(op_start, i - op_start);
  static const std::vector<std::string> kOps = {">", ">=", "<", "<=", "=", "==", "!="};
  if (std::find(kOps.begin(), kOps.end(), op) == kOps.end()) {
    return UserError("bad-threshold", "a threshold is a comparison and a number, such as \">10\", \"!=0\" or "
                                      "\">1%\", not '" + text + "'", where);
  }
  std::string number = text.substr(i);
  while (!number.empty() && number.back() == ' ') number.pop_back();
  while (!number.empty() && number.front() == ' ') number.erase(0, 1);
  CheckThreshold threshold;
  threshold.percent = !number.empty() && number.back() == '%';
  if (threshold.percent) number.pop_back();
  char* end = nullptr;
  threshold.value = std::strtod(number.c_str(), &end);
  if (number.empty() || end != number.c_str() + number.size() || std::isnan(threshold.value)) {
    return UserError("bad-threshold", "a threshold needs a number after '" + op + "', as in \">10\" or \">1%\", "
                                      "not '" + text + "'", where);
  }
  threshold.op = op == "==" ? "=" : op;
  threshold.text = threshold.op + FormatNumber(threshold.value) + (threshold.percent ? "%" : "");
  return threshold;
}

bool ThresholdMatches(const CheckThreshold& threshold, double value) {
  const std::string& op = threshold.op;
  double bound = threshold.value;
  if (op == ">") return value > bound;
  if (op == ">=") return value >= bound;
  if (op == "<") return value < bound;
  if (op == "<=") return value <= bound;
  if (op == "=") return value == bound;
  return value != bound;
}

std::string FormatNumber(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  if (std::fabs(value) < 1e15 && value == std::floor(value)) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.6g", value);
  return buffer;
}

std::string FormatDurationSeconds(int64_t seconds) {
  return FormatDuration(std::chrono::milliseconds(seconds * 1000));
}

}  // namespace weir::quality_internal

namespace weir {

std::string_view CheckStatusName(CheckStatus status) {
  switch (status) {
    case CheckStatus::kPass: return "pass";
    case CheckStatus::kWarn: return "warn";
    case CheckStatus::kFail: return "fail";
    case CheckStatus::kError: return "error";
  }
  return "error";
}

bool SuiteResult::failed() const { return Count(CheckStatus::kFail) + Count(CheckStatus::kError) > 0; }

int SuiteResult::Count(CheckStatus status) const {
  int n = 0;
  for (const CheckResult& r : results) n += r.status == status ? 1 : 0;
  return n;
}

}  // namespace weir
