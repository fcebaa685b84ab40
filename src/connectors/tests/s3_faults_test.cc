// The object store against a scripted server: faults tried again with
// backoff (on a FakeClock, so no test sleeps), user errors at once, S3's
// error documents in messages, and the multipart protocol, aborted when a
// part fails.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/files.h"
#include "connectors/connectors.h"
#include "connectors/tests/local_http_server.h"

namespace weir {
namespace {

using testing::LocalHttpServer;
using Reply = LocalHttpServer::Reply;
using std::chrono::milliseconds;

const TimePoint kStart = TimePoint(std::chrono::seconds(1700000000));
constexpr uint64_t kMiB = 1 << 20;

std::string ErrorDocument(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message +
         "</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";
}

// A fresh folder under the test build's tmp, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("WEIR_TEST_TMP");
    std::filesystem::path root = base != nullptr ? base : std::filesystem::temp_directory_path().string();
    std::filesystem::create_directories(root);
    path_ = (root / "s3-faults-XXXXXX").string();
    EXPECT_NE(::mkdtemp(path_.data()), nullptr) << path_;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string PatternBytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 131 + i / 4096) & 0xFF);
  return bytes;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class S3FaultsTest : public ::testing::Test {
 protected:
  std::unique_ptr<ObjectStore> Open(std::function<void(ObjectStoreOptions&)> adjust = nullptr) {
    ObjectStoreOptions options;
    options.endpoint = server_.Url("");
    options.bucket = "bucket";
    options.credentials = ObjectStoreCredentials{"AKID", "TOPSECRET", ""};
    options.part_size = 5 * kMiB;
    options.upload_parallelism = 1;
    if (adjust) adjust(options);
    Result<std::unique_ptr<ObjectStore>> store = ObjectStore::Open(options, FakeEnvironment(), clock_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // The backoff waited so far (the fake clock moves only by waits).
  milliseconds Waited() const {
    return std::chrono::duration_cast<milliseconds>(clock_.Now() - kStart);
  }

  LocalHttpServer server_;
  FakeClock clock_{kStart};
  TempDir dir_;
  CancelToken cancel_;
};

TEST_F(S3FaultsTest, SlowDownAndInternalErrorsAreTriedAgainWithBackoff) {
  server_.Script("/bucket/k.csv", {{503, ErrorDocument("SlowDown", "Please reduce your request rate.")},
                                   {500, ErrorDocument("InternalError", "We encountered an internal error.")},
                                   {200, "", {{"ETag", "\"abc\""}}}});
  WriteFile(dir_.File("k.csv"), "a,b\n1,2\n");
  std::unique_ptr<ObjectStore> store = Open();
  Status put = store->PutObject("k.csv", dir_.File("k.csv"), cancel_, TimePoint::max());
  ASSERT_TRUE(put.ok()) << put.ToString();
  ASSERT_EQ(server_.RequestCount("/bucket/k.csv"), 3);
  for (const LocalHttpServer::Request& request : server_.requests()) EXPECT_EQ(request.body, "a,b\n1,2\n");
  EXPECT_EQ(Waited(), milliseconds(200 + 400));  // first_retry_delay, then doubled
}

TEST_F(S3FaultsTest, ResetConnectionsAreTriedAgain) {
  Reply reset;
  reset.hang_up = true;
  server_.Script("/bucket/k", {reset, {200, "", {{"ETag", "\"abc\""}}}});
  WriteFile(dir_.File("k"), "payload");
  std::unique_ptr<ObjectStore> store = Open();
  Status put = store->PutObject("k", dir_.File("k"), cancel_, TimePoint::max());
  ASSERT_TRUE(put.ok()) << put.ToString();
  EXPECT_EQ(server_.RequestCount("/bucket/k"), 2);
  EXPECT_EQ(Waited(), milliseconds(200));
}

TEST_F(S3FaultsTest, DownloadCutShortStartsAgainFromTheFirstByte) {
  const std::string bytes = PatternBytes(300000);
  Reply cut{200, bytes};
  cut.cut_body_at = 100000;
  server_.Script("/bucket/k", {cut, {200, bytes}});
  std::unique_ptr<ObjectStore> store = Open();
  Status get = store->GetObject("k", dir_.File("k"), cancel_, TimePoint::max());
  ASSERT_TRUE(get.ok()) << get.ToString();
  EXPECT_EQ(server_.RequestCount("/bucket/k"), 2);
  std::ifstream in(dir_.File("k"), std::ios::binary);
  EXPECT_TRUE(std::string(std::istreambuf_iterator<char>(in), {}) == bytes);
}

// A clock on which the caller cancels while the client waits to try again.
class CancellingClock final : public Clock {
 public:
  explicit CancellingClock(CancelToken& cancel) : cancel_(cancel) {}
  TimePoint Now() const override { return clock_.Now(); }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, TimePoint deadline) override {
    cancel_.Cancel();
    return clock_.WaitUntil(cv, lock, deadline);
  }
  FakeClock clock_{kStart};

 private:
  CancelToken& cancel_;
};

TEST_F(S3FaultsTest, CancelDuringBackoffStopsWaiting) {
  server_.Script("/bucket/k", {{503, ErrorDocument("SlowDown", "Please reduce your request rate.")}});
  CancellingClock clock(cancel_);
  ObjectStoreOptions options;
  options.endpoint = server_.Url("");
  options.bucket = "bucket";
  options.credentials = ObjectStoreCredentials{"AKID", "SECRET", ""};
  options.first_retry_delay = milliseconds(5000);
  std::unique_ptr<ObjectStore> store = std::move(ObjectStore::Open(options, FakeEnvironment(), clock)).value();
  Status head = store->HeadObject("k", cancel_, TimePoint::max()).status();
  EXPECT_EQ(head.kind(), ErrorKind::kCancelled);
  EXPECT_EQ(server_.RequestCount("/bucket/k"), 1);
  // It stopped at the first check, not after the whole 5 s.
  EXPECT_EQ(clock.clock_.waits().size(), 1u);
}

TEST_F(S3FaultsTest, FaultsGiveUpAfterMaxAttemptsWithS3sMessage) {
  server_.Script("/bucket/k", {{503, ErrorDocument("SlowDown", "Please reduce your request rate.")}});
  std::unique_ptr<ObjectStore> store = Open([](ObjectStoreOptions& o) { o.max_attempts = 3; });
  Result<ObjectInfo> head = store->HeadObject("k", cancel_, TimePoint::max());
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().kind(), ErrorKind::kFault);
  EXPECT_EQ(head.status().code(), "s3-unavailable");
  EXPECT_EQ(server_.RequestCount("/bucket/k"), 3);
  EXPECT_EQ(Waited(), milliseconds(200 + 400));
}

TEST_F(S3FaultsTest, RetryAfterIsHonouredUpToTheMaximumDelay) {
  server_.Script("/bucket/k", {{503, "", {{"Retry-After", "3"}}}, {204, ""}});
  std::unique_ptr<ObjectStore> store = Open();
  ASSERT_TRUE(store->DeleteObject("k", cancel_, TimePoint::max()).ok());
  EXPECT_EQ(Waited(), milliseconds(3000));
}

TEST_F(S3FaultsTest, AccessDeniedFailsAtOnceWithCodeMessageAndKeyButNoSecret) {
  server_.Script("/bucket/dir/a%20b.csv", {{403, ErrorDocument("AccessDenied", "Access Denied")}});
  std::unique_ptr<ObjectStore> store = Open();
  Status get = store->GetObject("dir/a b.csv", dir_.File("out/a.csv"), cancel_, TimePoint::max());
  ASSERT_FALSE(get.ok());
  EXPECT_EQ(get.kind(), ErrorKind::kUser);
  EXPECT_EQ(get.code(), "s3-access-denied");
  EXPECT_NE(get.message().find("reading s3://bucket/dir/a b.csv failed: S3 answered 403 AccessDenied: Access Denied"),
            std::string::npos)
      << get.message();
  EXPECT_EQ(get.message().find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(server_.RequestCount("/bucket/dir/a%20b.csv"), 1);
  EXPECT_EQ(Waited(), milliseconds(0));
  // Neither the file nor its temporary was left behind.
  EXPECT_TRUE(std::filesystem::is_empty(dir_.File("out")));
}

TEST_F(S3FaultsTest, MissingObjectIsNotFound) {
  // HEAD answers carry no body; GET's carry S3's document.
  server_.Script("/bucket/gone", {{404, ErrorDocument("NoSuchKey", "The specified key does not exist.")}});
  std::unique_ptr<ObjectStore> store = Open();
  Result<ObjectInfo> head = store->HeadObject("gone", cancel_, TimePoint::max());
  EXPECT_EQ(head.status().code(), "s3-not-found");
  Status get = store->GetObject("gone", dir_.File("gone"), cancel_, TimePoint::max());
  EXPECT_EQ(get.code(), "s3-not-found");
  EXPECT_NE(get.message().find("NoSuchKey: The specified key does not exist."), std::string::npos) << get.message();
  EXPECT_FALSE(std::filesystem::exists(dir_.File("gone")));
}

TEST_F(S3FaultsTest, RefusedConnectionsAreFaultsTriedAgain) {
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(probe);  // nothing listens on this port now
  std::unique_ptr<ObjectStore> store = Open([&](ObjectStoreOptions& o) {
    o.endpoint = "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port));
    o.max_attempts = 3;
  });
  Status deleted = store->DeleteObject("k", cancel_, TimePoint::max());
  EXPECT_EQ(deleted.kind(), ErrorKind::kFault);
  EXPECT_EQ(deleted.code(), "http-connection");
  EXPECT_NE(deleted.message().find("deleting s3://bucket/k"), std::string::npos) << deleted.message();
  EXPECT_EQ(Waited(), milliseconds(200 + 400));
}

TEST_F(S3FaultsTest, NoRetryWhenTheWaitWouldPassTheDeadline) {
  server_.Script("/bucket/k", {{500, ErrorDocument("InternalError", "try again")}});
  // Deadlines are on the system clock, as libcurl's are; the fake clock starts there too.
  FakeClock clock(std::chrono::system_clock::now());
  ObjectStoreOptions options;
  options.endpoint = server_.Url("");
  options.bucket = "bucket";
  options.credentials = ObjectStoreCredentials{"AKID", "SECRET", ""};
  options.first_retry_delay = milliseconds(20000);
  options.max_retry_delay = milliseconds(60000);
  std::unique_ptr<ObjectStore> store = std::move(ObjectStore::Open(options, FakeEnvironment(), clock)).value();
  TimePoint deadline = clock.Now() + milliseconds(30000);
  Status head = store->HeadObject("k", cancel_, deadline).status();
  EXPECT_EQ(head.code(), "s3-unavailable");
  EXPECT_EQ(server_.RequestCount("/bucket/k"), 2);  // waited 20 s; 40 s more would pass the deadline
}

TEST_F(S3FaultsTest, CancelledCallsSendNothing) {
  std::unique_ptr<ObjectStore> store = Open();
  cancel_.Cancel();
  EXPECT_EQ(store->DeleteObject("k", cancel_, TimePoint::max()).kind(), ErrorKind::kCancelled);
  EXPECT_TRUE(server_.requests().empty());
}

const char kInitiated[] =
    "<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>big.bin</Key><UploadId>up/1+x</UploadId>"
    "</InitiateMultipartUploadResult>";

TEST_F(S3FaultsTest, MultipartUploadSendsPartsThenCompletesWithTheirETags) {
  const std::string bytes = PatternBytes(11 * kMiB + 17);  // parts of 5, 5 and 1 MiB + 17 bytes
  WriteFile(dir_.File("big.bin"), bytes);
  server_.Script("/bucket/big.bin",
                 {{200, kInitiated},
                  {200, "", {{"ETag", "\"e1\""}}},
                  {200, "", {{"ETag", "\"e2\""}}},
                  {200, "", {{"ETag", "\"e3\""}}},
                  // CompleteMultipartUpload can fail inside a 200: tried again.
                  {200, ErrorDocument("InternalError", "We encountered an internal error.")},
                  {200, "<CompleteMultipartUploadResult><ETag>\"x-3\"</ETag></CompleteMultipartUploadResult>"}});
  std::unique_ptr<ObjectStore> store = Open();
  Status put = store->PutObject("big.bin", dir_.File("big.bin"), cancel_, TimePoint::max());
  ASSERT_TRUE(put.ok()) << put.ToString();

  std::vector<LocalHttpServer::Request> requests = server_.requests();
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/bucket/big.bin?uploads=");
  for (int part = 1; part <= 3; ++part) {
    const LocalHttpServer::Request& request = requests[part];
    EXPECT_EQ(request.method, "PUT");
    EXPECT_EQ(request.target, "/bucket/big.bin?partNumber=" + std::to_string(part) + "&uploadId=up%2F1%2Bx");
    EXPECT_EQ(request.Header("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
    size_t offset = (part - 1) * 5 * kMiB;
    EXPECT_TRUE(request.body == bytes.substr(offset, 5 * kMiB)) << "part " << part << " differs";
  }
  const std::string complete =
      "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Part><PartNumber>1</PartNumber><ETag>&quot;e1&quot;</ETag></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>&quot;e2&quot;</ETag></Part>"
      "<Part><PartNumber>3</PartNumber><ETag>&quot;e3&quot;</ETag></Part></CompleteMultipartUpload>";
  for (size_t i : {4u, 5u}) {
    EXPECT_EQ(requests[i].method, "POST");
    EXPECT_EQ(requests[i].target, "/bucket/big.bin?uploadId=up%2F1%2Bx");
    EXPECT_EQ(requests[i].body, complete);
  }
  EXPECT_EQ(Waited(), milliseconds(200));
}

TEST_F(S3FaultsTest, FailedPartAbortsTheUpload) {
  WriteFile(dir_.File("big.bin"), PatternBytes(11 * kMiB));
  server_.Script("/bucket/big.bin", {{200, kInitiated},
                                     {200, "", {{"ETag", "\"e1\""}}},
                                     {400, ErrorDocument("EntityTooSmall", "Your proposed upload is too small.")},
                                     {204, ""}});
  std::unique_ptr<ObjectStore> store = Open();
  Status put = store->PutObject("big.bin", dir_.File("big.bin"), cancel_, TimePoint::max());
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.code(), "s3-request");
  EXPECT_NE(put.message().find("uploading part 2 of 3 to s3://bucket/big.bin failed: S3 answered 400 EntityTooSmall"),
            std::string::npos)
      << put.message();
  std::vector<LocalHttpServer::Request> requests = server_.requests();
  ASSERT_EQ(requests.size(), 4u);  // part 3 never started
  EXPECT_EQ(requests[3].method, "DELETE");
  EXPECT_EQ(requests[3].target, "/bucket/big.bin?uploadId=up%2F1%2Bx");
}

TEST_F(S3FaultsTest, AbortThatFailsTooIsReported) {
  WriteFile(dir_.File("big.bin"), PatternBytes(6 * kMiB));
  server_.Script("/bucket/big.bin", {{200, kInitiated},
                                     {403, ErrorDocument("AccessDenied", "Access Denied")},
                                     {403, ErrorDocument("AccessDenied", "Abort Denied")}});
  std::unique_ptr<ObjectStore> store = Open();
  Status put = store->PutObject("big.bin", dir_.File("big.bin"), cancel_, TimePoint::max());
  EXPECT_EQ(put.code(), "s3-access-denied");
  EXPECT_NE(put.message().find("the upload could not be aborted either"), std::string::npos) << put.message();
  EXPECT_NE(put.message().find("Abort Denied"), std::string::npos) << put.message();
}

TEST_F(S3FaultsTest, ListFollowsContinuationTokens) {
  server_.Script("/bucket", {{200, "<ListBucketResult><IsTruncated>true</IsTruncated>"
                                   "<Contents><Key>p/a</Key><Size>1</Size><ETag>&quot;ea&quot;</ETag></Contents>"
                                   "<NextContinuationToken>t/1=</NextContinuationToken></ListBucketResult>"},
                             {200, "<ListBucketResult><IsTruncated>false</IsTruncated>"
                                   "<Contents><Key>p/b &amp; c</Key><Size>22</Size></Contents></ListBucketResult>"}});
  std::unique_ptr<ObjectStore> store = Open([](ObjectStoreOptions& o) { o.list_page_size = 1; });
  Result<std::vector<ObjectInfo>> objects = store->ListObjects("p/", cancel_, TimePoint::max());
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].key, "p/a");
  EXPECT_EQ((*objects)[0].etag, "ea");
  EXPECT_EQ((*objects)[1].key, "p/b & c");
  EXPECT_EQ((*objects)[1].size, 22u);
  std::vector<LocalHttpServer::Request> requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target, "/bucket?list-type=2&max-keys=1&prefix=p%2F");
  EXPECT_EQ(requests[1].target, "/bucket?continuation-token=t%2F1%3D&list-type=2&max-keys=1&prefix=p%2F");
}

TEST_F(S3FaultsTest, TruncatedListWithoutTokenIsABadResponse) {
  server_.Script("/bucket", {{200, "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"}});
  std::unique_ptr<ObjectStore> store = Open();
  EXPECT_EQ(store->ListObjects("", cancel_, TimePoint::max()).status().code(), "s3-bad-response");
}

}  // namespace
}  // namespace weir
