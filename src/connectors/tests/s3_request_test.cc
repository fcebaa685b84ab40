// The object store's request building, without a server: AWS's URI
// encoding, the canonical query, payload hashes, addressing, the answers'
// XML and what each answer means.
#include <gtest/gtest.h>

#include "common/files.h"
#include "connectors/internal/s3_client.h"

namespace weir::s3 {
namespace {

const char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(S3RequestTest, UriEncodeKeepsOnlyUnreservedBytesAndSlashesInKeys) {
  // u-umlaut is C3 BC in UTF-8; '+' and '=' must be encoded or S3 reads '+' as a space.
  EXPECT_EQ(UriEncode("dir/a b+c=d~e_f-g.txt", true), "dir/a%20b%2Bc%3Dd~e_f-g.txt");
  EXPECT_EQ(UriEncode("\xC3\xBC$&?#%", true), "%C3%BC%24%26%3F%23%25");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
}

TEST(S3RequestTest, CanonicalQueryIsEncodedAndSortedByName) {
  EXPECT_EQ(CanonicalQuery({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQuery({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQuery({{"prefix", "a b/c+"}, {"continuation-token", "1/x=="}}),
            "continuation-token=1%2Fx%3D%3D&prefix=a%20b%2Fc%2B");
  // Byte order: upper case before lower case.
  EXPECT_EQ(CanonicalQuery({{"b", "1"}, {"a", "2"}, {"B", "3"}}), "B=3&a=2&b=1");
  EXPECT_EQ(CanonicalQuery({}), "");
}

TEST(S3RequestTest, Sha256HexMatchesPublishedDigests) {
  EXPECT_EQ(Sha256Hex(""), kEmptySha256);
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-2
  // AWS's PUT Object example body and the x-amz-content-sha256 it documents.
  EXPECT_EQ(Sha256Hex("Welcome to Amazon S3."), "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

ObjectStoreOptions Options(std::string endpoint, std::string bucket = "bucket") {
  ObjectStoreOptions options;
  options.endpoint = std::move(endpoint);
  options.bucket = std::move(bucket);
  return options;
}

TEST(S3RequestTest, AddressingDefaultsToVirtualHostOnAwsAndPathElsewhere) {
  ObjectStoreOptions aws = Options("");
  aws.region = "eu-west-1";
  Result<Target> target = ResolveTarget(aws);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(target->scheme, "https");
  EXPECT_EQ(target->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_TRUE(target->virtual_host);

  // A dotted bucket name would not match AWS's TLS certificate as a host.
  Result<Target> dotted = ResolveTarget(Options("", "my.bucket"));
  ASSERT_TRUE(dotted.ok());
  EXPECT_FALSE(dotted->virtual_host);

  Result<Target> local = ResolveTarget(Options("HTTP://127.0.0.1:9000/"));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->scheme, "http");
  EXPECT_EQ(local->host, "127.0.0.1:9000");
  EXPECT_FALSE(local->virtual_host);

  ObjectStoreOptions forced = Options("http://localhost:9000");
  forced.addressing = ObjectStoreAddressing::kVirtualHost;
  EXPECT_TRUE(ResolveTarget(forced)->virtual_host);
}

TEST(S3RequestTest, BadEndpointsBucketsAndRegionsAreConfigErrors) {
  for (const ObjectStoreOptions& options :
       {Options("ftp://host"), Options("http://host/some/path"), Options("host:9000"), Options("http://"),
        Options("http://host", "ab"), Options("http://host", "a/b"), Options("http://host", "")}) {
    Result<Target> target = ResolveTarget(options);
    ASSERT_FALSE(target.ok()) << options.endpoint << " " << options.bucket;
    EXPECT_EQ(target.status().code(), "s3-config");
    EXPECT_EQ(target.status().kind(), ErrorKind::kUser);
  }
  ObjectStoreOptions region = Options("http://host");
  region.region = "EU West";
  EXPECT_EQ(ResolveTarget(region).status().code(), "s3-config");
}

TEST(S3RequestTest, SignedRequestAddressesTheObjectAndDeclaresThePayload) {
  ObjectStoreOptions options = Options("http://127.0.0.1:9000");
  ObjectStoreCredentials credentials{"AKID", "SECRET", "TOKEN"};
  Target target = *ResolveTarget(options);

  Call part;
  part.method = "PUT";
  part.key = "dir/a b.txt";
  part.query = {{"uploadId", "u+1"}, {"partNumber", "2"}};
  part.open_upload = []() -> Result<HttpBodySource> { return HttpBodySource(); };
  part.upload_bytes = 10;
  HttpRequest request = SignedRequest(options, target, credentials, part);
  EXPECT_EQ(request.url, "http://127.0.0.1:9000/bucket/dir/a%20b.txt?partNumber=2&uploadId=u%2B1");
  ASSERT_TRUE(request.aws_sigv4.has_value());
  EXPECT_EQ(request.aws_sigv4->scope, "aws:amz:us-east-1:s3");
  EXPECT_EQ(request.aws_sigv4->access_key_id, "AKID");
  EXPECT_EQ(request.upload_bytes, 10u);
  using Header = std::pair<std::string, std::string>;
  EXPECT_EQ(request.headers, (std::vector<Header>{{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
                                                  {"x-amz-security-token", "TOKEN"}}));

  Call list;
  list.query = {{"list-type", "2"}};
  request = SignedRequest(options, target, {"AKID", "SECRET", ""}, list);
  EXPECT_EQ(request.url, "http://127.0.0.1:9000/bucket?list-type=2");
  EXPECT_EQ(request.headers, (std::vector<Header>{{"x-amz-content-sha256", kEmptySha256}}));

  Call complete;
  complete.method = "POST";
  complete.key = "k";
  complete.body = "abc";
  options.addressing = ObjectStoreAddressing::kVirtualHost;
  request = SignedRequest(options, *ResolveTarget(options), {"AKID", "SECRET", ""}, complete);
  EXPECT_EQ(request.url, "http://bucket.127.0.0.1:9000/k");
  EXPECT_EQ(request.headers.front().second, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(request.body, "abc");
}

TEST(S3RequestTest, XmlElementsAndEntities) {
  const std::string xml =
      "<?xml version=\"1.0\"?><ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<KeyCount>2</KeyCount><Prefix/><Contents><Key>a &amp; b &lt;c&gt; &#x263A;&#65;&quot;&apos;</Key></Contents>"
      "<Contents><Key>&unknown; &amp</Key></Contents></ListBucketResult>";
  std::vector<std::string_view> contents = XmlElements(xml, "Contents");
  ASSERT_EQ(contents.size(), 2u);
  EXPECT_EQ(XmlValue(contents[0], "Key"), "a & b <c> \xE2\x98\xBA" "A\"'");
  EXPECT_EQ(XmlValue(contents[1], "Key"), "&unknown; &amp");
  EXPECT_EQ(XmlValue(xml, "KeyCount"), "2");  // not taken for <Key>
  EXPECT_EQ(XmlValue(xml, "Prefix"), "");
  EXPECT_EQ(XmlValue(xml, "NextContinuationToken"), std::nullopt);
  EXPECT_EQ(XmlValue("<Key>unclosed", "Key"), std::nullopt);
  EXPECT_EQ(XmlEscape("\"e<1>&'"), "&quot;e&lt;1&gt;&amp;&apos;");
  EXPECT_EQ(XmlUnescape(XmlEscape("\"e<1>&'")), "\"e<1>&'");
}

TEST(S3RequestTest, ErrorRepliesGiveCodeAndMessage) {
  ErrorReply reply = ParseErrorReply(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
      "<Message>The resource you requested does not exist</Message><Resource>/b/k</Resource></Error>");
  EXPECT_EQ(reply.code, "NoSuchKey");
  EXPECT_EQ(reply.message, "The resource you requested does not exist");
  EXPECT_EQ(ParseErrorReply("not xml").code, "");
}

TEST(S3RequestTest, StatusesAndCodesSayUserErrorOrFault) {
  struct Case {
    int status;
    std::string code;
    ErrorKind kind;
    std::string weir_code;
  };
  for (const Case& c : std::vector<Case>{{404, "NoSuchKey", ErrorKind::kUser, "s3-not-found"},
                                         {404, "", ErrorKind::kUser, "s3-not-found"},
                                         {403, "AccessDenied", ErrorKind::kUser, "s3-access-denied"},
                                         {400, "InvalidArgument", ErrorKind::kUser, "s3-request"},
                                         {301, "PermanentRedirect", ErrorKind::kUser, "s3-request"},
                                         {503, "SlowDown", ErrorKind::kFault, "s3-unavailable"},
                                         {500, "InternalError", ErrorKind::kFault, "s3-unavailable"},
                                         {400, "RequestTimeout", ErrorKind::kFault, "s3-unavailable"},
                                         {429, "", ErrorKind::kFault, "s3-unavailable"},
                                         {200, "InternalError", ErrorKind::kFault, "s3-unavailable"}}) {
    Status error = ResponseError(c.status, {c.code, "text"}, "reading s3://b/k");
    ASSERT_FALSE(error.ok()) << c.status << " " << c.code;
    EXPECT_EQ(error.kind(), c.kind) << c.status << " " << c.code;
    EXPECT_EQ(error.code(), c.weir_code) << c.status << " " << c.code;
    EXPECT_NE(error.message().find("reading s3://b/k failed: S3 answered " + std::to_string(c.status)),
              std::string::npos)
        << error.message();
  }
  EXPECT_TRUE(ResponseError(204, {}, "deleting").ok());
}

TEST(S3RequestTest, CredentialsComeFromTheEnvironment) {
  FakeEnvironment env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}});
  Result<ObjectStoreCredentials> credentials = ObjectStoreCredentialsFromEnvironment(env);
  ASSERT_TRUE(credentials.ok());
  EXPECT_EQ(credentials->access_key_id, "AKID");
  EXPECT_EQ(credentials->secret_access_key, "SECRET");
  EXPECT_EQ(credentials->session_token, "");
  env.Set("AWS_SESSION_TOKEN", "TOKEN");
  EXPECT_EQ(ObjectStoreCredentialsFromEnvironment(env)->session_token, "TOKEN");

  Status missing = ObjectStoreCredentialsFromEnvironment(FakeEnvironment()).status();
  EXPECT_EQ(missing.code(), "s3-credentials");
  EXPECT_NE(missing.message().find("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"), std::string::npos);
  Status secret = ObjectStoreCredentialsFromEnvironment(FakeEnvironment({{"AWS_ACCESS_KEY_ID", "AKID"}})).status();
  EXPECT_NE(secret.message().find("set AWS_SECRET_ACCESS_KEY in"), std::string::npos) << secret.message();
}

TEST(S3RequestTest, OpenChecksOptionsAndCredentials) {
  SystemClock clock;
  FakeEnvironment env({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "SECRET"}});
  EXPECT_TRUE(ObjectStore::Open(Options("http://127.0.0.1:1"), env, clock).ok());
  EXPECT_EQ(ObjectStore::Open(Options("http://127.0.0.1:1"), FakeEnvironment(), clock).status().code(),
            "s3-credentials");
  ObjectStoreOptions explicit_keys = Options("http://127.0.0.1:1");
  explicit_keys.credentials = ObjectStoreCredentials{"AKID", "SECRET", ""};
  EXPECT_TRUE(ObjectStore::Open(explicit_keys, FakeEnvironment(), clock).ok());

  ObjectStoreOptions small_parts = Options("http://127.0.0.1:1");
  small_parts.part_size = 1 << 20;
  EXPECT_EQ(ObjectStore::Open(small_parts, env, clock).status().code(), "s3-config");
  ObjectStoreOptions no_parallelism = Options("http://127.0.0.1:1");
  no_parallelism.upload_parallelism = 0;
  EXPECT_EQ(ObjectStore::Open(no_parallelism, env, clock).status().code(), "s3-config");
  ObjectStoreOptions big_pages = Options("http://127.0.0.1:1");
  big_pages.list_page_size = 1001;
  EXPECT_EQ(ObjectStore::Open(big_pages, env, clock).status().code(), "s3-config");
}

}  // namespace
}  // namespace weir::s3
