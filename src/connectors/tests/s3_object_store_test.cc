// Round trips through a real S3 implementation: s3rver (npm) on loopback,
// started for this suite and stopped after it. Contents are checked by
// SHA-256 and MD5 computed here with OpenSSL, independently of the client.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "common/files.h"
#include "connectors/connectors.h"
#include "connectors/tests/s3_test_server.h"

namespace weir {
namespace {

using testing::S3rverProcess;

constexpr uint64_t kMiB = 1 << 20;
const char kBucket[] = "weir-test";

std::string Digest(const EVP_MD* kind, const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, kind, nullptr);
  std::string hex;
  char pair[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(pair, sizeof pair, "%02x", digest[i]);
    hex += pair;
  }
  return hex;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random() & 0xFF);
  return bytes;
}

class S3ObjectStoreTest : public ::testing::Test {
 protected:
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
    const char* base = std::getenv("WEIR_TEST_TMP");
    std::filesystem::path root = base != nullptr ? base : std::filesystem::temp_directory_path().string();
    std::filesystem::create_directories(root);
    dir_ = (root / "s3-store-XXXXXX").string();
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
    store_ = Open([](ObjectStoreOptions&) {});
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ObjectStore> Open(const std::function<void(ObjectStoreOptions&)>& adjust) {
    ObjectStoreOptions options;
    options.endpoint = server_->endpoint();
    options.bucket = kBucket;
    options.part_size = 5 * kMiB;
    adjust(options);
    // The keys come from the environment, as in production.
    FakeEnvironment env({{"AWS_ACCESS_KEY_ID", S3rverProcess::kAccessKeyId},
                         {"AWS_SECRET_ACCESS_KEY", S3rverProcess::kSecretAccessKey}});
    Result<std::unique_ptr<ObjectStore>> store = ObjectStore::Open(options, env, clock_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  std::string File(const std::string& name) const { return dir_ + "/" + name; }

  // Uploads `bytes` as `key`, downloads it again, and checks size, ETag and content.
  void RoundTrip(ObjectStore& store, const std::string& key, const std::string& bytes) {
    WriteFile(File("up"), bytes);
    Status put = store.PutObject(key, File("up"), cancel_, Deadline());
    ASSERT_TRUE(put.ok()) << put.ToString();
    Result<ObjectInfo> head = store.HeadObject(key, cancel_, Deadline());
    ASSERT_TRUE(head.ok()) << head.status().ToString();
    EXPECT_EQ(head->key, key);
    EXPECT_EQ(head->size, bytes.size());
    EXPECT_EQ(head->etag, Digest(EVP_md5(), bytes));  // s3rver's ETag: the content's MD5, multipart or not
    Status get = store.GetObject(key, File("down/copy"), cancel_, Deadline());
    ASSERT_TRUE(get.ok()) << get.ToString();
    EXPECT_EQ(Digest(EVP_sha256(), ReadFile(File("down/copy"))), Digest(EVP_sha256(), bytes)) << key;
  }

  static TimePoint Deadline() { return std::chrono::system_clock::now() + std::chrono::minutes(2); }

  static S3rverProcess* server_;
  SystemClock clock_;
  CancelToken cancel_;
  std::string dir_;
  std::unique_ptr<ObjectStore> store_;
};

S3rverProcess* S3ObjectStoreTest::server_ = nullptr;

TEST_F(S3ObjectStoreTest, SmallObjectRoundTrip) {
  RoundTrip(*store_, "small/data.csv", "id,name\n1,ada\n2,grace\n");
}

TEST_F(S3ObjectStoreTest, EmptyObjectRoundTrip) {
  RoundTrip(*store_, "empty/zero.bin", "");
  EXPECT_EQ(std::filesystem::file_size(File("down/copy")), 0u);
}

TEST_F(S3ObjectStoreTest, KeysWithSpacesUnicodePlusAndEquals) {
  const std::string key = "odd keys/a b+c=d&e \xC3\xA9t\xC3\xA9 \xE2\x9C\x93 (1)~$.txt";
  RoundTrip(*store_, key, "odd\n");
  Result<std::vector<ObjectInfo>> listed = store_->ListObjects("odd keys/", cancel_, Deadline());
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, key);
  EXPECT_EQ((*listed)[0].size, 4u);
}

TEST_F(S3ObjectStoreTest, MultipartUploadOfSeveralPartsKeepsEveryByte) {
  // Three 5 MiB parts and a short fourth, two uploaded at once.
  RoundTrip(*store_, "big/file.bin", RandomBytes(15 * kMiB + 12345, 7));
}

TEST_F(S3ObjectStoreTest, MultipartUploadOnePartAtATime) {
  std::unique_ptr<ObjectStore> store = Open([](ObjectStoreOptions& o) { o.upload_parallelism = 1; });
  RoundTrip(*store, "big/serial.bin", RandomBytes(10 * kMiB + 1, 11));
}

TEST_F(S3ObjectStoreTest, ReadRangeReadsPartOfAnObject) {
  WriteFile(File("up"), "0123456789abcdef");
  ASSERT_TRUE(store_->PutObject("range/r.txt", File("up"), cancel_, Deadline()).ok());
  EXPECT_EQ(store_->ReadRange("range/r.txt", 10, 4, cancel_, Deadline()).value(), "abcd");
  EXPECT_EQ(store_->ReadRange("range/r.txt", 12, 100, cancel_, Deadline()).value(), "cdef");
}

TEST_F(S3ObjectStoreTest, ListWithPrefixOverSeveralPages) {
  std::unique_ptr<ObjectStore> store = Open([](ObjectStoreOptions& o) { o.list_page_size = 2; });
  std::vector<std::string> keys = {"list/a/1.csv", "list/a/2.csv", "list/a/3.csv", "list/a/sub/4.csv",
                                   "list/a/5.csv"};
  for (const std::string& key : keys) {
    WriteFile(File("up"), key);  // each object holds its own key: sizes differ
    ASSERT_TRUE(store->PutObject(key, File("up"), cancel_, Deadline()).ok()) << key;
  }
  WriteFile(File("up"), "x");
  ASSERT_TRUE(store->PutObject("list/b/1.csv", File("up"), cancel_, Deadline()).ok());
  ASSERT_TRUE(store->PutObject("list/a", File("up"), cancel_, Deadline()).ok());

  std::vector<size_t> page_sizes;
  std::vector<ObjectInfo> objects;
  Status listed = store->ListObjectPages(
      "list/a/",
      [&](const std::vector<ObjectInfo>& page) {
        page_sizes.push_back(page.size());
        objects.insert(objects.end(), page.begin(), page.end());
        return OkStatus();
      },
      cancel_, Deadline());
  ASSERT_TRUE(listed.ok()) << listed.ToString();
  EXPECT_EQ(page_sizes, (std::vector<size_t>{2, 2, 1}));
  std::sort(keys.begin(), keys.end());
  ASSERT_EQ(objects.size(), keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(objects[i].key, keys[i]);
    EXPECT_EQ(objects[i].size, keys[i].size());
    EXPECT_EQ(objects[i].etag, Digest(EVP_md5(), keys[i]));
  }
}

TEST_F(S3ObjectStoreTest, HeadAndGetOfAMissingKeyAreNotFound) {
  Result<ObjectInfo> head = store_->HeadObject("missing/none.csv", cancel_, Deadline());
  EXPECT_EQ(head.status().code(), "s3-not-found");
  EXPECT_EQ(head.status().kind(), ErrorKind::kUser);
  Status get = store_->GetObject("missing/none.csv", File("none.csv"), cancel_, Deadline());
  EXPECT_EQ(get.code(), "s3-not-found");
  EXPECT_NE(get.message().find("s3://weir-test/missing/none.csv"), std::string::npos) << get.message();
  EXPECT_NE(get.message().find("NoSuchKey"), std::string::npos) << get.message();
  EXPECT_FALSE(std::filesystem::exists(File("none.csv")));
}

TEST_F(S3ObjectStoreTest, DeleteRemovesTheObject) {
  WriteFile(File("up"), "bye");
  ASSERT_TRUE(store_->PutObject("delete/me.txt", File("up"), cancel_, Deadline()).ok());
  ASSERT_TRUE(store_->HeadObject("delete/me.txt", cancel_, Deadline()).ok());
  Status deleted = store_->DeleteObject("delete/me.txt", cancel_, Deadline());
  ASSERT_TRUE(deleted.ok()) << deleted.ToString();
  EXPECT_EQ(store_->HeadObject("delete/me.txt", cancel_, Deadline()).status().code(), "s3-not-found");
  // As in S3, deleting what is not there succeeds.
  EXPECT_TRUE(store_->DeleteObject("delete/me.txt", cancel_, Deadline()).ok());
}

TEST_F(S3ObjectStoreTest, VirtualHostAddressing) {
  // weir-test.s3.amazonaws.com, reached on loopback: s3rver takes the
  // bucket from the host name.
  std::unique_ptr<ObjectStore> store = Open([&](ObjectStoreOptions& o) {
    o.endpoint = "http://s3.amazonaws.com";
    o.addressing = ObjectStoreAddressing::kVirtualHost;
    o.connect_to = "127.0.0.1:" + std::to_string(server_->port());
  });
  RoundTrip(*store, "vhost/v.txt", "virtual\n");
  // The object is the same one the path-style client sees.
  EXPECT_EQ(store_->HeadObject("vhost/v.txt", cancel_, Deadline())->size, 8u);
}

TEST_F(S3ObjectStoreTest, UnknownAccessKeyIsAccessDenied) {
  std::unique_ptr<ObjectStore> store =
      Open([](ObjectStoreOptions& o) { o.credentials = ObjectStoreCredentials{"NOBODY", "SECRET", ""}; });
  Status head = store->HeadObject("small/data.csv", cancel_, Deadline()).status();
  EXPECT_EQ(head.code(), "s3-access-denied");
  WriteFile(File("up"), "x");
  Status put = store->PutObject("denied.txt", File("up"), cancel_, Deadline());
  EXPECT_EQ(put.code(), "s3-access-denied");
  EXPECT_NE(put.message().find("InvalidAccessKeyId"), std::string::npos) << put.message();
}

}  // namespace
}  // namespace weir
