// Differential test: NextFireAfter against croniter + zoneinfo (Debian
// python3-croniter), run through tests/cron_oracle.py. The script says which
// fire times land in a spring-forward gap, where croniter's answer differs
// from DESIGN.md's convention; those are covered by dst_test.cc instead.
#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>

#include "schedule/schedule.h"

namespace weir {
namespace {

struct OracleCase {
  std::string expression;
  std::string zone;
  int64_t after = 0;
  std::vector<std::string> fires;  // epoch seconds, or "gap" (stop comparing)
};

std::string RunOracle() {
  std::string command = std::string(WEIR_ORACLE_PYTHON) + " " + WEIR_SCHEDULE_ORACLE;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command << " failed; is python3-croniter installed?";
  return output;
}

std::vector<OracleCase> ParseOracle(const std::string& output) {
  std::vector<OracleCase> cases;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    OracleCase c;
    std::string after;
    std::string fires;
    std::getline(fields, c.expression, '\t');
    std::getline(fields, c.zone, '\t');
    std::getline(fields, after, '\t');
    std::getline(fields, fires);
    c.after = std::stoll(after);
    std::istringstream words(fires);
    for (std::string word; words >> word;) c.fires.push_back(word);
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(CronOracleTest, NextFiveFireTimesMatchCroniter) {
  std::vector<OracleCase> cases = ParseOracle(RunOracle());
  ASSERT_GE(cases.size(), 1000u);
  size_t compared = 0;
  size_t skipped_gaps = 0;
  for (const OracleCase& c : cases) {
    Result<Schedule> schedule = ParseSchedule(c.expression);
    ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
    ASSERT_TRUE(ValidateTimeZone(c.zone).ok()) << c.zone;
    TimePoint t{std::chrono::seconds(c.after)};
    for (size_t i = 0; i < c.fires.size(); ++i) {
      if (c.fires[i] == "gap") {
        ++skipped_gaps;
        break;
      }
      t = NextFireAfter(*schedule, t, c.zone);
      int64_t got = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
      ASSERT_EQ(got, std::stoll(c.fires[i]))
          << "'" << c.expression << "' in " << c.zone << " after " << c.after << ", fire #" << i + 1;
      ++compared;
    }
  }
  // Gaps are rare: nearly everything is compared.
  EXPECT_GE(compared, cases.size() * 5 * 95 / 100);
  EXPECT_GT(skipped_gaps, 0u);
}

}  // namespace
}  // namespace weir
