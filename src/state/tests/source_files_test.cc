// File sources' files (RecordSourceFiles, SourceFilesFor, SourceFileSets),
// run against both stores with the same assertions.
#include <chrono>

#include "state/state.h"
#include "state/tests/test_support.h"

namespace weir {
namespace {

std::string Day(int day) { return "2024-03-" + std::string(day < 10 ? "0" : "") + std::to_string(day) + "T00:00:00Z"; }

TimePoint Millis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

SourceFileSet Set(int day, std::vector<SourceFile> files, std::string task = "ingest") {
  SourceFileSet set;
  set.pipeline = "daily";
  set.task_id = std::move(task);
  set.interval_start = Day(day);
  set.files = std::move(files);
  set.recorded_at = Millis(1700000000000 + day);
  return set;
}

SourceFile File(std::string path, int64_t size, int64_t modified_ms = 1000) {
  return SourceFile{std::move(path), size, Millis(modified_ms)};
}

// "03-02: a.csv(10) b.csv(20)", "03-05: (none)".
std::string Shown(const SourceFileSet& set) {
  std::string out = set.interval_start.substr(5, 5) + ":";
  for (const SourceFile& f : set.files) out += " " + f.path + "(" + std::to_string(f.size_bytes) + ")";
  return set.files.empty() ? out + " (none)" : out;
}

std::string Shown(const Result<std::optional<SourceFileSet>>& set) {
  if (!set.ok()) return "error: " + set.status().ToString();
  return *set ? Shown(**set) : "not recorded";
}

std::vector<std::string> Shown(const Result<std::vector<SourceFileSet>>& sets) {
  if (!sets.ok()) return {"error: " + sets.status().ToString()};
  std::vector<std::string> out;
  for (const SourceFileSet& set : *sets) out.push_back(Shown(set));
  return out;
}

class SourceFilesTest : public EachStoreTest {
 protected:
};

TEST_P(SourceFilesTest, AnIntervalReadsBackItsFilesSortedByPath) {
  ASSERT_OK(store_->RecordSourceFiles(Set(2, {File("landing/b.csv", 20), File("landing/a.csv", 10)})));
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", Day(2))), "03-02: landing/a.csv(10) landing/b.csv(20)");
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", Day(3))), "not recorded");
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "other", Day(2))), "not recorded");
  EXPECT_EQ(Shown(store_->SourceFilesFor("weekly", "ingest", Day(2))), "not recorded");
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", "")), "not recorded");
}

TEST_P(SourceFilesTest, RecordingAnIntervalAgainReplacesItsWholeSet) {
  ASSERT_OK(store_->RecordSourceFiles(Set(2, {File("a.csv", 10), File("b.csv", 20)})));
  ASSERT_OK(store_->RecordSourceFiles(Set(2, {File("c.csv", 30)})));
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", Day(2))), "03-02: c.csv(30)");
  ASSERT_OK(store_->RecordSourceFiles(Set(2, {})));
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", Day(2))), "03-02: (none)");
}

// An interval that took nothing is recorded as such, apart from one never
// recorded: its rerun takes nothing again.
TEST_P(SourceFilesTest, AnEmptySetIsRecorded) {
  ASSERT_OK(store_->RecordSourceFiles(Set(4, {})));
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", Day(4))), "03-04: (none)");
  EXPECT_EQ(Shown(store_->SourceFileSets("daily", "ingest")), (std::vector<std::string>{"03-04: (none)"}));
}

TEST_P(SourceFilesTest, EveryIntervalsSetsComeOldestIntervalFirstForOneTaskOnly) {
  ASSERT_OK(store_->RecordSourceFiles(Set(5, {File("c.csv", 3)})));
  ASSERT_OK(store_->RecordSourceFiles(Set(1, {File("b.csv", 2), File("a.csv", 1)})));
  ASSERT_OK(store_->RecordSourceFiles(Set(3, {})));
  ASSERT_OK(store_->RecordSourceFiles(Set(3, {File("z.csv", 9)}, "ingest[1]")));
  EXPECT_EQ(Shown(store_->SourceFileSets("daily", "ingest")),
            (std::vector<std::string>{"03-01: a.csv(1) b.csv(2)", "03-03: (none)", "03-05: c.csv(3)"}));
  EXPECT_EQ(Shown(store_->SourceFileSets("daily", "ingest[1]")), (std::vector<std::string>{"03-03: z.csv(9)"}));
  EXPECT_TRUE(Shown(store_->SourceFileSets("daily", "nothing")).empty());
}

TEST_P(SourceFilesTest, SizesAndTimesComeBackToTheMillisecond) {
  SourceFile big = File("big.parquet", int64_t{5} << 40, 1700000000123);
  big.modified_at += std::chrono::microseconds(999);
  SourceFileSet set = Set(1, {big});
  set.recorded_at += std::chrono::microseconds(700);
  ASSERT_OK(store_->RecordSourceFiles(set));
  ASSERT_OK_AND_ASSIGN(std::optional<SourceFileSet> back, store_->SourceFilesFor("daily", "ingest", Day(1)));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->files.size(), 1u);
  EXPECT_EQ(back->files[0], File("big.parquet", int64_t{5} << 40, 1700000000123));
  EXPECT_EQ(back->recorded_at, Millis(1700000000001));
}

TEST_P(SourceFilesTest, ASetNamingAFileTwiceIsRefusedAndKeepsTheOldSet) {
  ASSERT_OK(store_->RecordSourceFiles(Set(1, {File("a.csv", 1)})));
  Status twice = store_->RecordSourceFiles(Set(1, {File("b.csv", 1), File("b.csv", 2)}));
  EXPECT_EQ(twice.kind(), ErrorKind::kInternal);
  EXPECT_NE(twice.message().find("'b.csv'"), std::string::npos) << twice.message();
  EXPECT_EQ(Shown(store_->SourceFilesFor("daily", "ingest", Day(1))), "03-01: a.csv(1)");
}

INSTANTIATE_TEST_SUITE_P(Stores, SourceFilesTest, EachStore(), StoreName);

}  // namespace
}  // namespace weir
