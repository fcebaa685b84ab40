// Durations as written in project files: "30s", "5m", "1h", "2d", "1h30m".
#include <cstdint>

#include "schedule/schedule.h"

namespace weir {
namespace {

using std::chrono::milliseconds;

constexpr int kMaxDigits = 9;                  // per part: no overflow when summed
// Far beyond any sane delay, and short enough that FormatDuration's day
// count has at most kMaxDigits, so what it prints parses back.
constexpr int64_t kMaxTotalMs = INT64_C(999'999'999) * 86'400'000;

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Longest names first so "ms" wins over "m".
constexpr Unit kUnits[] = {{"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};

Status BadDuration(std::string_view text, size_t index, std::string_view why = {}) {
  std::string message = "bad duration '" + std::string(text) + "': ";
  if (!why.empty()) message += std::string(why) + "; ";
  message += "expected a number and a unit (ms, s, m, h, d), e.g. 30s, 5m, 1h";
  return UserError("bad-duration", message, SourceLocation{"", 0, static_cast<int>(index) + 1});
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<milliseconds> ParseDuration(std::string_view text) {
  size_t pos = 0;
  size_t end = text.size();
  while (pos < end && text[pos] == ' ') ++pos;
  while (end > pos && text[end - 1] == ' ') --end;
  if (pos == end) return BadDuration(text, pos, "it is empty");
  int64_t total = 0;
  while (pos < end) {
    if (!IsDigit(text[pos])) return BadDuration(text, pos);
    size_t number_start = pos;
    int64_t number = 0;
    while (pos < end && IsDigit(text[pos])) {
      if (pos - number_start >= kMaxDigits) return BadDuration(text, number_start, "number too large");
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == end) return BadDuration(text, pos, "missing unit");
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (text.substr(pos, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr) return BadDuration(text, pos);
    pos += unit->name.size();
    total += number * unit->ms;
    if (total > kMaxTotalMs) return BadDuration(text, number_start, "too long");
  }
  return milliseconds(total);
}

std::string FormatDuration(milliseconds duration) {
  int64_t ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    // Negating INT64_MIN overflows; no real duration gets there.
    ms = ms == INT64_MIN ? INT64_MAX : -ms;
  }
  for (auto it = std::rbegin(kUnits); it != std::rend(kUnits); ++it) {
    int64_t count = ms / it->ms;
    if (count == 0) continue;
    out += std::to_string(count) + std::string(it->name);
    ms -= count * it->ms;
  }
  return out;
}

}  // namespace weir
