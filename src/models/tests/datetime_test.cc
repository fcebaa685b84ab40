// modules.datetime: each expression is rendered by Weir and evaluated by
// python3's own datetime module (the oracle), and the two texts must match;
// the clock-reading functions are checked against a fixed clock.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "models/internal/python_datetime.h"
#include "template/template.h"

namespace weir::models_internal {
namespace {

using Json = nlohmann::json;

// 2024-01-15 10:20:30.250 UTC (1705314030 s since the epoch, by hand:
// 19737 days * 86400 + 37230 s).
TimePoint FixedNow() { return TimePoint(std::chrono::milliseconds(1705314030250LL)); }

std::string Render(const std::string& text) {
  TemplateContext context;
  TemplateMap modules;
  modules.Set("datetime", DatetimeModule(FixedNow));
  context.Set("modules", TemplateValue::Object(std::move(modules), "<modules>"));
  Result<std::string> out = RenderTemplate("{% set dt = modules.datetime %}" + text, SourceLocation{"m.sql", 1, 1}, context);
  return out.ok() ? *out : "error: " + out.status().ToString();
}

// Python expressions (with `dt` the datetime module) that Jinja reads the
// same way. str() of each is compared; `[x]` compares repr().
const char* const kExpressions[] = {
    // printing
    "dt.datetime(2024, 2, 29, 13, 5, 9)",
    "dt.datetime(2024, 2, 29, 13, 5, 9, 120)",
    "[dt.datetime(2024, 2, 29), dt.datetime(2024, 2, 29, 1, 2, 3), dt.datetime(1, 1, 1, 0, 0, 0, 7)]",
    "[dt.date(999, 12, 31), dt.timedelta(0), dt.timedelta(days=-1, seconds=5), dt.timedelta(microseconds=3)]",
    "dt.date(2024, 2, 29)",
    "dt.timedelta(days=2, hours=3, minutes=4, seconds=5, microseconds=6)",
    "dt.timedelta(hours=-1)",
    "dt.timedelta(days=-3, microseconds=-1)",
    "dt.timedelta(weeks=2, milliseconds=1500)",
    "dt.timedelta(hours=1.5, minutes=0.25)",
    "dt.timedelta(seconds=0.0000005) == dt.timedelta(0)",
    "dt.timedelta(seconds=0.0000015)",
    // isoformat and strftime
    "dt.datetime(2024, 3, 1, 4, 5, 6, 789000).isoformat()",
    "dt.datetime(2024, 3, 1, 4, 5, 6).isoformat(' ')",
    "dt.datetime(2024, 3, 1, 4, 5, 6, 789).isoformat(timespec='milliseconds')",
    "dt.datetime(2024, 3, 1, 4, 5, 6, 789).isoformat(sep='_', timespec='minutes')",
    "dt.date(2024, 3, 1).isoformat()",
    "dt.datetime(2024, 3, 1, 16, 5, 6, 42).strftime('%Y-%m-%d %H:%M:%S.%f %%')",
    "dt.datetime(2024, 12, 30, 16, 5, 6).strftime('%a %A %b %B %d %j %U %W %w %u %y %p %I')",
    "dt.datetime(2023, 1, 1, 0, 0).strftime('%G-W%V-%u %c|%x|%X|%z|%Z|%e')",
    "dt.date(2021, 1, 3).strftime('%Y %j %U %W %V %H:%M')",
    // arithmetic
    "dt.datetime(2024, 2, 28, 23, 30) + dt.timedelta(hours=1)",
    "dt.datetime(2024, 3, 1) - dt.timedelta(days=1, microseconds=1)",
    "dt.timedelta(days=366) + dt.datetime(2023, 2, 28, 12)",
    "dt.datetime(2020, 1, 1) - dt.datetime(2024, 2, 29, 6, 30)",
    "dt.datetime(2024, 2, 29, 6, 30, 0, 5) - dt.datetime(2020, 1, 1)",
    "dt.date(2024, 1, 1) + dt.timedelta(hours=-1)",
    "dt.date(2024, 1, 1) - dt.timedelta(hours=1)",
    "dt.date(2024, 1, 1) - dt.timedelta(days=1, hours=23)",
    "dt.date(2024, 3, 1) - dt.date(2023, 3, 1)",
    "dt.timedelta(hours=5) - dt.timedelta(days=1)",
    "dt.timedelta(minutes=7) * 3",
    "-2 * dt.timedelta(seconds=1, microseconds=1)",
    "dt.timedelta(minutes=7) * 0.5",
    "dt.timedelta(days=1) // 7",
    "dt.timedelta(days=1) / 7",
    "dt.timedelta(days=1) / dt.timedelta(hours=5)",
    "dt.timedelta(days=1) // dt.timedelta(hours=5)",
    "-dt.timedelta(hours=1)",
    "(dt.datetime(2024, 1, 2) - dt.datetime(2024, 1, 1, 12)).total_seconds()",
    "[dt.timedelta(days=-1, seconds=3).days, dt.timedelta(days=-1, seconds=3).seconds, dt.timedelta(hours=-1).microseconds]",
    // comparisons and sorting
    "[dt.datetime(2024, 1, 1) < dt.datetime(2024, 1, 1, 0, 0, 0, 1), dt.date(2024, 1, 2) > dt.date(2024, 1, 1)]",
    "[dt.datetime(2024, 1, 1) == dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1) == dt.date(2024, 1, 1)]",
    "[dt.timedelta(hours=24) == dt.timedelta(days=1), dt.timedelta(0) <= dt.timedelta(microseconds=-1)]",
    "sorted([dt.date(2024, 5, 1), dt.date(2023, 5, 1), dt.date(2024, 1, 9)])",
    // fields and methods
    "[dt.datetime(2024, 7, 4, 9, 8, 7, 6).year, dt.datetime(2024, 7, 4, 9, 8, 7, 6).month, "
    "dt.datetime(2024, 7, 4, 9, 8, 7, 6).day, dt.datetime(2024, 7, 4, 9, 8, 7, 6).hour, "
    "dt.datetime(2024, 7, 4, 9, 8, 7, 6).minute, dt.datetime(2024, 7, 4, 9, 8, 7, 6).second, "
    "dt.datetime(2024, 7, 4, 9, 8, 7, 6).microsecond]",
    "dt.datetime(2024, 7, 4, 9, 8, 7).date()",
    "[dt.date(2024, 7, 4).weekday(), dt.date(2024, 7, 7).isoweekday(), dt.date(2024, 7, 4).toordinal()]",
    "dt.datetime(2024, 1, 31, 9).replace(month=2, day=29, hour=0)",
    "dt.date(2024, 1, 31).replace(year=2023)",
    // parsing
    "dt.datetime.strptime('2024-03-05 07:08:09', '%Y-%m-%d %H:%M:%S')",
    "dt.datetime.strptime('5/3/24 7:08 PM', '%d/%m/%y %I:%M %p')",
    "dt.datetime.strptime('12 AM, March 9 1999', '%I %p, %B %d %Y')",
    "dt.datetime.strptime('2024060', '%Y%j')",
    "dt.datetime.strptime('20240102T030405.5', '%Y%m%dT%H%M%S.%f')",
    "dt.datetime.strptime('Tue  Jan 2 2024', '%a %b %d %Y')",
    "dt.datetime.fromisoformat('2024-02-03T04:05:06.123456')",
    "dt.datetime.fromisoformat('2024-02-03 04:05')",
    "dt.date.fromisoformat('2024-02-03')",
};

// Runs python3 on the expressions: {"expr": "str(value)" or "error: ..."}.
Json PythonAnswers() {
  std::string dir = ::testing::TempDir();
  std::string input = dir + "/datetime_expressions.json", script = dir + "/datetime_oracle.py";
  std::ofstream(input) << Json(std::vector<std::string>(std::begin(kExpressions), std::end(kExpressions))).dump();
  std::ofstream(script) << "import datetime as dt, json, sys\n"
                           "out = {}\n"
                           "for e in json.load(open(sys.argv[1])):\n"
                           "    try:\n"
                           "        out[e] = str(eval(e))\n"
                           "    except Exception as x:\n"
                           "        out[e] = 'error: ' + str(x)\n"
                           "print(json.dumps(out))\n";
  std::string command = std::string(WEIR_ORACLE_PYTHON) + " '" + script + "' '" + input + "'";
  FILE* pipe = popen(command.c_str(), "r");
  std::string text;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof(buffer), pipe)) > 0;) text.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << text;
  return Json::parse(text);
}

TEST(DatetimeModuleTest, MatchesPythonsDatetime) {
  Json python = PythonAnswers();
  for (const char* expression : kExpressions) {
    std::string jinja = std::string(expression);
    // Jinja has no sorted(): the sort filter does the same.
    if (jinja.rfind("sorted(", 0) == 0) jinja = jinja.substr(7, jinja.size() - 8) + " | sort | list";
    std::string expected = python[expression].get<std::string>();
    ASSERT_EQ(expected.rfind("error", 0), std::string::npos) << expression << ": " << expected;
    EXPECT_EQ(Render("{{ " + jinja + " }}"), expected) << expression;
  }
}

TEST(DatetimeModuleTest, ErrorsAreLikePythons) {
  EXPECT_NE(Render("{{ dt.date(2023, 2, 29) }}").find("error[template-value]"), std::string::npos);
  EXPECT_NE(Render("{{ dt.date(2023, 2, 29) }}").find("day is out of range for month"), std::string::npos);
  EXPECT_NE(Render("{{ dt.datetime(2024, 1, 1, 24) }}").find("hour must be in 0..23"), std::string::npos);
  EXPECT_NE(Render("{{ dt.date(9999, 12, 31) + dt.timedelta(days=1) }}").find("date value out of range"),
            std::string::npos);
  EXPECT_NE(Render("{{ dt.datetime(2024, 1, 1) - dt.date(2024, 1, 1) }}").find("unsupported operand type(s) for -: "
                                                                             "'datetime.datetime' and 'datetime.date'"),
            std::string::npos);
  EXPECT_NE(Render("{{ dt.datetime(2024, 1, 1) < dt.date(2024, 1, 1) }}").find("error[template-type]"), std::string::npos);
  EXPECT_NE(Render("{{ dt.datetime.strptime('2024-13-01', '%Y-%m-%d') }}").find("does not match format"),
            std::string::npos);
  EXPECT_NE(Render("{{ dt.datetime.strptime('2024-01-01 x', '%Y-%m-%d') }}").find("unconverted data remains:  x"),
            std::string::npos);
  std::string located = Render("{{ dt.date(2024, 1, 'x') }}");
  EXPECT_NE(located.find("m.sql:1:"), std::string::npos) << located;
}

TEST(DatetimeModuleTest, ClockFunctionsReadTheGivenClock) {
  EXPECT_EQ(Render("{{ dt.datetime.utcnow() }}"), "2024-01-15 10:20:30.250000");
  // Local time is the process's time zone: New York is UTC-5 in January.
  const char* saved = std::getenv("TZ");
  std::string previous = saved != nullptr ? saved : "";
  setenv("TZ", "America/New_York", 1);
  tzset();
  EXPECT_EQ(Render("{{ dt.datetime.now() }} {{ dt.datetime.today().hour }} {{ dt.date.today() }}"),
            "2024-01-15 05:20:30.250000 5 2024-01-15");
  if (saved != nullptr) {
    setenv("TZ", previous.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_NE(Render("{{ dt.datetime.now(tz=1) }}").find("time zones are not supported"), std::string::npos);
}

TEST(DatetimeModuleTest, CalendarRoundTrips) {
  // Every day from 1600-01-01 to 2400-12-31 converts to y-m-d and back, and
  // consecutive days are consecutive dates.
  int64_t first = DaysFromCivil(1600, 1, 1), last = DaysFromCivil(2400, 12, 31);
  CivilTime previous = CivilFromDays(first - 1);
  for (int64_t day = first; day <= last; ++day) {
    CivilTime c = CivilFromDays(day);
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), day);
    bool next_day = c.day == previous.day + 1 && c.month == previous.month;
    bool next_month = c.day == 1 && previous.day == DaysInMonth(previous.year, previous.month) &&
                      (c.month == previous.month + 1 || (c.month == 1 && c.year == previous.year + 1));
    ASSERT_TRUE(next_day || next_month) << c.year << "-" << c.month << "-" << c.day;
    previous = c;
  }
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);  // 30 years of 365 days, 7 leap days, January and February 2000
}

}  // namespace
}  // namespace weir::models_internal
