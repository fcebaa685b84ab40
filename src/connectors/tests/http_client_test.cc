#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <unistd.h>

#include "connectors/connectors.h"
#include "connectors/tests/local_http_server.h"

namespace weir {
namespace {

using testing::LocalHttpServer;

class HttpClientTest : public ::testing::Test {
 protected:
  Result<HttpResponse> Fetch(HttpRequest request, TimePoint deadline = TimePoint::max()) {
    return HttpFetch(request, cancel_, deadline);
  }

  LocalHttpServer server_;
  CancelToken cancel_;
};

TEST_F(HttpClientTest, GetSendsHeadersAndReturnsStatusHeadersAndBody) {
  server_.Script("/items", {{200, R"([{"id": 1}])", {{"Content-Type", "application/json"}, {"X-Page", "1"}}}});
  HttpRequest request;
  request.url = server_.Url("/items?date=2024-01-01");
  request.headers = {{"Authorization", "Bearer abc"}, {"X-Empty", ""}};
  Result<HttpResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"([{"id": 1}])");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("x-page"), "1");
  EXPECT_EQ(response->Header("x-missing"), std::nullopt);
  std::vector<LocalHttpServer::Request> received = server_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[0].target, "/items?date=2024-01-01");
  EXPECT_EQ(received[0].Header("authorization"), "Bearer abc");
  bool empty_sent = false;
  for (const auto& [name, value] : received[0].headers) empty_sent |= name == "x-empty" && value.empty();
  EXPECT_TRUE(empty_sent);
  EXPECT_EQ(received[0].Header("expect"), "");
}

TEST_F(HttpClientTest, PostSendsTheBodyAndBasicAuth) {
  server_.Script("/submit", {{201, "created"}});
  HttpRequest request;
  request.method = "POST";
  request.url = server_.Url("/submit");
  request.body = std::string(5000, 'x') + "{\"end\": true}";  // past curl's 1 KB Expect threshold
  request.headers = {{"Content-Type", "application/json"}};
  request.basic_user = "etl";
  request.basic_password = "p@ss:word";
  Result<HttpResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 201);
  std::vector<LocalHttpServer::Request> received = server_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].body, request.body);
  EXPECT_EQ(received[0].Header("content-type"), "application/json");
  EXPECT_EQ(received[0].Header("authorization"), "Basic ZXRsOnBAc3M6d29yZA==");  // base64("etl:p@ss:word")
}

TEST_F(HttpClientTest, ErrorStatusesAreResponsesNotErrors) {
  server_.Script("/busy", {{503, "try later", {{"Retry-After", "7"}}}});
  HttpRequest request;
  request.url = server_.Url("/busy");
  Result<HttpResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "try later");
  EXPECT_EQ(response->RetryAfter(std::chrono::system_clock::now()), std::chrono::seconds(7));
  request.url = server_.Url("/unscripted");
  EXPECT_EQ(Fetch(request)->status, 404);
}

TEST_F(HttpClientTest, RetryAfterReadsSecondsAndHttpDates) {
  HttpResponse response;
  TimePoint now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  EXPECT_EQ(response.RetryAfter(now), std::nullopt);
  response.headers = {{"retry-after", "Sun, 06 Nov 1994 08:51:37 GMT"}};
  EXPECT_EQ(response.RetryAfter(now), std::chrono::seconds(120));
  response.headers = {{"retry-after", "Sunday, 06-Nov-94 08:49:47 GMT"}};  // RFC 850
  EXPECT_EQ(response.RetryAfter(now), std::chrono::seconds(10));
  response.headers = {{"retry-after", "Sun, 06 Nov 1994 08:00:00 GMT"}};  // past
  EXPECT_EQ(response.RetryAfter(now), std::chrono::seconds(0));
  response.headers = {{"retry-after", "0"}};
  EXPECT_EQ(response.RetryAfter(now), std::chrono::seconds(0));
  response.headers = {{"retry-after", "soon"}};
  EXPECT_EQ(response.RetryAfter(now), std::nullopt);
}

TEST_F(HttpClientTest, RedirectsAreFollowed) {
  server_.Script("/old", {{301, "", {{"Location", "/new"}}}});
  server_.Script("/new", {{200, "moved here", {{"X-Final", "yes"}}}});
  HttpRequest request;
  request.url = server_.Url("/old");
  Result<HttpResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "moved here");
  EXPECT_EQ(response->Header("x-final"), "yes");
  EXPECT_EQ(response->Header("location"), std::nullopt);  // headers of the final response only
}

TEST_F(HttpClientTest, FileUrlsAreReadThroughLibcurl) {
  std::string path = (std::filesystem::temp_directory_path() / ("weir-http-file-" + std::to_string(::getpid()) +
                                                                ".json")).string();
  std::ofstream(path) << R"({"ok": true})";
  HttpRequest request;
  request.url = "file://" + path;
  Result<HttpResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok": true})");
  std::filesystem::remove(path);
  Result<HttpResponse> missing = Fetch(request);
  EXPECT_EQ(missing.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(missing.status().code(), "http-file-missing");
}

// A payload of many numbers, so that it arrives in several pieces.
std::string LargeBody() {
  std::string body;
  for (int i = 0; i < 300000; ++i) body += std::to_string(i) + ",";
  return body;
}

TEST_F(HttpClientTest, StreamingHandsOverA2xxBodyInPiecesAndKeepsOtherBodies) {
  const std::string big = LargeBody();
  server_.Script("/big", {{200, big}});
  server_.Script("/gone", {{404, "no such page"}});
  std::string received;
  int pieces = 0;
  HttpBodyConsumer collect = [&](std::string_view piece) {
    received += piece;
    ++pieces;
    return OkStatus();
  };
  HttpRequest request;
  request.url = server_.Url("/big");
  Result<HttpResponse> response = HttpFetchStreaming(request, collect, cancel_, TimePoint::max());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(received == big) << received.size() << " bytes received of " << big.size();
  EXPECT_GT(pieces, 1);
  EXPECT_TRUE(response->body.empty());
  EXPECT_EQ(response->body_bytes, big.size());

  received.clear();
  request.url = server_.Url("/gone");
  response = HttpFetchStreaming(request, collect, cancel_, TimePoint::max());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body, "no such page");
  EXPECT_EQ(response->body_bytes, 12u);
  EXPECT_TRUE(received.empty());
}

TEST_F(HttpClientTest, StreamingFollowsRedirectsAndHandsOverOnlyTheFinalBody) {
  server_.Script("/old", {{301, "see /new", {{"Location", "/new"}}}});
  server_.Script("/new", {{200, "[1, 2, 3]"}});
  std::string received;
  HttpRequest request;
  request.url = server_.Url("/old");
  Result<HttpResponse> response = HttpFetchStreaming(
      request, [&](std::string_view piece) { received += piece; return OkStatus(); }, cancel_, TimePoint::max());
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(received, "[1, 2, 3]");
  EXPECT_EQ(response->body_bytes, 9u);
  EXPECT_TRUE(response->body.empty());
  Result<HttpResponse> whole = HttpFetch(request, cancel_, TimePoint::max());
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->body, "[1, 2, 3]");
}

TEST_F(HttpClientTest, AnErrorFromTheBodyConsumerStopsTheTransferAndIsReturned) {
  server_.Script("/big", {{200, LargeBody()}});
  int pieces = 0;
  HttpRequest request;
  request.url = server_.Url("/big");
  Result<HttpResponse> response = HttpFetchStreaming(
      request, [&](std::string_view) { return ++pieces == 1 ? OkStatus() : UserError("bad-json", "not JSON"); },
      cancel_, TimePoint::max());
  EXPECT_EQ(response.status().code(), "bad-json");
  EXPECT_EQ(response.status().message(), "not JSON");
  EXPECT_EQ(pieces, 2);
}

TEST_F(HttpClientTest, StreamingReadsFileUrls) {
  std::string path = (std::filesystem::temp_directory_path() / ("weir-http-stream-" + std::to_string(::getpid()) +
                                                                ".json")).string();
  const std::string big = LargeBody();
  std::ofstream(path) << big;
  std::string received;
  HttpRequest request;
  request.url = "file://" + path;
  Result<HttpResponse> response = HttpFetchStreaming(
      request, [&](std::string_view piece) { received += piece; return OkStatus(); }, cancel_, TimePoint::max());
  std::filesystem::remove(path);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(received == big) << received.size() << " bytes received of " << big.size();
  EXPECT_EQ(response->body_bytes, big.size());
}

TEST_F(HttpClientTest, BadUrlsAreUserErrorsAndRefusedConnectionsAreFaults) {
  HttpRequest request;
  request.url = "ftp://127.0.0.1/x";
  EXPECT_EQ(Fetch(request).status().code(), "http-bad-url");
  EXPECT_EQ(Fetch(request).status().kind(), ErrorKind::kUser);
  request.url = "http://[::1";
  EXPECT_EQ(Fetch(request).status().code(), "http-bad-url");
  // A port nobody listens on: bind one, close it, connect to it.
  int closed_port;
  {
    LocalHttpServer gone;
    closed_port = gone.port();
  }
  request.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/";
  Result<HttpResponse> refused = Fetch(request);
  EXPECT_EQ(refused.status().kind(), ErrorKind::kFault) << refused.status().ToString();
  EXPECT_EQ(refused.status().code(), "http-connection");
}

TEST_F(HttpClientTest, DeadlineAndCancelStopASlowRequest) {
  server_.Script("/slow", {{200, "late", {}, std::chrono::seconds(5)}});
  HttpRequest request;
  request.url = server_.Url("/slow");
  auto start = std::chrono::steady_clock::now();
  Result<HttpResponse> timed_out = Fetch(request, std::chrono::system_clock::now() + std::chrono::milliseconds(300));
  EXPECT_EQ(timed_out.status().code(), "timeout");
  EXPECT_EQ(timed_out.status().kind(), ErrorKind::kFault);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));

  request.timeout = std::chrono::milliseconds(200);  // the request's own limit: a connection fault
  Result<HttpResponse> slow = Fetch(request);
  EXPECT_EQ(slow.status().code(), "http-connection");

  request.timeout = std::chrono::milliseconds(0);
  std::thread canceller([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    cancel_.Cancel();
  });
  start = std::chrono::steady_clock::now();
  Result<HttpResponse> stopped = Fetch(request);
  canceller.join();
  EXPECT_EQ(stopped.status().kind(), ErrorKind::kCancelled);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

}  // namespace
}  // namespace weir
