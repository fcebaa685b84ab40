// dbt's `modules.datetime`: Python's datetime module for Jinja, with naive
// `date`, `datetime` and `timedelta` objects that print, compare, add and
// subtract as Python's do (template special methods, template/value.h).
//
//   {% set yesterday = modules.datetime.date.today() - modules.datetime.timedelta(days=1) %}
//   {{ modules.datetime.datetime(2024, 1, 31, 12).strftime('%Y-%m-%d %H:%M') }}
//
// Time zones are not modelled: every value is naive, as `now()` is in
// Python; `now()` and `today()` read the local time zone (TZ) of the
// process, `utcnow()` UTC. Years run from 1 to 9999; a timedelta holds
// microseconds in 64 bits (about 292,000 years). Errors are Python's
// ValueError and OverflowError as template-value, TypeError as
// template-type.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "template/value.h"

namespace weir::models_internal {

// The module: `datetime`, `date` and `timedelta` (classes: call them to make
// a value) and the constants MINYEAR, MAXYEAR. `now` is the clock (the
// build's; a fixed one in tests). Thread-safe values.
TemplateValue DatetimeModule(std::function<TimePoint()> now);

// The broken-down fields of a naive datetime (a date has zero time).
struct CivilTime {
  int64_t year = 1970;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, microsecond = 0;
};

// Python's date.strftime / datetime.strftime: %f, %z and %Z (empty for a
// naive value) here, the rest by the C library's strftime in the "C"
// locale, as CPython does on Linux.
std::string PythonStrftime(const CivilTime& time, std::string_view format);

// Python's datetime.strptime for the directives %Y %y %m %d %H %I %M %S %f
// %p %j %b %B %a %A %% (and whitespace, which matches any run of it):
// the fields, or template-value "time data '...' does not match format
// '...'" / "unconverted data remains: ...".
Result<CivilTime> PythonStrptime(std::string_view text, std::string_view format);

// Days from 1970-01-01 to y-m-d (proleptic Gregorian), and back.
int64_t DaysFromCivil(int64_t year, int month, int day);
CivilTime CivilFromDays(int64_t days);
int DaysInMonth(int64_t year, int month);

}  // namespace weir::models_internal
