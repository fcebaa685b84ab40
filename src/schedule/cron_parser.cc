// ParseSchedule: cron text -> Schedule, with errors that point at the token.
#include <array>
#include <cctype>
#include <vector>

#include "schedule/schedule.h"

namespace weir {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                           "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
constexpr std::string_view kExpectedSchedule =
    "expected a cron expression such as '0 6 * * *', a macro such as @daily, or 'every 1h'";

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  std::string_view names_hint;  // "" when the field has no names
};
constexpr FieldSpec kFields[] = {
    {"minute", 0, 59, ""},
    {"hour", 0, 23, ""},
    {"day-of-month", 1, 31, ""},
    {"month", 1, 12, "JAN-DEC"},
    {"day-of-week", 0, 7, "SUN-SAT"},
};

struct Macro {
  std::string_view name;
  std::string_view cron;
};
constexpr Macro kMacros[] = {
    {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},   {"@midnight", "0 0 * * *"},
    {"@weekly", "0 0 * * 0"},  {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"},
    {"@annually", "0 0 1 1 *"},
};

// A piece of the expression and where it starts (0-based) in the full text.
struct Token {
  std::string_view text;
  size_t offset;
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

Status BadCron(std::string_view full, size_t offset, const std::string& why,
               std::string_view what = "cron expression") {
  return UserError("bad-cron", "bad " + std::string(what) + " '" + std::string(full) + "': " + why,
                   SourceLocation{"", 0, static_cast<int>(offset) + 1});
}

std::vector<Token> Split(std::string_view text, char separator_or_space) {
  std::vector<Token> out;
  size_t pos = 0;
  if (separator_or_space == ' ') {
    while (pos < text.size()) {
      while (pos < text.size() && IsSpace(text[pos])) ++pos;
      size_t start = pos;
      while (pos < text.size() && !IsSpace(text[pos])) ++pos;
      if (pos > start) out.push_back({text.substr(start, pos - start), start});
    }
    return out;
  }
  while (true) {
    size_t next = text.find(separator_or_space, pos);
    if (next == std::string_view::npos) next = text.size();
    out.push_back({text.substr(pos, next - pos), pos});
    if (next == text.size()) return out;
    pos = next + 1;
  }
}

class FieldParser {
 public:
  FieldParser(std::string_view full, const FieldSpec& spec) : full_(full), spec_(spec) {}

  // Sets bits [min, max] of `bits` for the field; offsets are in `full_`.
  Status Parse(Token field, uint64_t* bits) {
    for (Token item : Split(field.text, ',')) {
      item.offset += field.offset;
      if (item.text.empty()) return Error(item.offset, std::string(spec_.name) + " list has an empty item");
      WEIR_TRY(ParseItem(item, bits));
    }
    return OkStatus();
  }

 private:
  Status Error(size_t offset, const std::string& why) const { return BadCron(full_, offset, why); }

  Status ParseItem(Token item, uint64_t* bits) {
    int step = 1;
    std::string_view range = item.text;
    size_t slash = item.text.find('/');
    if (slash != std::string_view::npos) {
      Token step_token{item.text.substr(slash + 1), item.offset + slash + 1};
      WEIR_ASSIGN_OR_RETURN(step, ParseStep(step_token));
      range = item.text.substr(0, slash);
    }
    int low = spec_.min;
    int high = spec_.max;
    if (range != "*") {
      size_t dash = range.find('-');
      if (dash == 0 || dash + 1 == range.size()) {
        return Error(item.offset, std::string(spec_.name) + " '" + std::string(range) +
                                      "' is not a value or a range such as 1-5");
      }
      Token first{range.substr(0, dash), item.offset};
      WEIR_ASSIGN_OR_RETURN(low, ParseValue(first));
      if (dash != std::string_view::npos) {
        Token last{range.substr(dash + 1), item.offset + dash + 1};
        WEIR_ASSIGN_OR_RETURN(high, ParseValue(last));
        if (high < low) {
          return Error(item.offset, std::string(spec_.name) + " range " + std::string(range) +
                                        " is reversed: write the smaller value first");
        }
      } else if (slash == std::string_view::npos) {
        high = low;  // a single value; "5/15" means 5-max/15 as in most crons
      }
    }
    for (int v = low; v <= high; v += step) *bits |= uint64_t{1} << v;
    return OkStatus();
  }

  Result<int> ParseStep(Token token) const {
    int step = 0;
    bool digits = !token.text.empty() && token.text.size() <= 9;
    for (char c : token.text) {
      if (c < '0' || c > '9') digits = false;
      else if (digits) step = step * 10 + (c - '0');  // over 9 digits would overflow
    }
    if (!digits || step == 0) {
      return Error(token.offset, std::string(spec_.name) + " step '" + std::string(token.text) +
                                     "' is not a positive number");
    }
    return step;
  }

  Result<int> ParseValue(Token token) const {
    if (!spec_.names_hint.empty() && token.text.size() == 3) {
      std::string lower = Lower(token.text);
      if (spec_.min == 1) {
        for (size_t i = 0; i < kMonthNames.size(); ++i)
          if (kMonthNames[i] == lower) return static_cast<int>(i) + 1;
      } else {
        for (size_t i = 0; i < kDayNames.size(); ++i)
          if (kDayNames[i] == lower) return static_cast<int>(i);
      }
    }
    bool digits = !token.text.empty() && token.text.size() <= 9;
    int value = 0;
    for (char c : token.text) {
      if (c < '0' || c > '9') digits = false;
      else if (digits) value = value * 10 + (c - '0');  // over 9 digits would overflow
    }
    if (!digits) {
      std::string why = std::string(spec_.name) + " '" + std::string(token.text) + "' is not a number";
      if (!spec_.names_hint.empty()) why += " or a name (" + std::string(spec_.names_hint) + ")";
      return Error(token.offset, why);
    }
    if (value < spec_.min || value > spec_.max) {
      return Error(token.offset, std::string(spec_.name) + " " + std::to_string(value) +
                                     " is out of range " + std::to_string(spec_.min) + "-" +
                                     std::to_string(spec_.max));
    }
    return value;
  }

  std::string_view full_;
  const FieldSpec& spec_;
};

// Whether some allowed day-of-month exists in some allowed month (Feb has a
// 29th in leap years); only matters when the day fields are ANDed.
bool SomeDayOccurs(const Schedule::CronFields& fields) {
  constexpr int kDaysInMonth[] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int month = 1; month <= 12; ++month) {
    if (!(fields.months >> month & 1)) continue;
    for (int day = 1; day <= kDaysInMonth[month]; ++day)
      if (fields.days_of_month >> day & 1) return true;
  }
  return false;
}

Result<Schedule> ParseCron(std::string_view full, std::string_view fields_text, size_t base) {
  std::vector<Token> tokens = Split(fields_text, ' ');
  if (tokens.size() != 5) {
    std::string why = "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                      std::to_string(tokens.size());
    if (tokens.size() == 6) why += "; seconds and year fields are not supported";
    return BadCron(full, base, why);
  }
  uint64_t bits[5] = {0, 0, 0, 0, 0};
  for (size_t i = 0; i < 5; ++i) {
    tokens[i].offset += base;
    WEIR_TRY(FieldParser(full, kFields[i]).Parse(tokens[i], &bits[i]));
  }
  Schedule::CronFields fields;
  fields.minutes = bits[0];
  fields.hours = static_cast<uint32_t>(bits[1]);
  fields.days_of_month = static_cast<uint32_t>(bits[2]);
  fields.months = static_cast<uint16_t>(bits[3]);
  // Day 7 is Sunday, as 0 is.
  fields.days_of_week = static_cast<uint8_t>((bits[4] | bits[4] >> 7) & 0x7f);
  fields.day_of_month_restricted = tokens[2].text[0] != '*';
  fields.day_of_week_restricted = tokens[4].text[0] != '*';
  bool days_ored = fields.day_of_month_restricted && fields.day_of_week_restricted;
  if (!days_ored && !SomeDayOccurs(fields)) {
    return BadCron(full, tokens[2].offset,
                   "day-of-month '" + std::string(tokens[2].text) + "' never occurs in month '" +
                       std::string(tokens[3].text) + "'");
  }
  return Schedule::Cron(fields, std::string(full));
}

Result<Schedule> ParseMacro(std::string_view full, Token macro) {
  std::string lower = Lower(macro.text);
  for (const Macro& candidate : kMacros) {
    if (candidate.name == lower) {
      WEIR_ASSIGN_OR_RETURN(Schedule schedule, ParseCron(candidate.cron, candidate.cron, 0));
      return Schedule::Cron(schedule.cron(), std::string(full));
    }
  }
  return BadCron(full, macro.offset,
                 "unknown macro '" + std::string(macro.text) +
                     "': expected one of @hourly, @daily, @midnight, @weekly, @monthly, @yearly, "
                     "@annually",
                 "schedule");
}

Result<Schedule> ParseEvery(std::string_view full, Token duration) {
  Result<std::chrono::milliseconds> every = ParseDuration(duration.text);
  if (!every.ok()) {
    size_t column = duration.offset + static_cast<size_t>(every.status().where().column);
    return BadCron(full, column - 1, every.status().message(), "schedule");
  }
  if (every->count() < 1000 || every->count() % 1000 != 0) {
    return BadCron(full, duration.offset,
                   "interval must be a whole number of seconds, at least 1s", "schedule");
  }
  return Schedule::Every(std::chrono::duration_cast<std::chrono::seconds>(*every), std::string(full));
}

}  // namespace

Result<Schedule> ParseSchedule(std::string_view text) {
  std::vector<Token> words = Split(text, ' ');
  if (words.empty()) return BadCron(text, 0, std::string(kExpectedSchedule), "schedule");
  if (words[0].text[0] == '@') {
    if (words.size() > 1) {
      return BadCron(text, words[1].offset, "a macro stands alone; remove '" +
                                                std::string(words[1].text) + "'", "schedule");
    }
    return ParseMacro(text, words[0]);
  }
  if (Lower(words[0].text) == "every") {
    if (words.size() != 2) {
      size_t offset = words.size() < 2 ? text.size() : words[2].offset;
      return BadCron(text, offset, "expected 'every' and one duration, e.g. 'every 15m'", "schedule");
    }
    return ParseEvery(text, words[1]);
  }
  return ParseCron(text, text, 0);
}

}  // namespace weir
