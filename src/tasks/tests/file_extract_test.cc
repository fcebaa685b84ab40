// The extract task's file source: glob matching, formats by name, reading
// CSV (plain and gzip), NDJSON and Parquet files together, the files each
// interval takes with `incremental: new_files` (memory state store), and
// errors that name the file and line.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <utime.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "schedule/schedule.h"
#include "state/state.h"
#include "tasks/internal/file_extract.h"
#include "tasks/internal/file_source.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

using tasks_internal::CheckNotTakenMeanwhile;
using tasks_internal::FormatOfName;
using tasks_internal::MatchedFile;
using tasks_internal::MatchFiles;
using tasks_internal::SourceFormat;

class FileExtractTest : public TaskTestBase {
 protected:
  FileExtractTest() : TaskTestBase("extract", "ingest", "") {}

  void SetUp() override {
    TaskTestBase::SetUp();
    project_.lake = "lake/";
    SetDay(1);
  }

  // The interval of 2024-03-DAY (UTC).
  void SetDay(int day) {
    std::string ds = "2024-03-0" + std::to_string(day);
    interval_.ds = ds;
    interval_.start_iso = ds + "T00:00:00+00:00";
    interval_.start = ParseUtcForTest(ds);
  }
  static TimePoint ParseUtcForTest(const std::string& ds) {
    int day = std::stoi(ds.substr(8, 2));
    return TimePoint(std::chrono::seconds(1709251200 + int64_t{day - 1} * 86400));  // 2024-03-01T00:00:00Z
  }

  // Writes `content` to the project file `name`, modified at `modified` (epoch seconds).
  void Write(const std::string& name, const std::string& content, int64_t modified = 1700000000) {
    std::string path = root_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << content;
    struct utimbuf times {static_cast<time_t>(modified), static_cast<time_t>(modified)};
    ASSERT_EQ(::utime(path.c_str(), &times), 0);
  }
  void Gzip(const std::string& name) {
    ASSERT_EQ(std::system(("gzip -f '" + root_ + "/" + name + "'").c_str()), 0);
  }

  Result<std::string> RunWithStore(const TaskDef& task) {
    auto runner = NewTaskRunnerFactory(services_)->RunnerFor(task);
    EXPECT_TRUE(runner.ok());
    if (!runner.ok()) return runner.status();
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, log_path(), TimePoint::max(), cancel_};
    ctx.store = store_.get();
    return (*runner)->Run(ctx);
  }

  // The rows of a lake file as "a|b" lines, in `order`.
  std::vector<std::string> Rows(const std::string& lake_path, const std::string& columns, const std::string& order) {
    auto db = DuckDbConnection::Open(":memory:");
    EXPECT_TRUE(db.ok());
    std::string path = root_ + "/lake/" + lake_path;
    std::string sql = "SELECT concat_ws('|', " + columns + ") FROM read_parquet(" + SqlString(path) + ") ORDER BY " +
                      order;
    auto rows = (*db)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    std::vector<std::string> out;
    if (rows.ok()) {
      for (const auto& row : rows->rows) out.push_back(row[0].value_or("NULL"));
    }
    return out;
  }

  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
};

std::vector<std::string> Shown(const Result<std::vector<MatchedFile>>& files) {
  std::vector<std::string> out;
  if (!files.ok()) return {files.status().ToString()};
  for (const MatchedFile& f : *files) out.push_back(f.shown);
  return out;
}

TEST_F(FileExtractTest, GlobsMatchWithinAFolderAndDoubleStarAcrossFolders) {
  for (const char* name : {"landing/a.csv", "landing/b.csv", "landing/.b.csv.part", "landing/c.json",
                           "landing/2024/03/d.csv", "landing/2024/e.csv", "landing/.hidden/f.csv"}) {
    Write(name, "x\n");
  }
  EXPECT_EQ(Shown(MatchFiles(root_, "landing/*.csv")), (std::vector<std::string>{"landing/a.csv", "landing/b.csv"}));
  EXPECT_EQ(Shown(MatchFiles(root_, "landing/**/*.csv")),
            (std::vector<std::string>{"landing/2024/03/d.csv", "landing/2024/e.csv", "landing/a.csv",
                                      "landing/b.csv"}));
  EXPECT_EQ(Shown(MatchFiles(root_, "landing/*/*/?.csv")), (std::vector<std::string>{"landing/2024/03/d.csv"}));
  EXPECT_EQ(Shown(MatchFiles(root_, "landing/[ab].*")), (std::vector<std::string>{"landing/a.csv", "landing/b.csv"}));
  EXPECT_EQ(Shown(MatchFiles(root_, "landing/a.csv")), (std::vector<std::string>{"landing/a.csv"}));
  EXPECT_EQ(Shown(MatchFiles(root_, "landing/**")).size(), 5u);
  EXPECT_TRUE(Shown(MatchFiles(root_, "nowhere/*.csv")).empty());
  // An absolute glob shows absolute paths.
  EXPECT_EQ(Shown(MatchFiles("/elsewhere", root_ + "/landing/*.json")),
            (std::vector<std::string>{root_ + "/landing/c.json"}));
}

TEST_F(FileExtractTest, MatchedFilesCarryTheirSizeAndModificationTime) {
  Write("in/a.csv", "id\n1\n", 1700000123);
  Result<std::vector<MatchedFile>> files = MatchFiles(root_, "in/*.csv");
  ASSERT_TRUE(files.ok() && files->size() == 1u);
  EXPECT_EQ((*files)[0].size_bytes, 5);
  EXPECT_EQ((*files)[0].modified_at, TimePoint(std::chrono::seconds(1700000123)));
  EXPECT_EQ((*files)[0].absolute, root_ + "/in/a.csv");
}

TEST_F(FileExtractTest, FormatsComeFromTheName) {
  EXPECT_EQ(FormatOfName("orders_*.csv.gz")->type, SourceFormat::kCsv);
  EXPECT_EQ(FormatOfName("x.tsv")->delimiter, std::optional<std::string>("\t"));
  EXPECT_EQ(FormatOfName("x.jsonl.zst")->type, SourceFormat::kNdjson);
  EXPECT_EQ(FormatOfName("x.ndjson")->type, SourceFormat::kNdjson);
  EXPECT_EQ(FormatOfName("x.json")->type, SourceFormat::kJson);
  EXPECT_EQ(FormatOfName("x.parquet")->type, SourceFormat::kParquet);
  EXPECT_FALSE(FormatOfName("x.xlsx").has_value());
  EXPECT_FALSE(FormatOfName("landing/*").has_value());
}

// Semicolon CSV with a header, one file gzip'd, a third with a column
// more: one file, columns by name, each row's file as written in the glob.
TEST_F(FileExtractTest, CsvFilesPlainAndGzipAreReadTogetherByColumnName) {
  Write("landing/orders_1.csv", "id;amount\n1;10.5\n2;20\n");
  Write("landing/orders_2.csv", "id;amount\n3;30\n");
  Gzip("landing/orders_2.csv");
  Write("landing/orders_3.csv", "id;amount;coupon\n4;40;SPRING\n");
  TaskDef task = Task(R"(files: landing/orders_*.csv*
format: {type: csv, delimiter: ";", header: true}
filename_column: _source_file
to: raw/orders.parquet)");
  Result<std::string> out = RunWithStore(task);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(out->find("\"rows_written\": 4"), std::string::npos) << *out;
  EXPECT_NE(out->find("\"files\": 3"), std::string::npos) << *out;
  EXPECT_NE(out->find("\"file_names\": [\"landing/orders_1.csv\", \"landing/orders_2.csv.gz\", "
                      "\"landing/orders_3.csv\"]"),
            std::string::npos)
      << *out;
  EXPECT_EQ(Rows("raw/orders.parquet", "id, amount, coalesce(coupon, '-'), _source_file", "id"),
            (std::vector<std::string>{"1|10.5|-|landing/orders_1.csv", "2|20.0|-|landing/orders_1.csv",
                                      "3|30.0|-|landing/orders_2.csv.gz", "4|40.0|SPRING|landing/orders_3.csv"}));
}

TEST_F(FileExtractTest, NdjsonAndParquetFilesAreReadByTheirExtension) {
  Write("events/a.ndjson", "{\"id\": 1, \"kind\": \"view\"}\n{\"id\": 2, \"kind\": \"buy\", \"amount\": 5}\n");
  TaskDef events = Task("{files: events/*.ndjson, to: raw/events.parquet}");
  Result<std::string> out = RunWithStore(events);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/events.parquet", "id, kind, coalesce(CAST(amount AS VARCHAR), '-')", "id"),
            (std::vector<std::string>{"1|view|-", "2|buy|5"}));
  // The Parquet file just written, and another with other columns, read as a source.
  std::filesystem::create_directories(root_ + "/parts");
  std::filesystem::copy_file(root_ + "/lake/raw/events.parquet", root_ + "/parts/p1.parquet");
  auto db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Execute("COPY (SELECT 3 AS id, 'tag' AS label) TO " + SqlString(root_ + "/parts/p2.parquet") +
                             " (FORMAT parquet)").ok());
  TaskDef parts = Task("{files: parts/*.parquet, to: raw/parts.parquet}");
  out = RunWithStore(parts);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/parts.parquet", "id, coalesce(kind, '-'), coalesce(label, '-')", "id"),
            (std::vector<std::string>{"1|view|-", "2|buy|-", "3|-|tag"}));
}

// Three intervals with files arriving between them, a rerun, a changed
// file, and a rerun whose file is gone.
TEST_F(FileExtractTest, NewFilesOnlyTakesWhatNoOtherIntervalTook) {
  TaskDef task = Task(R"(files: in/*.csv
incremental: new_files
to: "raw/ds={{ ds }}/x.parquet")");
  Write("in/a.csv", "id\n1\n");
  Write("in/b.csv", "id\n2\n");
  SetDay(1);
  Result<std::string> out = RunWithStore(task);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/ds=2024-03-01/x.parquet", "id", "id"), (std::vector<std::string>{"1", "2"}));

  Write("in/c.csv", "id\n3\n");
  SetDay(2);
  out = RunWithStore(task);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/ds=2024-03-02/x.parquet", "id", "id"), (std::vector<std::string>{"3"}));

  // b grows (size and time change): taken again by the next interval, and logged.
  Write("in/b.csv", "id\n2\n22\n", 1700000500);
  SetDay(3);
  out = RunWithStore(task);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/ds=2024-03-03/x.parquet", "id", "id"), (std::vector<std::string>{"2", "22"}));
  EXPECT_NE(Slurp(log_path()).find("in/b.csv changed since the interval of 2024-03-01T00:00:00Z took it"),
            std::string::npos)
      << Slurp(log_path());

  // A rerun of day 2 takes c again, not the files that arrived since.
  Write("in/d.csv", "id\n4\n");
  SetDay(2);
  out = RunWithStore(task);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/ds=2024-03-02/x.parquet", "id", "id"), (std::vector<std::string>{"3"}));
  Result<std::optional<SourceFileSet>> day2 =
      store_->SourceFilesFor("p", "ingest", FormatUtc(ParseUtcForTest("2024-03-02")));
  ASSERT_TRUE(day2.ok() && day2->has_value());
  ASSERT_EQ((*day2)->files.size(), 1u);
  EXPECT_EQ((*day2)->files[0].path, "in/c.csv");

  // A rerun of day 2 once c is gone fails naming it.
  std::filesystem::remove(root_ + "/in/c.csv");
  out = RunWithStore(task);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "source-file-gone");
  EXPECT_NE(out.status().message().find("'in/c.csv'"), std::string::npos) << out.status().message();
}

TEST_F(FileExtractTest, NoFileIsAnErrorUnlessEmptyIsAllowed) {
  TaskDef task = Task("{files: in/*.csv, incremental: new_files, to: raw/x.parquet}");
  Result<std::string> out = RunWithStore(task);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "no-files");
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);

  TaskDef allowed = Task("{files: in/*.csv, incremental: new_files, allow_empty: true, to: raw/x.parquet}");
  out = RunWithStore(allowed);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kSkip);  // nothing matched: no columns to give

  Write("in/a.csv", "id,name\n1,x\n");
  out = RunWithStore(allowed);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  SetDay(2);  // nothing new: no rows, a's columns
  out = RunWithStore(allowed);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(out->find("\"rows_written\": 0"), std::string::npos) << *out;
  auto db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok());
  auto columns = (*db)->Query("SELECT string_agg(column_name, ',') FROM (DESCRIBE SELECT * FROM read_parquet(" +
                              SqlString(root_ + "/lake/raw/x.parquet") + "))");
  ASSERT_TRUE(columns.ok());
  EXPECT_EQ(columns->rows[0][0], std::optional<std::string>("id,name"));
  out = RunWithStore(task);  // day 2 again, without allow_empty: nothing new
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "no-files");
}

// A bad row deep in the file (past DuckDB's sample), and one in its first
// rows (where DuckDB's sniffer gives up without naming a line).
TEST_F(FileExtractTest, AMalformedCsvRowFailsNamingTheFileAndLine) {
  std::string good = "id,name,amount\n";
  for (int i = 1; i <= 30000; ++i) good += std::to_string(i) + ",n" + std::to_string(i) + "," + std::to_string(i) + "\n";
  Write("deep/a.csv", "id,name,amount\n0,z,0\n");
  Write("deep/b.csv", good + "30001,x\n");
  Result<std::string> out = RunWithStore(Task("{files: deep/*.csv, to: raw/deep.parquet}"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "file-read");
  EXPECT_EQ(out.status().where().ToString(), "deep/b.csv:30002");
  EXPECT_NE(out.status().message().find("cannot read deep/b.csv, line 30002: Expected Number of Columns: 3 Found: 2"),
            std::string::npos)
      << out.status().message();
  EXPECT_FALSE(std::filesystem::exists(root_ + "/lake/raw/deep.parquet"));

  std::string early = "id;name;amount\n";
  for (int i = 1; i < 100; ++i) early += std::to_string(i) + ";n;" + std::to_string(i) + "\n";
  Write("early/a.csv", "id;name;amount\n0;z;0\n");
  Write("early/b.csv", early + "100;y\n101;n;101\n");
  out = RunWithStore(Task("{files: early/*.csv, format: {delimiter: ';'}, to: raw/early.parquet}"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "file-read");
  EXPECT_EQ(out.status().where().ToString(), "early/b.csv:101") << out.status().message();

  // Left to detect the delimiter, DuckDB would read this file as one
  // column named "id,name" without an error: the dialect is fixed.
  Write("short/b.csv", "id,name\n3,c\n4\n5,e\n");
  out = RunWithStore(Task("{files: short/*.csv, to: raw/short.parquet}"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().where().ToString(), "short/b.csv:3") << out.status().message();
}

TEST_F(FileExtractTest, AValueThatDoesNotFitTheDetectedTypeSaysHowToReadItAsText) {
  std::string rows = "id,amount\n";
  for (int i = 1; i <= 30000; ++i) rows += std::to_string(i) + "," + std::to_string(i) + ".5\n";
  Write("in/a.csv", rows + "30001,n/a\n");
  Result<std::string> out = RunWithStore(Task("{files: in/*.csv, to: raw/x.parquet}"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().where().ToString(), "in/a.csv:30002");
  EXPECT_NE(out.status().message().find("all_varchar"), std::string::npos) << out.status().message();
  out = RunWithStore(Task("{files: in/*.csv, format: {all_varchar: true}, to: raw/x.parquet}"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Rows("raw/x.parquet", "id, amount", "CAST(id AS INTEGER) DESC LIMIT 1"),
            (std::vector<std::string>{"30001|n/a"}));
}

// DuckDB counts an NDJSON error's line by records (blank lines left out),
// from 2: the line is the file's own.
TEST_F(FileExtractTest, MalformedJsonFailsNamingTheFileAndLine) {
  Write("in/a.ndjson", "{\"id\": 1}\n\n\n{\"id\": 2}\n{\"id\": \n{\"id\": 4}\n");
  Result<std::string> out = RunWithStore(Task("{files: in/*.ndjson, to: raw/x.parquet}"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "file-read");
  EXPECT_EQ(out.status().where().ToString(), "in/a.ndjson:5") << out.status().message();
  EXPECT_NE(out.status().message().find("cannot read in/a.ndjson, line 5: Malformed JSON in file \"in/a.ndjson\""),
            std::string::npos)
      << out.status().message();
  EXPECT_NE(out.status().message().find(" in line 5: "), std::string::npos) << out.status().message();
}

// Bad rows go to the rejects table with their file, line and reason; the
// good rows are written.
TEST_F(FileExtractTest, RejectsKeepBadCsvRowsWithFileAndLine) {
  Write("in/a.csv", "id,amount\n1,10\n2\n3,30\n");
  Write("in/b.csv", "id,amount\n4,40\n5,50,extra\n");
  Result<std::string> out =
      RunWithStore(Task("{files: in/*.csv, rejects: {table: rejects.orders}, to: raw/x.parquet}"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(out->find("\"rejected\": 2"), std::string::npos) << *out;
  EXPECT_EQ(Rows("raw/x.parquet", "id", "id"), (std::vector<std::string>{"1", "3", "4"}));
  auto warehouse = DuckDbConnection::Open(root_ + "/warehouse.duckdb");
  ASSERT_TRUE(warehouse.ok());
  auto rejected = (*warehouse)->Query("SELECT source, row_json::JSON->>'line' FROM rejects.orders ORDER BY source");
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  ASSERT_EQ(rejected->rows.size(), 2u);
  EXPECT_EQ(rejected->rows[0][0], std::optional<std::string>("in/a.csv:3"));
  EXPECT_EQ(rejected->rows[0][1], std::optional<std::string>("2"));
  EXPECT_EQ(rejected->rows[1][0], std::optional<std::string>("in/b.csv:3"));
}

// Two intervals running at once may plan the same new file; the second to
// record it finds it taken and fails with a fault (its retry leaves it out).
TEST_F(FileExtractTest, AFileTakenMeanwhileByAnotherIntervalIsAFault) {
  auto file = [](const std::string& path, int64_t size) {
    return SourceFile{path, size, TimePoint(std::chrono::seconds(1700000000))};
  };
  SourceFileSet mine{"p", "ingest", "2024-03-02T00:00:00Z", {file("in/a.csv", 5), file("in/b.csv", 7)}, {}};
  std::vector<SourceFileSet> sets = {
      {"p", "ingest", "2024-03-01T00:00:00Z", {file("in/b.csv", 6)}, {}},  // an older version of b
      {"p", "ingest", "2024-03-02T00:00:00Z", {file("in/a.csv", 5)}, {}},  // this interval's own
  };
  EXPECT_TRUE(CheckNotTakenMeanwhile(sets, mine).ok());
  sets.push_back({"p", "ingest", "2024-03-03T00:00:00Z", {file("in/b.csv", 7)}, {}});
  Status taken = CheckNotTakenMeanwhile(sets, mine);
  EXPECT_EQ(taken.code(), "source-file-taken");
  EXPECT_TRUE(taken.retryable());
  EXPECT_NE(taken.message().find("'in/b.csv' was taken by the interval of 2024-03-03T00:00:00Z"), std::string::npos)
      << taken.message();
}

}  // namespace
}  // namespace weir
