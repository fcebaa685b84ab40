// modules.datetime: date, datetime and timedelta objects for dbt's Jinja.
// A value keeps its type and one integer (days since 1970-01-01 for a date,
// microseconds since 1970-01-01 for a datetime, microseconds for a
// timedelta) in two attributes that templates never need to read; its
// methods and operators are closures over them.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <limits>
#include <vector>

#include "models/internal/python_datetime.h"

namespace weir::models_internal {
namespace {

using Kind = TemplateValue::Kind;

constexpr int64_t kSecondUs = 1000000;
constexpr int64_t kDayUs = 86400 * kSecondUs;
constexpr const char* kTypeKey = "__weir_time_type__";
constexpr const char* kValueKey = "__weir_time_value__";

enum class TimeType { kDate, kDatetime, kTimedelta };

struct TimeValue {
  TimeType type;
  int64_t value;  // days (date) or microseconds (datetime, timedelta)
};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

int64_t MinDay() { return DaysFromCivil(1, 1, 1); }
int64_t MaxDay() { return DaysFromCivil(9999, 12, 31); }

std::string_view ClassName(TimeType type) {
  switch (type) {
    case TimeType::kDate: return "datetime.date";
    case TimeType::kDatetime: return "datetime.datetime";
    case TimeType::kTimedelta: return "datetime.timedelta";
  }
  return "";
}

std::optional<TimeValue> TimeOf(const TemplateValue& value) {
  if (value.kind() != Kind::kObject) return std::nullopt;
  const TemplateValue* type = value.ObjectAttributes().Find(kTypeKey);
  const TemplateValue* ticks = value.ObjectAttributes().Find(kValueKey);
  if (type == nullptr || ticks == nullptr) return std::nullopt;
  return TimeValue{static_cast<TimeType>(type->AsInt()), ticks->AsInt()};
}

std::string TypeNameOf(const TemplateValue& value) {
  std::optional<TimeValue> time = TimeOf(value);
  return time ? std::string(ClassName(time->type)) : std::string(value.TypeName());
}

CivilTime Civil(const TimeValue& time) {
  if (time.type == TimeType::kDate) return CivilFromDays(time.value);
  CivilTime out = CivilFromDays(FloorDiv(time.value, kDayUs));
  int64_t in_day = FloorMod(time.value, kDayUs);
  out.hour = static_cast<int>(in_day / (3600 * kSecondUs));
  out.minute = static_cast<int>(in_day / (60 * kSecondUs) % 60);
  out.second = static_cast<int>(in_day / kSecondUs % 60);
  out.microsecond = static_cast<int>(in_day % kSecondUs);
  return out;
}

std::string Format(const char* format, int64_t a, int64_t b = 0, int64_t c = 0) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), format, static_cast<long long>(a), static_cast<long long>(b),
                static_cast<long long>(c));
  return buffer;
}

std::string DateText(const CivilTime& c) { return Format("%04lld-%02lld-%02lld", c.year, c.month, c.day); }

// isoformat(sep, timespec) of a datetime; "auto" shows microseconds when
// there are some.
Result<std::string> IsoText(const CivilTime& c, const std::string& sep, const std::string& timespec) {
  std::string time = Format("%02lld", c.hour);
  std::string minutes = Format(":%02lld", c.minute), seconds = Format(":%02lld", c.second);
  if (timespec == "hours") return DateText(c) + sep + time;
  if (timespec == "minutes") return DateText(c) + sep + time + minutes;
  time += minutes + seconds;
  if (timespec == "seconds" || (timespec == "auto" && c.microsecond == 0)) return DateText(c) + sep + time;
  if (timespec == "milliseconds") return DateText(c) + sep + time + Format(".%03lld", c.microsecond / 1000);
  if (timespec == "microseconds" || timespec == "auto") return DateText(c) + sep + time + Format(".%06lld", c.microsecond);
  return UserError("template-value", "Unknown timespec value");
}

std::string TimedeltaText(int64_t us) {
  int64_t days = FloorDiv(us, kDayUs), rest = FloorMod(us, kDayUs);
  int64_t seconds = rest / kSecondUs, micro = rest % kSecondUs;
  std::string out;
  if (days != 0) out = Format("%lld day", days) + (days == 1 || days == -1 ? ", " : "s, ");
  out += Format("%lld:%02lld:%02lld", seconds / 3600, seconds / 60 % 60, seconds % 60);
  if (micro != 0) out += Format(".%06lld", micro);
  return out;
}

std::string Repr(const TimeValue& time) {
  if (time.type == TimeType::kTimedelta) {
    int64_t days = FloorDiv(time.value, kDayUs), rest = FloorMod(time.value, kDayUs);
    std::string parts;
    auto add = [&](const char* name, int64_t n) {
      if (n != 0) parts += (parts.empty() ? "" : ", ") + std::string(name) + "=" + std::to_string(n);
    };
    add("days", days);
    add("seconds", rest / kSecondUs);
    add("microseconds", rest % kSecondUs);
    return "datetime.timedelta(" + (parts.empty() ? "0" : parts) + ")";
  }
  CivilTime c = Civil(time);
  std::string out = std::string(ClassName(time.type)) + "(" + Format("%lld, %lld, %lld", c.year, c.month, c.day);
  if (time.type == TimeType::kDate) return out + ")";
  // Python leaves out a zero microsecond, then a zero second.
  std::vector<int64_t> tail{c.hour, c.minute, c.second, c.microsecond};
  if (tail.back() == 0) tail.pop_back();
  if (tail.back() == 0) tail.pop_back();
  for (int64_t n : tail) out += ", " + std::to_string(n);
  return out + ")";
}

std::string Display(const TimeValue& time) {
  switch (time.type) {
    case TimeType::kDate: return DateText(Civil(time));
    case TimeType::kDatetime: return *IsoText(Civil(time), " ", "auto");
    case TimeType::kTimedelta: return TimedeltaText(time.value);
  }
  return "";
}

Status OutOfRange() { return UserError("template-value", "date value out of range"); }

Result<TemplateValue> MakeTime(TimeValue time);

Result<TemplateValue> MakeChecked(TimeType type, int64_t value) {
  bool ok = true;
  if (type == TimeType::kDate) ok = value >= MinDay() && value <= MaxDay();
  if (type == TimeType::kDatetime) ok = value >= MinDay() * kDayUs && value < (MaxDay() + 1) * kDayUs;
  if (!ok) return OutOfRange();
  return MakeTime({type, value});
}

// ---- arguments ----

using Bound = std::vector<std::optional<TemplateValue>>;

Result<Bound> Bind(std::string_view function, const TemplateCallArgs& args, const std::vector<std::string_view>& names) {
  std::string name(function);
  if (args.positional.size() > names.size()) {
    return UserError("template-argument", name + "() takes at most " + std::to_string(names.size()) + " arguments (" +
                                              std::to_string(args.positional.size()) + " given)");
  }
  Bound bound(names.size());
  for (size_t i = 0; i < args.positional.size(); ++i) bound[i] = args.positional[i];
  for (const auto& [key, value] : args.keyword) {
    size_t i = 0;
    while (i < names.size() && names[i] != key) ++i;
    if (i == names.size()) return UserError("template-argument", name + "() got an unexpected keyword argument '" + key + "'");
    if (bound[i]) return UserError("template-argument", name + "() got multiple values for argument '" + key + "'");
    bound[i] = value;
  }
  return bound;
}

Result<int64_t> IntArgument(const std::optional<TemplateValue>& value, std::optional<int64_t> fallback,
                            std::string_view name) {
  if (!value) {
    if (fallback) return *fallback;
    return UserError("template-argument", "missing required argument '" + std::string(name) + "'");
  }
  if (value->kind() != Kind::kInt && value->kind() != Kind::kBool) {
    return UserError("template-type", "'" + std::string(name) + "': integer argument expected, got " +
                                          std::string(value->TypeName()));
  }
  return value->AsInt();
}

Result<std::string> StringArgument(const std::optional<TemplateValue>& value, std::string fallback, std::string_view name) {
  if (!value) return fallback;
  if (value->kind() != Kind::kString) {
    return UserError("template-type", "'" + std::string(name) + "' must be a string, not " + std::string(value->TypeName()));
  }
  return value->AsString();
}

Status CheckRange(int64_t value, int64_t low, int64_t high, std::string_view what) {
  if (value >= low && value <= high) return OkStatus();
  return UserError("template-value", std::string(what) + " must be in " + std::to_string(low) + ".." + std::to_string(high));
}

// The value of y-m-d h:m:s.us, checked as Python's constructors check it.
Result<int64_t> CivilValue(TimeType type, const CivilTime& c) {
  if (c.year < 1 || c.year > 9999) return UserError("template-value", "year " + std::to_string(c.year) + " is out of range");
  WEIR_TRY(CheckRange(c.month, 1, 12, "month"));
  if (c.day < 1 || c.day > DaysInMonth(c.year, c.month)) return UserError("template-value", "day is out of range for month");
  int64_t days = DaysFromCivil(c.year, c.month, c.day);
  if (type == TimeType::kDate) return days;
  WEIR_TRY(CheckRange(c.hour, 0, 23, "hour"));
  WEIR_TRY(CheckRange(c.minute, 0, 59, "minute"));
  WEIR_TRY(CheckRange(c.second, 0, 59, "second"));
  WEIR_TRY(CheckRange(c.microsecond, 0, 999999, "microsecond"));
  return days * kDayUs + ((c.hour * 60 + c.minute) * 60 + c.second) * kSecondUs + c.microsecond;
}

const std::vector<std::string_view> kCivilNames{"year", "month", "day", "hour", "minute", "second", "microsecond"};

// Fields from arguments; those not given come from `base` (for replace()).
Result<CivilTime> CivilArguments(const Bound& bound, const std::optional<CivilTime>& base) {
  CivilTime c;
  std::optional<int64_t> fallback[7];
  if (base) {
    fallback[0] = base->year, fallback[1] = base->month, fallback[2] = base->day, fallback[3] = base->hour;
    fallback[4] = base->minute, fallback[5] = base->second, fallback[6] = base->microsecond;
  } else {
    fallback[3] = fallback[4] = fallback[5] = fallback[6] = 0;
  }
  int64_t fields[7] = {};
  for (size_t i = 0; i < bound.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(fields[i], IntArgument(bound[i], fallback[i], kCivilNames[i]));
    if (i > 0 && (fields[i] < INT32_MIN || fields[i] > INT32_MAX)) {
      return UserError("template-value", std::string(kCivilNames[i]) + " out of range");
    }
  }
  c.year = fields[0];
  c.month = static_cast<int>(fields[1]), c.day = static_cast<int>(fields[2]);
  c.hour = static_cast<int>(fields[3]), c.minute = static_cast<int>(fields[4]);
  c.second = static_cast<int>(fields[5]), c.microsecond = static_cast<int>(fields[6]);
  return c;
}

// ---- arithmetic ----

Status Unsupported(std::string_view symbol, const TemplateValue& a, const TemplateValue& b) {
  return UserError("template-type", "unsupported operand type(s) for " + std::string(symbol) + ": '" + TypeNameOf(a) +
                                        "' and '" + TypeNameOf(b) + "'");
}

Result<TemplateValue> Timedelta(int64_t us) { return MakeTime({TimeType::kTimedelta, us}); }

Status TimedeltaOverflow() { return UserError("template-value", "timedelta out of range (64-bit microseconds)"); }

// Python's rounding of a float number of microseconds: half to even.
Result<TemplateValue> TimedeltaFromFloat(long double us) {
  long double rounded = std::nearbyint(us);
  if (!(std::fabs(rounded) < 9.2e18L)) return TimedeltaOverflow();
  return Timedelta(static_cast<int64_t>(rounded));
}

Result<TemplateValue> AddTo(const TimeValue& a, const TimeValue& b, int sign, const TemplateValue& left,
                            const TemplateValue& right) {
  const char* symbol = sign > 0 ? "+" : "-";
  if (b.type != TimeType::kTimedelta) {
    if (sign < 0 && a.type == b.type) {  // date - date, datetime - datetime
      return Timedelta(a.type == TimeType::kDate ? (a.value - b.value) * kDayUs : a.value - b.value);
    }
    if (sign > 0 && a.type == TimeType::kTimedelta) return AddTo(b, a, 1, right, left);
    return Unsupported(symbol, left, right);
  }
  int64_t delta = 0;
  if (a.type == TimeType::kDate) {
    // date + timedelta moves by its days; date - timedelta by -days (Python's rule).
    delta = FloorDiv(b.value, kDayUs);
    return MakeChecked(TimeType::kDate, a.value + sign * delta);
  }
  if (__builtin_mul_overflow(b.value, sign, &delta)) return TimedeltaOverflow();
  int64_t sum = 0;
  if (__builtin_add_overflow(a.value, delta, &sum)) {
    return a.type == TimeType::kDatetime ? OutOfRange() : TimedeltaOverflow();
  }
  return MakeChecked(a.type, sum);
}

Result<TemplateValue> Multiply(const TimeValue& td, const TemplateValue& factor, const TemplateValue& left,
                               const TemplateValue& right) {
  if (factor.kind() == Kind::kInt || factor.kind() == Kind::kBool) {
    int64_t product = 0;
    if (__builtin_mul_overflow(td.value, factor.AsInt(), &product)) return TimedeltaOverflow();
    return Timedelta(product);
  }
  if (factor.kind() == Kind::kFloat) return TimedeltaFromFloat(static_cast<long double>(td.value) * factor.AsFloat());
  return Unsupported("*", left, right);
}

Result<TemplateValue> Divide(const TimeValue& td, const TemplateValue& divisor, bool floor, const TemplateValue& left) {
  const char* symbol = floor ? "//" : "/";
  std::optional<TimeValue> other = TimeOf(divisor);
  if (other && other->type == TimeType::kTimedelta) {
    if (other->value == 0) return UserError("template-value", "division by zero");
    if (floor) return TemplateValue::Int(FloorDiv(td.value, other->value));
    return TemplateValue::Float(static_cast<double>(td.value) / static_cast<double>(other->value));
  }
  if (divisor.kind() == Kind::kInt) {
    if (divisor.AsInt() == 0) return UserError("template-value", "division by zero");
    if (floor) return Timedelta(FloorDiv(td.value, divisor.AsInt()));
    return TimedeltaFromFloat(static_cast<long double>(td.value) / divisor.AsInt());
  }
  if (divisor.kind() == Kind::kFloat && !floor) {
    if (divisor.AsFloat() == 0) return UserError("template-value", "division by zero");
    return TimedeltaFromFloat(static_cast<long double>(td.value) / divisor.AsFloat());
  }
  return Unsupported(symbol, left, divisor);
}

enum class Op { kAdd, kSub, kMul, kDiv, kFloorDiv };

// `left op right` where at least one side is a time value.
Result<TemplateValue> Arithmetic(Op op, const TemplateValue& left, const TemplateValue& right) {
  std::optional<TimeValue> a = TimeOf(left), b = TimeOf(right);
  switch (op) {
    case Op::kAdd:
    case Op::kSub:
      if (a && b) return AddTo(*a, *b, op == Op::kAdd ? 1 : -1, left, right);
      return Unsupported(op == Op::kAdd ? "+" : "-", left, right);
    case Op::kMul:
      if (a && a->type == TimeType::kTimedelta && !b) return Multiply(*a, right, left, right);
      if (b && b->type == TimeType::kTimedelta && !a) return Multiply(*b, left, left, right);
      return Unsupported("*", left, right);
    case Op::kDiv:
    case Op::kFloorDiv:
      if (a && a->type == TimeType::kTimedelta) return Divide(*a, right, op == Op::kFloorDiv, left);
      return Unsupported(op == Op::kDiv ? "/" : "//", left, right);
  }
  return Unsupported("?", left, right);
}

Result<TemplateValue> Compare(bool less, const TimeValue& self, const TemplateValue& self_value,
                              const TemplateValue& other) {
  std::optional<TimeValue> b = TimeOf(other);
  if (!less) return TemplateValue::Bool(b && b->type == self.type && b->value == self.value);
  if (!b || b->type != self.type) {
    return UserError("template-type", "'<' not supported between instances of '" + TypeNameOf(self_value) + "' and '" +
                                          TypeNameOf(other) + "'");
  }
  return TemplateValue::Bool(self.value < b->value);
}

// ---- objects ----

TemplateValue Method(std::string name, std::function<Result<TemplateValue>(const TemplateCallArgs&)> body) {
  return TemplateValue::Function(std::move(name), std::move(body));
}

TemplateValue OneArgument(std::string name, std::function<Result<TemplateValue>(const TemplateValue&)> body) {
  return Method(name, [name, body](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (args.positional.size() != 1 || !args.keyword.empty()) {
      return UserError("template-argument", name + "() takes exactly one argument");
    }
    return body(args.positional[0]);
  });
}

// The operators every time value has; `self` is rebuilt from `time` for
// the closures (a value cannot hold itself).
void AddOperators(TemplateMap& attributes, const TimeValue& time) {
  auto self = [time]() { return *MakeTime(time); };
  auto binary = [&](const char* name, Op op, bool reflected) {
    attributes.Set(name, OneArgument(name, [self, op, reflected](const TemplateValue& other) {
      return reflected ? Arithmetic(op, other, self()) : Arithmetic(op, self(), other);
    }));
  };
  binary("__add__", Op::kAdd, false);
  binary("__radd__", Op::kAdd, true);
  binary("__sub__", Op::kSub, false);
  binary("__rsub__", Op::kSub, true);
  if (time.type == TimeType::kTimedelta) {
    binary("__mul__", Op::kMul, false);
    binary("__rmul__", Op::kMul, true);
    binary("__truediv__", Op::kDiv, false);
    binary("__floordiv__", Op::kFloorDiv, false);
    attributes.Set("__neg__", Method("__neg__", [time](const TemplateCallArgs&) -> Result<TemplateValue> {
      if (time.value == std::numeric_limits<int64_t>::min()) return TimedeltaOverflow();
      return Timedelta(-time.value);
    }));
    attributes.Set("__pos__", Method("__pos__", [self](const TemplateCallArgs&) -> Result<TemplateValue> { return self(); }));
  }
  attributes.Set("__eq__", OneArgument("__eq__", [time, self](const TemplateValue& other) {
    return Compare(false, time, self(), other);
  }));
  attributes.Set("__lt__", OneArgument("__lt__", [time, self](const TemplateValue& other) {
    return Compare(true, time, self(), other);
  }));
  attributes.Set("__repr__", Method("__repr__", [time](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::String(Repr(time));
  }));
}

void AddTimedeltaAttributes(TemplateMap& attributes, int64_t us) {
  attributes.Set("days", TemplateValue::Int(FloorDiv(us, kDayUs)));
  attributes.Set("seconds", TemplateValue::Int(FloorMod(us, kDayUs) / kSecondUs));
  attributes.Set("microseconds", TemplateValue::Int(FloorMod(us, kSecondUs)));
  attributes.Set("total_seconds", Method("total_seconds", [us](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::Float(static_cast<double>(us) / kSecondUs);
  }));
}

void AddCivilAttributes(TemplateMap& attributes, const TimeValue& time) {
  CivilTime c = Civil(time);
  bool is_date = time.type == TimeType::kDate;
  attributes.Set("year", TemplateValue::Int(c.year));
  attributes.Set("month", TemplateValue::Int(c.month));
  attributes.Set("day", TemplateValue::Int(c.day));
  if (!is_date) {
    attributes.Set("hour", TemplateValue::Int(c.hour));
    attributes.Set("minute", TemplateValue::Int(c.minute));
    attributes.Set("second", TemplateValue::Int(c.second));
    attributes.Set("microsecond", TemplateValue::Int(c.microsecond));
    attributes.Set("tzinfo", TemplateValue::None());
    attributes.Set("date", Method("date", [c](const TemplateCallArgs&) -> Result<TemplateValue> {
      return MakeTime({TimeType::kDate, DaysFromCivil(c.year, c.month, c.day)});
    }));
  }
  int64_t days = DaysFromCivil(c.year, c.month, c.day);
  int weekday = static_cast<int>(FloorMod(days + 3, 7));
  attributes.Set("weekday", Method("weekday", [weekday](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::Int(weekday);
  }));
  attributes.Set("isoweekday", Method("isoweekday", [weekday](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::Int(weekday + 1);
  }));
  attributes.Set("toordinal", Method("toordinal", [days](const TemplateCallArgs&) -> Result<TemplateValue> {
    return TemplateValue::Int(days - MinDay() + 1);
  }));
  attributes.Set("strftime", Method("strftime", [c](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("strftime", args, {"format"}));
    if (!bound[0]) return UserError("template-argument", "strftime() takes a format: strftime('%Y-%m-%d')");
    WEIR_ASSIGN_OR_RETURN(std::string format, StringArgument(bound[0], "", "format"));
    return TemplateValue::String(PythonStrftime(c, format));
  }));
  attributes.Set("isoformat", Method("isoformat", [c, is_date](const TemplateCallArgs& args) -> Result<TemplateValue> {
    if (is_date) return TemplateValue::String(DateText(c));
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("isoformat", args, {"sep", "timespec"}));
    WEIR_ASSIGN_OR_RETURN(std::string sep, StringArgument(bound[0], "T", "sep"));
    WEIR_ASSIGN_OR_RETURN(std::string timespec, StringArgument(bound[1], "auto", "timespec"));
    WEIR_ASSIGN_OR_RETURN(std::string text, IsoText(c, sep, timespec));
    return TemplateValue::String(std::move(text));
  }));
  TimeType type = time.type;
  attributes.Set("replace", Method("replace", [c, type](const TemplateCallArgs& args) -> Result<TemplateValue> {
    std::vector<std::string_view> names(kCivilNames.begin(), kCivilNames.begin() + (type == TimeType::kDate ? 3 : 7));
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("replace", args, names));
    WEIR_ASSIGN_OR_RETURN(CivilTime fields, CivilArguments(bound, c));
    WEIR_ASSIGN_OR_RETURN(int64_t value, CivilValue(type, fields));
    return MakeTime({type, value});
  }));
}

Result<TemplateValue> MakeTime(TimeValue time) {
  TemplateMap attributes;
  attributes.Set(kTypeKey, TemplateValue::Int(static_cast<int64_t>(time.type)));
  attributes.Set(kValueKey, TemplateValue::Int(time.value));
  if (time.type == TimeType::kTimedelta) {
    AddTimedeltaAttributes(attributes, time.value);
  } else {
    AddCivilAttributes(attributes, time);
  }
  AddOperators(attributes, time);
  return TemplateValue::Object(std::move(attributes), Display(time));
}

// ---- classes ----

Result<TemplateValue> MakeCivil(TimeType type, const CivilTime& c) {
  WEIR_ASSIGN_OR_RETURN(int64_t value, CivilValue(type, c));
  return MakeTime({type, value});
}

// The time `now` says, as local or UTC fields.
CivilTime WallClock(TimePoint now, bool utc) {
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(FloorDiv(us, kSecondUs));
  std::tm tm{};
  if (utc) {
    gmtime_r(&seconds, &tm);
  } else {
    localtime_r(&seconds, &tm);
  }
  return CivilTime{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                   static_cast<int>(FloorMod(us, kSecondUs))};
}

TemplateValue ClockMethod(std::string name, TimeType type, bool utc, std::function<TimePoint()> now) {
  return Method(name, [name, type, utc, now](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind(name, args, {"tz"}));
    if (bound[0] && !bound[0]->is_none()) {
      return UserError("template-argument", name + "(tz): time zones are not supported; values are naive");
    }
    CivilTime c = WallClock(now(), utc);
    if (type == TimeType::kDate) c.hour = c.minute = c.second = c.microsecond = 0;
    return MakeCivil(type, c);
  });
}

// fromisoformat: YYYY-MM-DD, then (datetime) one separator and HH[:MM[:SS[.fff[fff]]]].
Result<TemplateValue> FromIsoFormat(TimeType type, const TemplateCallArgs& args) {
  WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("fromisoformat", args, {"date_string"}));
  WEIR_ASSIGN_OR_RETURN(std::string text, StringArgument(bound[0], "", "date_string"));
  Status invalid = UserError("template-value", "Invalid isoformat string: '" + text + "'");
  Result<CivilTime> date = PythonStrptime(text.substr(0, 10), "%Y-%m-%d");
  if (text.size() < 10 || !date.ok()) return invalid;
  if (text.size() == 10) return MakeCivil(type, *date);
  if (type == TimeType::kDate || text.size() < 13) return invalid;
  std::string time = text.substr(11);
  static const char* const kForms[] = {"%H", "%H:%M", "%H:%M:%S", "%H:%M:%S.%f"};
  for (const char* form : kForms) {
    Result<CivilTime> parsed = PythonStrptime(time, form);
    if (!parsed.ok()) continue;
    CivilTime c = *date;
    c.hour = parsed->hour, c.minute = parsed->minute, c.second = parsed->second, c.microsecond = parsed->microsecond;
    return MakeCivil(type, c);
  }
  return invalid;
}

Result<TemplateValue> MakeTimedelta(const TemplateCallArgs& args) {
  static const std::vector<std::string_view> kNames{"days",    "seconds", "microseconds", "milliseconds",
                                                    "minutes", "hours",   "weeks"};
  static const int64_t kUnits[] = {kDayUs, kSecondUs, 1, 1000, 60 * kSecondUs, 3600 * kSecondUs, 7 * kDayUs};
  WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("timedelta", args, kNames));
  int64_t exact = 0;
  long double inexact = 0;
  bool any_float = false;
  for (size_t i = 0; i < bound.size(); ++i) {
    if (!bound[i]) continue;
    const TemplateValue& v = *bound[i];
    if (v.kind() == Kind::kFloat) {
      any_float = true;
      inexact += static_cast<long double>(v.AsFloat()) * kUnits[i];
      continue;
    }
    if (v.kind() != Kind::kInt && v.kind() != Kind::kBool) {
      return UserError("template-type", "unsupported type for timedelta " + std::string(kNames[i]) +
                                            " component: " + std::string(v.TypeName()));
    }
    int64_t part = 0;
    if (__builtin_mul_overflow(v.AsInt(), kUnits[i], &part) || __builtin_add_overflow(exact, part, &exact)) {
      return TimedeltaOverflow();
    }
  }
  if (any_float) return TimedeltaFromFloat(inexact + static_cast<long double>(exact));
  return Timedelta(exact);
}

TemplateValue ClassValue(std::string name, TemplateMap attributes, TemplateFunction construct) {
  attributes.Set("__call__", TemplateValue::Function(name, std::move(construct)));
  return TemplateValue::Object(std::move(attributes), "<class 'datetime." + name + "'>");
}

TemplateValue DatetimeClass(const std::function<TimePoint()>& now) {
  TemplateMap attributes;
  attributes.Set("now", ClockMethod("now", TimeType::kDatetime, false, now));
  attributes.Set("today", ClockMethod("today", TimeType::kDatetime, false, now));
  attributes.Set("utcnow", ClockMethod("utcnow", TimeType::kDatetime, true, now));
  attributes.Set("strptime", Method("strptime", [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("strptime", args, {"date_string", "format"}));
    if (!bound[0] || !bound[1]) return UserError("template-argument", "strptime() takes a string and a format");
    WEIR_ASSIGN_OR_RETURN(std::string text, StringArgument(bound[0], "", "date_string"));
    WEIR_ASSIGN_OR_RETURN(std::string format, StringArgument(bound[1], "", "format"));
    WEIR_ASSIGN_OR_RETURN(CivilTime c, PythonStrptime(text, format));
    return MakeCivil(TimeType::kDatetime, c);
  }));
  attributes.Set("fromisoformat", Method("fromisoformat", [](const TemplateCallArgs& args) {
    return FromIsoFormat(TimeType::kDatetime, args);
  }));
  return ClassValue("datetime", std::move(attributes), [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("datetime", args, kCivilNames));
    WEIR_ASSIGN_OR_RETURN(CivilTime c, CivilArguments(bound, std::nullopt));
    return MakeCivil(TimeType::kDatetime, c);
  });
}

TemplateValue DateClass(const std::function<TimePoint()>& now) {
  TemplateMap attributes;
  attributes.Set("today", ClockMethod("today", TimeType::kDate, false, now));
  attributes.Set("fromisoformat", Method("fromisoformat", [](const TemplateCallArgs& args) {
    return FromIsoFormat(TimeType::kDate, args);
  }));
  return ClassValue("date", std::move(attributes), [](const TemplateCallArgs& args) -> Result<TemplateValue> {
    WEIR_ASSIGN_OR_RETURN(Bound bound, Bind("date", args, {"year", "month", "day"}));
    WEIR_ASSIGN_OR_RETURN(CivilTime c, CivilArguments(bound, std::nullopt));
    return MakeCivil(TimeType::kDate, c);
  });
}

}  // namespace

TemplateValue DatetimeModule(std::function<TimePoint()> now) {
  TemplateMap module;
  module.Set("datetime", DatetimeClass(now));
  module.Set("date", DateClass(now));
  module.Set("timedelta", ClassValue("timedelta", TemplateMap(), MakeTimedelta));
  module.Set("MINYEAR", TemplateValue::Int(1));
  module.Set("MAXYEAR", TemplateValue::Int(9999));
  return TemplateValue::Object(std::move(module), "<module 'datetime'>");
}

}  // namespace weir::models_internal
