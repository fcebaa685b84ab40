// The lake interface on a local folder, and lake globs as a remote lake
// matches them.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "tasks/internal/lake.h"
#include "tasks/tests/task_test_base.h"

namespace weir::tasks_internal {
namespace {

namespace fs = std::filesystem;

TEST(LakeGlobTest, WildcardsMatchWithinOneName) {
  EXPECT_TRUE(GlobMatches("raw/ds=2024-03-05/*.csv", "raw/ds=2024-03-05/part-1.csv"));
  EXPECT_FALSE(GlobMatches("raw/ds=2024-03-05/*.csv", "raw/ds=2024-03-05/sub/part-1.csv"));
  EXPECT_FALSE(GlobMatches("raw/*.csv", "raw/ds=1"));
  EXPECT_TRUE(GlobMatches("raw/part-?.csv", "raw/part-7.csv"));
  EXPECT_FALSE(GlobMatches("raw/part-?.csv", "raw/part-17.csv"));
  EXPECT_TRUE(GlobMatches("raw/part-[0-3].csv", "raw/part-3.csv"));
  EXPECT_FALSE(GlobMatches("raw/part-[0-3].csv", "raw/part-4.csv"));
  EXPECT_FALSE(GlobMatches("raw/*", "raw/.hidden"));  // as glob(3) and ls: dot files only explicitly
  EXPECT_TRUE(GlobMatches("raw/.*", "raw/.hidden"));
  EXPECT_TRUE(GlobMatches("raw/a.csv", "raw/a.csv"));
  EXPECT_FALSE(GlobMatches("raw/a.csv", "raw/a.csvx"));
}

TEST(LakeGlobTest, DoubleStarSpansAnyNumberOfFolders) {
  EXPECT_TRUE(GlobMatches("raw/**/*.parquet", "raw/x.parquet"));
  EXPECT_TRUE(GlobMatches("raw/**/*.parquet", "raw/a/b/c/x.parquet"));
  EXPECT_FALSE(GlobMatches("raw/**/*.parquet", "processed/a/x.parquet"));
  EXPECT_FALSE(GlobMatches("raw/**/*.parquet", "raw/a/x.csv"));
}

TEST(LakeGlobTest, TheLiteralPrefixEndsAtTheFirstWildcard) {
  EXPECT_EQ(GlobLiteralPrefix("raw/ds=2024-03-05/*.csv"), "raw/ds=2024-03-05/");
  EXPECT_EQ(GlobLiteralPrefix("raw/part-[0-3].csv"), "raw/part-");
  EXPECT_EQ(GlobLiteralPrefix("*.csv"), "");
  EXPECT_EQ(GlobLiteralPrefix("raw/a.csv"), "raw/a.csv");
  EXPECT_FALSE(HasGlob("raw/a.csv"));
  EXPECT_TRUE(HasGlob("raw/a?.csv"));
}

TEST(LakePathTest, PathsStayInsideTheLake) {
  EXPECT_EQ(*NormalLakePath("raw/sales/ds=2024-01-01/x.parquet"), "raw/sales/ds=2024-01-01/x.parquet");
  EXPECT_EQ(*NormalLakePath("raw//./x.csv"), "raw/x.csv");
  EXPECT_EQ(*NormalLakePath("v1..2/x.csv"), "v1..2/x.csv");  // '..' inside a name is fine
  EXPECT_EQ(NormalLakePath("../outside.csv").status().code(), "bad-lake-path");
  EXPECT_EQ(NormalLakePath("raw/../../x.csv").status().code(), "bad-lake-path");
  EXPECT_EQ(NormalLakePath("raw/../x.csv").status().code(), "bad-lake-path");
  EXPECT_EQ(NormalLakePath("/tmp/x.csv").status().code(), "bad-lake-path");
}

TEST(LakePathTest, TheTemplateValueIsTheFolderOrTheUri) {
  ProjectDef project;
  project.root = "/projects/shop";
  project.lake = "lake/";
  EXPECT_EQ(LakeTemplateValue(project), "/projects/shop/lake/");
  project.lake = "file:///data/lake/";
  EXPECT_EQ(LakeTemplateValue(project), "/data/lake/");
  project.lake = "s3://shop-lake/team/lake/";
  EXPECT_EQ(LakeTemplateValue(project), "s3://shop-lake/team/lake/");
  project.lake = "s3://shop-lake";
  EXPECT_EQ(LakeTemplateValue(project), "s3://shop-lake/");
}

class LocalLakeTest : public TaskTestBase {
 protected:
  LocalLakeTest() : TaskTestBase("sql", "t", "x") {}

  std::unique_ptr<Lake> Open() {
    Result<std::unique_ptr<Lake>> lake = OpenLake(project_, services_, cancel_, TimePoint::max());
    EXPECT_TRUE(lake.ok()) << lake.status().ToString();
    return lake.ok() ? std::move(*lake) : nullptr;
  }
  void Write(const std::string& relative, const std::string& text) {
    fs::path path = fs::path(root_) / "lake" / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
};

TEST_F(LocalLakeTest, OutputsAreWrittenInPlaceAndInputsReadInPlace) {
  std::unique_ptr<Lake> lake = Open();
  ASSERT_NE(lake, nullptr);
  Result<LakeOutput> out = lake->Output("processed/./x.csv");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->relative, "processed/x.csv");
  EXPECT_EQ(out->path, root_ + "/lake/processed/x.csv");
  EXPECT_TRUE(lake->Publish(*out).ok());
  Write("processed/x.csv", "a\n1\n");
  Result<std::string> in = lake->Input("processed/x.csv", "input 'x'", SourceLocation{"p.yml", 4, 9});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(*in, root_ + "/lake/processed/x.csv");
  Result<std::string> missing = lake->Input("processed/y.csv", "input 'y'", SourceLocation{"p.yml", 5, 9});
  EXPECT_EQ(missing.status().code(), "input-missing");
  EXPECT_EQ(missing.status().where().ToString(), "p.yml:5:9");
  EXPECT_EQ(missing.status().message(), "input 'y' does not exist: processed/y.csv");
  EXPECT_EQ(*lake->Inputs("processed/*.csv", {}), root_ + "/lake/processed/*.csv");  // DuckDB expands it
  EXPECT_EQ(lake->Output("../x.csv").status().code(), "bad-lake-path");
}

TEST_F(LocalLakeTest, MatchesAreFinishedFilesOrFoldersHoldingOne) {
  Write("raw/ds=1/a.csv", "x");
  Write("raw/ds=2/b.csv.weir-tmp-12-1", "half");  // still being written
  Write("raw/ds=3/deep/c.csv", "x");
  fs::create_directories(fs::path(root_) / "lake/raw/ds=4");  // empty
  std::unique_ptr<Lake> lake = Open();
  ASSERT_NE(lake, nullptr);
  EXPECT_EQ(*lake->Matches("raw/*"), (std::vector<std::string>{"raw/ds=1", "raw/ds=3"}));
  EXPECT_EQ(*lake->Matches("raw/*/*.csv"), (std::vector<std::string>{"raw/ds=1/a.csv"}));
  EXPECT_TRUE(lake->Matches("nothing/*")->empty());
}

}  // namespace
}  // namespace weir::tasks_internal
