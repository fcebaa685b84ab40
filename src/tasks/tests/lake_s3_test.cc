// The lake interface on an S3 bucket: s3rver (npm) on loopback, started
// for this suite and stopped after it. What the lake wrote is read back
// through a separate ObjectStore, and what it read is compared with the
// bytes the test put there.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>

#include "connectors/tests/s3_test_server.h"
#include "tasks/internal/lake.h"
#include "tasks/tests/task_test_base.h"

namespace weir::tasks_internal {
namespace {

namespace fs = std::filesystem;
using testing::S3rverProcess;

const char kBucket[] = "weir-lake";
constexpr uint64_t kMiB = 1 << 20;

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xFF);
  return bytes;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Every file under `dir`, relative to it, sorted.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(fs::relative(it->path(), dir).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class S3LakeTest : public TaskTestBase {
 protected:
  S3LakeTest() : TaskTestBase("sql", "t", "x") {}

  static void SetUpTestSuite() {
    Result<std::unique_ptr<S3rverProcess>> started = S3rverProcess::Start(kBucket);
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    server_ = std::move(started).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr) << "s3rver did not start";
    TaskTestBase::SetUp();
    // Each test has a prefix of its own in the one bucket.
    prefix_ = std::string("lake/") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    project_.lake = std::string("s3://") + kBucket + "/" + prefix_ + "/";
    project_.lake_options.endpoint = server_->endpoint();
    project_.lake_options.addressing = "path";
    env_.Set("AWS_ACCESS_KEY_ID", S3rverProcess::kAccessKeyId);
    env_.Set("AWS_SECRET_ACCESS_KEY", S3rverProcess::kSecretAccessKey);
    ObjectStoreOptions options;
    options.endpoint = server_->endpoint();
    options.bucket = kBucket;
    options.addressing = ObjectStoreAddressing::kPathStyle;
    Result<std::unique_ptr<ObjectStore>> store = ObjectStore::Open(options, env_, clock_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  std::unique_ptr<Lake> Open() {
    Result<std::unique_ptr<Lake>> lake = OpenLake(project_, services_, cancel_, Deadline());
    EXPECT_TRUE(lake.ok()) << lake.status().ToString();
    return lake.ok() ? std::move(*lake) : nullptr;
  }

  // The object `relative` of this test's lake, put or read directly.
  void Put(const std::string& relative, const std::string& bytes) {
    std::string local = root_ + "/put.tmp";
    WriteBytes(local, bytes);
    Status put = store_->PutObject(prefix_ + "/" + relative, local, cancel_, Deadline());
    ASSERT_TRUE(put.ok()) << put.ToString();
  }
  std::string Get(const std::string& relative) {
    std::string local = root_ + "/get.tmp";
    Status got = store_->GetObject(prefix_ + "/" + relative, local, cancel_, Deadline());
    EXPECT_TRUE(got.ok()) << got.ToString();
    return ReadBytes(local);
  }
  std::vector<std::string> Keys() {
    std::vector<std::string> keys;
    Result<std::vector<ObjectInfo>> listed = store_->ListObjects(prefix_ + "/", cancel_, Deadline());
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    if (!listed.ok()) return keys;
    for (const ObjectInfo& object : *listed) keys.push_back(object.key);
    return keys;
  }
  std::string CacheFolder(const std::string& relative) const {
    return root_ + "/.weir/lake-cache/" + kBucket + "/" + prefix_ + "/" + relative;
  }

  static TimePoint Deadline() { return std::chrono::system_clock::now() + std::chrono::minutes(2); }

  static S3rverProcess* server_;
  SystemClock clock_;
  std::string prefix_;
  std::unique_ptr<ObjectStore> store_;
};

S3rverProcess* S3LakeTest::server_ = nullptr;

TEST_F(S3LakeTest, AnOutputIsUploadedWholeUnderThePrefixAndItsLocalCopyRemoved) {
  std::unique_ptr<Lake> lake = Open();
  ASSERT_NE(lake, nullptr);
  Result<LakeOutput> out = lake->Output("processed/ds=2024-03-05/sales.csv");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->path.rfind(root_ + "/.weir/tmp/", 0), 0u) << out->path;
  EXPECT_TRUE(Keys().empty());
  WriteBytes(out->path, "id,amount\n1,9.5\n");
  EXPECT_TRUE(Keys().empty());  // nothing appears before the file is published
  Status published = lake->Publish(*out);
  ASSERT_TRUE(published.ok()) << published.ToString();
  EXPECT_EQ(Keys(), (std::vector<std::string>{prefix_ + "/processed/ds=2024-03-05/sales.csv"}));
  EXPECT_EQ(Get("processed/ds=2024-03-05/sales.csv"), "id,amount\n1,9.5\n");
  EXPECT_FALSE(fs::exists(out->path));
  EXPECT_EQ(lake->Name("processed/x.csv"), "s3://weir-lake/" + prefix_ + "/processed/x.csv");
}

TEST_F(S3LakeTest, ARetriedAttemptOverwritesTheSameKey) {
  for (const std::string& content : {std::string("first attempt\n"), std::string("second\n")}) {
    std::unique_ptr<Lake> lake = Open();
    ASSERT_NE(lake, nullptr);
    Result<LakeOutput> out = lake->Output("raw/x.csv");
    ASSERT_TRUE(out.ok());
    WriteBytes(out->path, content);
    ASSERT_TRUE(lake->Publish(*out).ok());
  }
  EXPECT_EQ(Keys(), (std::vector<std::string>{prefix_ + "/raw/x.csv"}));
  EXPECT_EQ(Get("raw/x.csv"), "second\n");
}

TEST_F(S3LakeTest, AFileLargerThanAPartGoesUpInPartsAndComesBackWhole) {
  project_.lake_options.part_size = 5 * kMiB;
  std::string bytes = RandomBytes(11 * kMiB + 333, 5);
  std::unique_ptr<Lake> lake = Open();
  Result<LakeOutput> out = lake->Output("big/blob.parquet");
  ASSERT_TRUE(out.ok());
  WriteBytes(out->path, bytes);
  Status published = lake->Publish(*out);
  ASSERT_TRUE(published.ok()) << published.ToString();
  EXPECT_TRUE(Get("big/blob.parquet") == bytes);
  Result<std::string> in = lake->Input("big/blob.parquet", "the blob", {});
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_TRUE(ReadBytes(*in) == bytes);
}

TEST_F(S3LakeTest, ThePartSizeOfLakeOptionsReachesTheStore) {
  project_.lake_options.part_size = kMiB;  // below S3's smallest: the store refuses it
  std::unique_ptr<Lake> lake = Open();
  Result<LakeOutput> out = lake->Output("raw/x.csv");
  ASSERT_TRUE(out.ok());
  WriteBytes(out->path, "x");
  EXPECT_EQ(lake->Publish(*out).code(), "s3-config");
}

TEST_F(S3LakeTest, AnInputIsDownloadedOnceAndReadAgainUntilItsEtagChanges) {
  Put("raw/orders.csv", "id\n1\n");
  std::unique_ptr<Lake> lake = Open();
  Result<std::string> first = lake->Input("raw/orders.csv", "input 'orders'", {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(ReadBytes(*first), "id\n1\n");
  std::vector<std::string> cached = FilesUnder(CacheFolder("raw/orders.csv"));
  ASSERT_EQ(cached.size(), 1u);
  EXPECT_EQ(cached[0].front(), '@');  // named by its ETag

  // The cached copy is what the next attempt reads while the ETag holds:
  // marked here, the mark comes back, so nothing was downloaded again.
  std::string cached_path = CacheFolder("raw/orders.csv") + "/" + cached[0];
  fs::remove(cached_path);
  WriteBytes(cached_path, "id\nfrom the cache\n");
  std::unique_ptr<Lake> second_attempt = Open();
  EXPECT_EQ(ReadBytes(*second_attempt->Input("raw/orders.csv", "input 'orders'", {})), "id\nfrom the cache\n");

  // A new version of the object has another ETag: downloaded, and the old
  // copy goes.
  Put("raw/orders.csv", "id\n1\n2\n");
  std::unique_ptr<Lake> third_attempt = Open();
  EXPECT_EQ(ReadBytes(*third_attempt->Input("raw/orders.csv", "input 'orders'", {})), "id\n1\n2\n");
  std::vector<std::string> now_cached = FilesUnder(CacheFolder("raw/orders.csv"));
  ASSERT_EQ(now_cached.size(), 1u);
  EXPECT_NE(now_cached[0], cached[0]);
  // The first attempt's copy stays as it was staged, whatever the cache does.
  EXPECT_EQ(ReadBytes(*first), "id\n1\n");
}

TEST_F(S3LakeTest, AMissingInputIsAUserErrorWhereItIsNamed) {
  std::unique_ptr<Lake> lake = Open();
  Result<std::string> missing = lake->Input("raw/none.csv", "input 'none'", SourceLocation{"pipelines/p.yml", 7, 12});
  EXPECT_EQ(missing.status().code(), "input-missing");
  EXPECT_EQ(missing.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(missing.status().where().ToString(), "pipelines/p.yml:7:12");
  EXPECT_NE(missing.status().message().find("s3://weir-lake/" + prefix_ + "/raw/none.csv"), std::string::npos)
      << missing.status().message();
  EXPECT_EQ(lake->Input("../x.csv", "x", {}).status().code(), "bad-lake-path");
}

TEST_F(S3LakeTest, AGlobStagesExactlyTheObjectsItMatches) {
  Put("raw/ds=1/a.csv", "n\n1\n");
  Put("raw/ds=1/b.csv", "n\n2\n");
  Put("raw/ds=1/notes.txt", "not a csv");
  Put("raw/ds=1/sub/c.csv", "n\n3\n");
  Put("raw/ds=2/a.csv", "n\n4\n");
  std::unique_ptr<Lake> lake = Open();
  Result<std::string> glob = lake->Inputs("raw/ds=1/*.csv", {});
  ASSERT_TRUE(glob.ok()) << glob.status().ToString();
  EXPECT_EQ(*glob, lake->InputRoot() + "/raw/ds=1/*.csv");
  EXPECT_EQ(FilesUnder(lake->InputRoot()), (std::vector<std::string>{"raw/ds=1/a.csv", "raw/ds=1/b.csv"}));
  EXPECT_EQ(ReadBytes(lake->InputRoot() + "/raw/ds=1/b.csv"), "n\n2\n");

  // DuckDB reads the staged glob as it would read the lake's.
  auto db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok());
  auto sum = (*db)->QueryValue("SELECT sum(n) FROM read_csv(" + SqlString(*glob) + ")");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->value_or(""), "3");

  Result<std::string> everything = lake->Inputs("raw/**/*.csv", {});
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(FilesUnder(lake->InputRoot()), (std::vector<std::string>{"raw/ds=1/a.csv", "raw/ds=1/b.csv",
                                                                     "raw/ds=1/sub/c.csv", "raw/ds=2/a.csv"}));
  EXPECT_EQ(lake->Inputs("raw/ds=9/*.csv", SourceLocation{"c.yml", 2, 7}).status().code(), "input-missing");
  std::string root = lake->InputRoot();
  lake.reset();
  EXPECT_FALSE(fs::exists(root));  // the attempt's copies go with it
}

TEST_F(S3LakeTest, SensorMatchesAreObjectsOrFoldersHoldingOne) {
  Put("raw/ds=1/a.csv", "x");
  Put("raw/ds=3/deep/c.csv", "x");
  Put("rawer/ds=1/z.csv", "x");  // shares the listing prefix "raw", not the pattern
  std::unique_ptr<Lake> lake = Open();
  EXPECT_EQ(*lake->Matches("raw/*"), (std::vector<std::string>{"raw/ds=1", "raw/ds=3"}));
  EXPECT_EQ(*lake->Matches("raw*/ds=1/*.csv"), (std::vector<std::string>{"raw/ds=1/a.csv", "rawer/ds=1/z.csv"}));
  EXPECT_EQ(*lake->Matches("raw/ds=3"), (std::vector<std::string>{"raw/ds=3"}));
  EXPECT_TRUE(lake->Matches("raw/ds=2/*")->empty());
}

TEST_F(S3LakeTest, ObjectsOutsideTheLakePrefixAreNotTheLakes) {
  std::string outside = root_ + "/outside.csv";
  WriteBytes(outside, "x");
  ASSERT_TRUE(store_->PutObject(prefix_ + "-other/raw/a.csv", outside, cancel_, Deadline()).ok());
  std::unique_ptr<Lake> lake = Open();
  EXPECT_TRUE(lake->Matches("raw/*")->empty());
  EXPECT_EQ(lake->Input("raw/a.csv", "a", {}).status().code(), "input-missing");
}

TEST_F(S3LakeTest, TheEndpointAndRegionMayComeFromTheEnvironment) {
  project_.lake_options.endpoint = "";
  env_.Set("AWS_ENDPOINT_URL", server_->endpoint());
  Put("raw/a.csv", "a");
  EXPECT_EQ(ReadBytes(*Open()->Input("raw/a.csv", "a", {})), "a");
  project_.lake_options.endpoint = "{{ env_var('LAKE_ENDPOINT') }}";
  env_.Set("AWS_ENDPOINT_URL", "http://127.0.0.1:1");  // the template wins
  env_.Set("LAKE_ENDPOINT", server_->endpoint());
  EXPECT_EQ(ReadBytes(*Open()->Input("raw/a.csv", "a", {})), "a");
}

TEST_F(S3LakeTest, MissingCredentialsFailOnFirstUseOnly) {
  FakeEnvironment no_keys;
  TaskServices services{processes_, no_keys, files_, duckdb_};
  Result<std::unique_ptr<Lake>> lake = OpenLake(project_, services, cancel_, Deadline());
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();  // a task that never touches the lake runs
  Result<std::string> in = (*lake)->Input("raw/a.csv", "a", {});
  EXPECT_EQ(in.status().code(), "s3-credentials");
  EXPECT_EQ(in.status().kind(), ErrorKind::kUser);
}

}  // namespace
}  // namespace weir::tasks_internal
