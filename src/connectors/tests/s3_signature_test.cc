// Signature V4 as AWS documents it: the example requests of "Signature
// Calculations for the Authorization Header: Transferring Payload in a
// Single Chunk" (S3 API reference), sent by our client with AWS's example
// keys and time to a recording server on loopback, must carry exactly the
// signatures AWS publishes. (s3rver checks no signature, so this is what
// shows the signing is right.)
#include <gtest/gtest.h>

#include <map>

#include "common/files.h"
#include "connectors/internal/s3_client.h"
#include "connectors/tests/local_http_server.h"

namespace weir {
namespace {

using testing::LocalHttpServer;

// AWS's example credentials and request time: 20130524T000000Z.
const ObjectStoreCredentials kExampleKeys{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
constexpr std::chrono::seconds kExampleTime{1369353600};
const char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// examplebucket.s3.amazonaws.com, reached on the local server.
ObjectStoreOptions ExampleOptions(const LocalHttpServer& server) {
  ObjectStoreOptions options;
  options.endpoint = "http://s3.amazonaws.com";
  options.region = "us-east-1";
  options.bucket = "examplebucket";
  options.credentials = kExampleKeys;
  options.connect_to = "127.0.0.1:" + std::to_string(server.port());
  options.signing_time = TimePoint(kExampleTime);
  options.max_attempts = 1;
  return options;
}

// "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." taken
// apart (libcurl separates the parts with ", ", AWS's examples with ",").
std::map<std::string, std::string> AuthorizationParts(const std::string& header) {
  std::map<std::string, std::string> parts;
  const std::string algorithm = "AWS4-HMAC-SHA256 ";
  EXPECT_EQ(header.substr(0, algorithm.size()), algorithm) << header;
  std::string rest = header.substr(std::min(header.size(), algorithm.size()));
  size_t begin = 0;
  while (begin < rest.size()) {
    size_t end = rest.find(',', begin);
    if (end == std::string::npos) end = rest.size();
    std::string part = rest.substr(begin, end - begin);
    part.erase(0, part.find_first_not_of(' '));
    size_t equals = part.find('=');
    if (equals != std::string::npos) parts[part.substr(0, equals)] = part.substr(equals + 1);
    begin = end + 1;
  }
  return parts;
}

void ExpectSignature(const LocalHttpServer::Request& request, const std::string& signed_headers,
                     const std::string& signature) {
  std::map<std::string, std::string> parts = AuthorizationParts(request.Header("authorization"));
  EXPECT_EQ(parts["Credential"], "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
  EXPECT_EQ(parts["SignedHeaders"], signed_headers);
  EXPECT_EQ(parts["Signature"], signature);
  EXPECT_EQ(request.Header("host"), "examplebucket.s3.amazonaws.com");
}

TEST(S3SignatureTest, GetObjectExample) {
  LocalHttpServer server;
  server.Script("/test.txt", {{206, "0123456789"}});
  SystemClock clock;
  Result<std::unique_ptr<ObjectStore>> store = ObjectStore::Open(ExampleOptions(server), FakeEnvironment(), clock);
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  // "GET /test.txt" with "Range: bytes=0-9": the first 10 bytes.
  Result<std::string> bytes = (*store)->ReadRange("test.txt", 0, 10, CancelToken(), TimePoint::max());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, "0123456789");

  std::vector<LocalHttpServer::Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  const LocalHttpServer::Request& request = requests[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/test.txt");
  EXPECT_EQ(request.Header("range"), "bytes=0-9");
  EXPECT_EQ(request.Header("x-amz-content-sha256"), kEmptySha256);
  ExpectSignature(request, "host;range;x-amz-content-sha256;x-amz-date",
                  "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// The other examples go through the client below ObjectStore, as they are
// requests ObjectStore does not make (a lifecycle query, a PUT with a
// storage class): they check the query canonicalisation, key encoding and
// payload hash that every call shares.
class S3SignatureCallTest : public ::testing::Test {
 protected:
  Result<HttpResponse> Send(const s3::Call& call) {
    ObjectStoreOptions options = ExampleOptions(server_);
    s3::Client client(options, *s3::ResolveTarget(options), kExampleKeys, clock_);
    return client.Send(call, nullptr, CancelToken(), TimePoint::max());
  }

  LocalHttpServer server_;
  SystemClock clock_;
};

TEST_F(S3SignatureCallTest, BucketQueryExamplesAreSortedAndKeepEmptyValues) {
  struct Example {
    s3::QueryParameters query;  // as the caller gives them
    std::string target;         // as AWS's example sends them
    std::string signature;
  };
  server_.Script("/", {{200, "<ListBucketResult/>"}});
  for (const Example& example : std::vector<Example>{
           // "Get Bucket (List Objects)": GET ?max-keys=2&prefix=J, given out of order.
           {{{"prefix", "J"}, {"max-keys", "2"}},
            "/?max-keys=2&prefix=J",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
           // "GET Bucket Lifecycle": GET ?lifecycle, signed as "lifecycle=".
           {{{"lifecycle", ""}}, "/?lifecycle=", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
       }) {
    s3::Call call;
    call.query = example.query;
    Result<HttpResponse> response = Send(call);
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    std::vector<LocalHttpServer::Request> requests = server_.requests();
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests.back().target, example.target);
    ExpectSignature(requests.back(), "host;x-amz-content-sha256;x-amz-date", example.signature);
  }
}

TEST_F(S3SignatureCallTest, PutObjectExampleEncodesTheKeyAndHashesTheBody) {
  server_.Script("/test%24file.text", {{200, ""}});
  s3::Call call;  // "PUT test$file.text" with a storage class and a Date header
  call.method = "PUT";
  call.key = "test$file.text";
  call.headers = {{"Date", "Fri, 24 May 2013 00:00:00 GMT"}, {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  call.body = "Welcome to Amazon S3.";
  Result<HttpResponse> response = Send(call);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  std::vector<LocalHttpServer::Request> requests = server_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const LocalHttpServer::Request& request = requests[0];
  EXPECT_EQ(request.method, "PUT");
  EXPECT_EQ(request.body, "Welcome to Amazon S3.");
  EXPECT_EQ(request.Header("x-amz-content-sha256"), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  ExpectSignature(request, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                  "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

}  // namespace
}  // namespace weir
