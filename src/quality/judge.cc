// Status from measurements. Row checks follow dbt's rules: with severity
// error, error_if is tried first and then warn_if (both default to "!=0");
// with severity warn only warn_if applies. Metric checks fail (or warn, by
// severity) when a bound is broken; warn_if / error_if compare the value.
#include <cmath>
#include <cstdio>

#include "connectors/connectors.h"
#include "quality/internal/check_kinds.h"
#include "quality/internal/judge.h"

namespace weir::quality_internal {
namespace {

const CheckThreshold& DefaultThreshold() {
  static const CheckThreshold threshold;
  return threshold;
}

CheckStatus StatusOf(const CheckSpec& spec, bool broken, double value, double percent) {
  auto matches = [&](const std::optional<CheckThreshold>& t) {
    return t && ThresholdMatches(*t, t->percent ? percent : value);
  };
  if (spec.severity == CheckSeverity::kError && (broken || matches(spec.error_if))) return CheckStatus::kFail;
  if (broken || matches(spec.warn_if)) return CheckStatus::kWarn;
  return CheckStatus::kPass;
}

std::string ThresholdText(const CheckSpec& spec, const std::string& bounds) {
  std::string out = bounds;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : "; ") + part; };
  if (spec.warn_if) add("warn if " + spec.warn_if->text);
  if (spec.error_if && spec.severity == CheckSeverity::kError) add("fail if " + spec.error_if->text);
  if (!bounds.empty() && spec.severity == CheckSeverity::kWarn) out += " (severity warn)";
  return out;
}

// 9.0909 -> "9.09%", 0.000123 -> "0.000123%": three significant digits.
std::string FormatPercent(double percent) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3g%%", percent);
  return buffer;
}

void JudgeRows(const CheckSpec& spec, const Measured& m, CheckResult& result) {
  double failing = m.value.value_or(0);
  double percent = m.rows > 0 ? 100.0 * failing / static_cast<double>(m.rows) : 0;
  CheckSpec effective = spec;
  if (!effective.error_if) effective.error_if = DefaultThreshold();
  if (!effective.warn_if) effective.warn_if = DefaultThreshold();
  result.status = StatusOf(effective, false, failing, percent);
  result.observed = failing;
  std::string unit = spec.kind == "unique" ? " duplicate row" : " failing row";
  result.observed_text = FormatNumber(failing) + unit + (failing == 1 ? "" : "s") +
                         (m.rows > 0 ? " of " + std::to_string(m.rows) + " (" + FormatPercent(percent) + ")" : "");
  result.threshold = spec.severity == CheckSeverity::kWarn
                         ? "warn if " + effective.warn_if->text
                         : (spec.warn_if ? "warn if " + spec.warn_if->text + "; " : "") + "fail if " +
                               effective.error_if->text;
  if (result.status != CheckStatus::kPass) result.message = result.observed_text;
}

// Checks a value against history: a z-score bound and/or a relative change
// from the previous interval. Returns the broken rule, or "".
std::string HistoryBreak(const CheckSpec& spec, double value, const std::vector<double>& history,
                         std::string& note) {
  if (spec.max_change_percent >= 0 && !history.empty()) {
    double previous = history.front();
    double change = previous == 0 ? (value == 0 ? 0 : INFINITY) : 100.0 * std::fabs(value - previous) /
                                                                       std::fabs(previous);
    note = "previous " + FormatNumber(previous) + ", change " + FormatNumber(change) + "%";
    if (change > spec.max_change_percent) return "changed " + FormatNumber(change) + "% from " + FormatNumber(previous) +
                                                 " (at most " + FormatNumber(spec.max_change_percent) + "%)";
  }
  if (spec.z > 0 && history.size() >= 3) {
    double mean = 0, squares = 0;
    for (double h : history) mean += h;
    mean /= static_cast<double>(history.size());
    for (double h : history) squares += (h - mean) * (h - mean);
    double sd = std::sqrt(squares / static_cast<double>(history.size() - 1));
    double z = sd == 0 ? (value == mean ? 0 : INFINITY) : std::fabs(value - mean) / sd;
    note += std::string(note.empty() ? "" : ", ") + "mean " + FormatNumber(mean) + ", stddev " + FormatNumber(sd) +
            ", z " + FormatNumber(z);
    if (z > spec.z) return "z-score " + FormatNumber(z) + " above " + FormatNumber(spec.z) + " over the last " +
                           std::to_string(history.size()) + " intervals (mean " + FormatNumber(mean) + ")";
  }
  return "";
}

std::string BoundsText(const CheckSpec& spec) {
  std::string out;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : ", ") + part; };
  if (spec.min) add("min " + FormatNumber(*spec.min));
  if (spec.max) add("max " + FormatNumber(*spec.max));
  if (spec.equal) add("= " + FormatNumber(*spec.equal));
  if (!spec.other.empty() && spec.kind != "reconcile") add("within " + FormatNumber(spec.tolerance_percent) + "% of " + spec.other);
  if (spec.max_change_percent >= 0) add("change at most " + FormatNumber(spec.max_change_percent) + "%");
  if (spec.z > 0) add("z <= " + FormatNumber(spec.z) + " over " + std::to_string(spec.window ? spec.window : 14));
  if (spec.kind == "freshness") add("age at most " + FormatDurationSeconds(spec.max_age_seconds));
  if (spec.kind == "reconcile") {
    add(spec.metric == "checksum" ? "equal to " + spec.source.label
                                  : "within " + FormatNumber(spec.tolerance_percent) + "% of " + spec.source.label);
  }
  return out;
}

// Why a metric's value breaks its bounds, or "".
std::string BoundsBreak(const CheckSpec& spec, const Measured& m) {
  if (spec.kind == "reconcile" && !m.value && m.value_text.empty() && m.other_text == "NULL") {
    return "";  // nothing on either side (a sum or checksum of no rows)
  }
  if (!m.value && !m.value_text.empty()) {
    return "'" + m.value_text + "' is not a number: bounds compare numbers (use freshness for times, between for "
                                "dates)";
  }
  if (!m.value) return "no value (no rows to measure)";
  double v = *m.value;
  if (std::isnan(v)) return "the value is NaN";
  if (spec.min && v < *spec.min) return FormatNumber(v) + " is below the minimum " + FormatNumber(*spec.min);
  if (spec.max && v > *spec.max) return FormatNumber(v) + " is above the maximum " + FormatNumber(*spec.max);
  if (spec.equal && v != *spec.equal) return FormatNumber(v) + " is not " + FormatNumber(*spec.equal);
  if (spec.kind == "freshness" && v > static_cast<double>(spec.max_age_seconds)) {
    return "newest value " + m.detail + " is " + FormatDurationSeconds(static_cast<int64_t>(v)) + " old (at most " +
           FormatDurationSeconds(spec.max_age_seconds) + ")";
  }
  if (spec.kind == "reconcile") {
    if (!m.other) return "the source has no value to compare with";
    bool same = spec.metric == "checksum" ? m.value_text == m.other_text
                                          : std::fabs(v - *m.other) <= spec.tolerance_percent / 100.0 *
                                                                           std::fabs(*m.other);
    if (!same) return m.value_text + " here against " + m.other_text + " in " + spec.source.label;
    return "";
  }
  if (m.other) {
    double allowed = spec.tolerance_percent / 100.0 * *m.other;
    if (std::fabs(v - *m.other) > allowed) {
      return FormatNumber(v) + " rows against " + FormatNumber(*m.other) + " in " + spec.other + " (tolerance " +
             FormatNumber(spec.tolerance_percent) + "%)";
    }
  }
  return "";
}

// drift: null_percent moves by percentage points, the others by a relative
// change; each against its own previous value.
void JudgeDrift(const CheckSpec& spec, const Measured& m, CheckResult& result) {
  std::string shown, drifted;
  int broken = 0, compared = 0;
  for (size_t i = 0; i < m.metrics.size(); ++i) {
    const auto& [name, value] = m.metrics[i];
    std::optional<double> previous = i < m.previous.size() ? m.previous[i] : std::nullopt;
    shown += (shown.empty() ? "" : ", ") + name + " " + FormatNumber(value) +
             (previous ? " (was " + FormatNumber(*previous) + ")" : "");
    if (!previous) continue;
    ++compared;
    bool points = name == "null_percent";
    double change = points ? std::fabs(value - *previous)
                    : *previous == 0 ? (value == 0 ? 0 : INFINITY)
                                     : 100.0 * std::fabs(value - *previous) / std::fabs(*previous);
    if (change > spec.max_change_percent) {
      ++broken;
      drifted += (drifted.empty() ? "" : "; ") + name + " moved " + FormatNumber(change) + (points ? " points" : "%") +
                 " (" + FormatNumber(*previous) + " -> " + FormatNumber(value) + ")";
    }
  }
  result.metrics = m.metrics;
  result.observed = broken;
  result.observed_text = shown + (compared == 0 ? " (learning: no earlier interval)" : "");
  result.threshold = "each within " + FormatNumber(spec.max_change_percent) + "% of the previous interval";
  result.status = broken == 0 ? CheckStatus::kPass
                  : spec.severity == CheckSeverity::kWarn ? CheckStatus::kWarn : CheckStatus::kFail;
  result.message = drifted;
}

void JudgeMetric(const CheckSpec& spec, const Measured& m, CheckResult& result) {
  std::string broken = BoundsBreak(spec, m);
  std::string note;
  if (broken.empty() && m.value && (spec.max_change_percent >= 0 || spec.z > 0)) {
    if (!m.history) {
      note = "no history to compare with";
    } else if (m.history->empty() || (spec.max_change_percent < 0 && m.history->size() < 3)) {
      note = "learning: " + std::to_string(m.history->size()) + " earlier intervals of history";
    } else {
      broken = HistoryBreak(spec, *m.value, *m.history, note);
    }
  }
  double value = m.value.value_or(0);
  result.status = StatusOf(spec, !broken.empty(), value, 0);
  result.observed = m.value;
  std::string shown = spec.kind == "freshness" && m.value ? "newest " + m.detail + ", " +
                                                                FormatDurationSeconds(static_cast<int64_t>(value)) +
                                                                " old"
                      : m.value ? FormatNumber(value) : "NULL";
  result.observed_text = shown + (note.empty() ? "" : " (" + note + ")");
  result.threshold = ThresholdText(spec, BoundsText(spec));
  if (result.status != CheckStatus::kPass) {
    result.message = !broken.empty() ? broken : spec.kind + " " + shown + " matched " +
                                                    (result.status == CheckStatus::kFail ? "error_if " +
                                                     spec.error_if->text : "warn_if " + spec.warn_if->text);
  }
}

}  // namespace

void Judge(const CheckSpec& spec, const Measured& measured, CheckResult& result) {
  result.rows_checked = measured.rows;
  if (FindCheckKind(spec.kind)->shape == CheckShape::kRows) {
    JudgeRows(spec, measured, result);
  } else if (spec.kind == "drift") {
    JudgeDrift(spec, measured, result);
  } else {
    JudgeMetric(spec, measured, result);
  }
}

}  // namespace weir::quality_internal
