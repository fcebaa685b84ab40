// Checks as text lines, for task logs and the CLI.
#include "quality/internal/check_kinds.h"

namespace weir {

std::string FormatResultLine(const CheckResult& result) {
  std::string status(CheckStatusName(result.status));
  for (char& c : status) c = result.status == CheckStatus::kPass ? c : static_cast<char>(std::toupper(c));
  std::string line = status + " " + result.name + ": ";
  if (result.status == CheckStatus::kError) {
    std::string where = result.where.ToString();
    return line + result.message + (where.empty() ? "" : " (" + where + ")");
  }
  line += result.observed_text;
  if (!result.threshold.empty()) line += " [" + result.threshold + "]";
  if (result.status != CheckStatus::kPass && !result.message.empty() && result.message != result.observed_text) {
    line += ": " + result.message;
  }
  return line;
}

std::string FormatSampleRows(const CheckResult& result, size_t max_rows) {
  std::string out;
  size_t shown = std::min(max_rows, result.sample_rows.size());
  for (size_t r = 0; r < shown; ++r) {
    const auto& row = result.sample_rows[r];
    out += "    ";
    for (size_t c = 0; c < row.size() && c < result.sample_columns.size(); ++c) {
      out += (c ? ", " : "") + result.sample_columns[c] + "=" + row[c].value_or("NULL");
    }
    out += "\n";
  }
  return out;
}

}  // namespace weir
