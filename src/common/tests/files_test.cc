#include "common/files.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <unistd.h>

namespace weir {
namespace {

TEST(FakeFilesystemTest, ListsFilesDirectlyInFolderBySuffix) {
  FakeFilesystem fs;
  ASSERT_TRUE(fs.WriteFile("p/pipelines/b.yml", "b").ok());
  ASSERT_TRUE(fs.WriteFile("p/pipelines/a.yaml", "a").ok());
  ASSERT_TRUE(fs.WriteFile("p/pipelines/notes.txt", "n").ok());
  ASSERT_TRUE(fs.WriteFile("p/pipelines/sub/c.yml", "c").ok());
  EXPECT_EQ(fs.ListFiles("p/pipelines", {".yml", ".yaml"}),
            (std::vector<std::string>{"p/pipelines/a.yaml", "p/pipelines/b.yml"}));
  EXPECT_TRUE(fs.IsDirectory("p/pipelines"));
  EXPECT_FALSE(fs.IsDirectory("p/pipe"));
  EXPECT_EQ(*fs.ReadFile("p/pipelines/b.yml"), "b");
  EXPECT_EQ(fs.ReadFile("p/x.yml").status().code(), "file-not-found");
}

TEST(LocalFilesystemTest, WriteIsAtomicAndReadable) {
  std::string dir = std::filesystem::temp_directory_path() / ("weir-files-" + std::to_string(::getpid()));
  LocalFilesystem fs;
  ASSERT_TRUE(fs.WriteFile(dir + "/sub/x.txt", "hello").ok());
  EXPECT_EQ(*fs.ReadFile(dir + "/sub/x.txt"), "hello");
  EXPECT_EQ(fs.ListFiles(dir + "/sub", {".txt"}), std::vector<std::string>{dir + "/sub/x.txt"});
  Result<std::string> missing = fs.ReadFile(dir + "/nope");
  EXPECT_EQ(missing.status().where().file, dir + "/nope");
  std::filesystem::remove_all(dir);
}

TEST(EnvironmentTest, FakeAndRealLookups) {
  FakeEnvironment env({{"A", "1"}});
  EXPECT_EQ(env.Get("A"), "1");
  EXPECT_EQ(env.Get("B"), std::nullopt);
  ::setenv("WEIR_FILES_TEST_VAR", "xyz", 1);
  EXPECT_EQ(ProcessEnvironment().Get("WEIR_FILES_TEST_VAR"), "xyz");
}

}  // namespace
}  // namespace weir
