#include <gtest/gtest.h>

#include "tasks/internal/data.h"

namespace weir::tasks_internal {
namespace {

class DataTest : public ::testing::Test {
 protected:
  DataTest() {
    project_.root = "/projects/shop";
    project_.lake = "lake/";
  }
  TaskContext Context() {
    return TaskContext{project_, pipeline_, task_, run_, interval_, 1, "", TimePoint::max(), cancel_};
  }
  ProjectDef project_;
  PipelineDef pipeline_;
  TaskDef task_;
  RunRecord run_;
  DataInterval interval_;
  CancelToken cancel_;
};

TEST_F(DataTest, FormatsComeFromTheExtension) {
  EXPECT_EQ(*FormatOf("a/b.parquet", {}), FileFormat::kParquet);
  EXPECT_EQ(*FormatOf("a/b.csv", {}), FileFormat::kCsv);
  EXPECT_EQ(*FormatOf("a/b.ndjson", {}), FileFormat::kNdjson);
  EXPECT_EQ(*FormatOf("a/b.json", {}), FileFormat::kJson);
  EXPECT_EQ(FormatOf("a/b.xlsx", SourceLocation{"p.yml", 3, 9}).status().where().ToString(), "p.yml:3:9");
  // Lake folders named ds=... must not turn into columns.
  EXPECT_NE(ReadFileSql("/l/ds=1/x.parquet", FileFormat::kParquet).find("hive_partitioning = false"),
            std::string::npos);
}

}  // namespace
}  // namespace weir::tasks_internal
