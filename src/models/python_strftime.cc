// Calendar arithmetic, strftime and strptime for modules.datetime, as
// CPython's datetime and _strptime do them.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <vector>

#include "models/internal/python_datetime.h"

namespace weir::models_internal {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Python's weekday(): Monday is 0 (1970-01-01 was a Thursday).
int Weekday(int64_t days) { return static_cast<int>(days - FloorDiv(days + 3, 7) * 7 + 3) % 7; }

bool IsLeap(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

const char* const kMonths[] = {"january", "february", "march",     "april",   "may",      "june",
                               "july",    "august",   "september", "october", "november", "december"};
const char* const kWeekdays[] = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// What strptime has read so far.
struct Parsed {
  int64_t year = 1900;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, microsecond = 0;
  int hour12 = -1;   // %I, resolved with %p
  int pm = -1;       // %p: 0 AM, 1 PM
  int julian = -1;   // %j
};

// A backtracking matcher, as Python's regular expression is: each numeric
// directive tries its longest reading first and gives back digits when the
// rest of the format then fails to match.
class StrptimeMatcher {
 public:
  StrptimeMatcher(std::string_view text, std::string_view format) : text_(text), format_(format) {}

  // True when the whole format matched a prefix of the text; `end` is where.
  bool Match(size_t t, size_t f, Parsed& parsed, size_t& end) {
    if (f == format_.size()) {
      end = t;
      return true;
    }
    char c = format_[f];
    if (std::isspace(static_cast<unsigned char>(c))) {
      size_t next = f;
      while (next < format_.size() && std::isspace(static_cast<unsigned char>(format_[next]))) ++next;
      size_t run = t;
      while (run < text_.size() && std::isspace(static_cast<unsigned char>(text_[run]))) ++run;
      if (run == t) return false;
      for (size_t stop = run; stop > t; --stop) {
        if (Match(stop, next, parsed, end)) return true;
      }
      return false;
    }
    if (c != '%' || f + 1 == format_.size()) {
      return t < text_.size() && text_[t] == c && Match(t + 1, f + 1, parsed, end);
    }
    return Directive(format_[f + 1], t, f + 2, parsed, end);
  }

 private:
  bool Directive(char d, size_t t, size_t f, Parsed& parsed, size_t& end) {
    switch (d) {
      case '%': return t < text_.size() && text_[t] == '%' && Match(t + 1, f, parsed, end);
      case 'Y': return Number(t, f, 4, 4, 0, 9999, parsed, end, [](Parsed& p, int v, int) { p.year = v; });
      case 'y':
        return Number(t, f, 2, 2, 0, 99, parsed, end, [](Parsed& p, int v, int) { p.year = v < 69 ? 2000 + v : 1900 + v; });
      case 'm': return Number(t, f, 1, 2, 1, 12, parsed, end, [](Parsed& p, int v, int) { p.month = v; });
      case 'd': return Number(t, f, 1, 2, 1, 31, parsed, end, [](Parsed& p, int v, int) { p.day = v; });
      case 'H': return Number(t, f, 1, 2, 0, 23, parsed, end, [](Parsed& p, int v, int) { p.hour = v; });
      case 'I': return Number(t, f, 1, 2, 1, 12, parsed, end, [](Parsed& p, int v, int) { p.hour12 = v; });
      case 'M': return Number(t, f, 1, 2, 0, 59, parsed, end, [](Parsed& p, int v, int) { p.minute = v; });
      case 'S': return Number(t, f, 1, 2, 0, 61, parsed, end, [](Parsed& p, int v, int) { p.second = v; });
      case 'j': return Number(t, f, 1, 3, 1, 366, parsed, end, [](Parsed& p, int v, int) { p.julian = v; });
      case 'f':
        return Number(t, f, 1, 6, 0, 999999, parsed, end, [](Parsed& p, int v, int digits) {
          for (int i = digits; i < 6; ++i) v *= 10;  // "5" is 500000 microseconds
          p.microsecond = v;
        });
      case 'p': return Word(t, f, {"am", "pm"}, parsed, end, [](Parsed& p, int i) { p.pm = i; });
      case 'b':
      case 'B':
        return Word(t, f, Names(kMonths, 12, d == 'b'), parsed, end, [](Parsed& p, int i) { p.month = i + 1; });
      case 'a':
      case 'A': return Word(t, f, Names(kWeekdays, 7, d == 'a'), parsed, end, [](Parsed&, int) {});
      default: return false;  // an unsupported directive matches nothing, as a bad one does in Python
    }
  }

  static std::vector<std::string> Names(const char* const* names, int count, bool abbreviated) {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) out.push_back(abbreviated ? std::string(names[i], 3) : names[i]);
    return out;
  }

  template <typename Set>
  bool Number(size_t t, size_t f, int min_digits, int max_digits, int low, int high, Parsed& parsed, size_t& end,
              Set set) {
    int available = 0;
    while (available < max_digits && t + available < text_.size() &&
           std::isdigit(static_cast<unsigned char>(text_[t + available]))) {
      ++available;
    }
    for (int digits = available; digits >= min_digits; --digits) {
      int value = 0;
      for (int i = 0; i < digits; ++i) value = value * 10 + (text_[t + i] - '0');
      if (value < low || value > high) continue;
      Parsed attempt = parsed;
      set(attempt, value, digits);
      if (Match(t + digits, f, attempt, end)) {
        parsed = attempt;
        return true;
      }
    }
    return false;
  }

  template <typename Set>
  bool Word(size_t t, size_t f, const std::vector<std::string>& words, Parsed& parsed, size_t& end, Set set) {
    for (size_t i = 0; i < words.size(); ++i) {
      const std::string& word = words[i];
      if (t + word.size() > text_.size() || Lower(text_.substr(t, word.size())) != word) continue;
      Parsed attempt = parsed;
      set(attempt, static_cast<int>(i));
      if (Match(t + word.size(), f, attempt, end)) {
        parsed = attempt;
        return true;
      }
    }
    return false;
  }

  std::string_view text_;
  std::string_view format_;
};

}  // namespace

int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = FloorDiv(year, 400);
  const int64_t yoe = year - era * 400;
  const int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilTime CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = FloorDiv(days, 146097);
  const int64_t doe = days - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilTime out;
  out.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  out.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  out.year = yoe + era * 400 + (out.month <= 2);
  return out;
}

int DaysInMonth(int64_t year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

std::string PythonStrftime(const CivilTime& time, std::string_view format) {
  // CPython replaces %f, %z and %Z itself, then hands the rest to strftime.
  std::string rewritten;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      rewritten += format[i];
      continue;
    }
    char d = format[++i];
    if (d == 'f') {
      char micro[8];
      std::snprintf(micro, sizeof(micro), "%06d", time.microsecond);
      rewritten += micro;
    } else if (d != 'z' && d != 'Z') {
      rewritten += '%';
      rewritten += d;
    }
  }
  int64_t days = DaysFromCivil(time.year, time.month, time.day);
  std::tm tm{};
  tm.tm_year = static_cast<int>(time.year - 1900);
  tm.tm_mon = time.month - 1;
  tm.tm_mday = time.day;
  tm.tm_hour = time.hour;
  tm.tm_min = time.minute;
  tm.tm_sec = time.second;
  tm.tm_wday = (Weekday(days) + 1) % 7;
  tm.tm_yday = static_cast<int>(days - DaysFromCivil(time.year, 1, 1));
  tm.tm_isdst = -1;
  if (rewritten.empty()) return "";
  // As CPython: a result of length 0 may mean the buffer was too small.
  for (size_t size = 1024; size <= 256 * rewritten.size() + 1024; size *= 2) {
    std::vector<char> buffer(size);
    size_t length = std::strftime(buffer.data(), size, rewritten.c_str(), &tm);
    if (length > 0 || size >= 256 * rewritten.size()) return std::string(buffer.data(), length);
  }
  return "";
}

Result<CivilTime> PythonStrptime(std::string_view text, std::string_view format) {
  StrptimeMatcher matcher(text, format);
  Parsed parsed;
  size_t end = 0;
  if (!matcher.Match(0, 0, parsed, end)) {
    return UserError("template-value",
                     "time data '" + std::string(text) + "' does not match format '" + std::string(format) + "'");
  }
  if (end != text.size()) {
    return UserError("template-value", "unconverted data remains: " + std::string(text.substr(end)));
  }
  if (parsed.hour12 >= 0) parsed.hour = parsed.hour12 % 12 + (parsed.pm == 1 ? 12 : 0);
  if (parsed.julian >= 0) {
    int64_t days = DaysFromCivil(parsed.year, 1, 1) + parsed.julian - 1;
    CivilTime date = CivilFromDays(days);
    parsed.month = date.month;
    parsed.day = date.day;
  }
  if (parsed.day > DaysInMonth(parsed.year, parsed.month)) {
    return UserError("template-value", "day is out of range for month");
  }
  if (parsed.year < 1) return UserError("template-value", "year 0 is out of range");
  if (parsed.second > 59) return UserError("template-value", "second must be in 0..59");
  return CivilTime{parsed.year, parsed.month, parsed.day, parsed.hour, parsed.minute, parsed.second,
                   parsed.microsecond};
}

}  // namespace weir::models_internal
