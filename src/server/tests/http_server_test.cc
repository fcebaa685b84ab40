// The real server on a free loopback port, spoken to over plain sockets:
// what the listener adds to Api::Handle (httplib's own refusals as JSON,
// percent-decoding, headers, stopping).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "server/tests/api_test_support.h"

namespace weir::server_test {
namespace {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
};

// Sends `request` as it is to 127.0.0.1:port and reads until the server
// closes (requests say Connection: close).
RawResponse Exchange(int port, const std::string& request) {
  RawResponse response;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};  // a server that never answers fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return response;
  }
  for (size_t sent = 0; sent < request.size();) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (413) and close before reading it all
    sent += static_cast<size_t>(n);
  }
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) text.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  size_t blank = text.find("\r\n\r\n");
  response.head = text.substr(0, blank);
  response.body = blank == std::string::npos ? "" : text.substr(blank + 4);
  if (text.rfind("HTTP/1.1 ", 0) == 0) response.status = std::stoi(text.substr(9, 3));
  return response;
}

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

std::string Post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpServerTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    Result<std::unique_ptr<Server>> server = Server::Start(Context(&scheduler_), options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  std::unique_ptr<Server> server_;
};

TEST_F(HttpServerTest, AnswersOnTheFreePortItBound) {
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->url(), "http://127.0.0.1:" + std::to_string(server_->port()));
  RawResponse health = Exchange(server_->port(), Get("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.head.find("Content-Type: application/json"), std::string::npos) << health.head;
  EXPECT_EQ(nlohmann::json::parse(health.body)["status"], "ok");
}

TEST_F(HttpServerTest, TriggersAndReadsBackThroughHttp) {
  RawResponse created = Exchange(server_->port(), Post("/api/v1/pipelines/chain/runs", R"({"date": "2024-03-01"})"));
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = nlohmann::json::parse(created.body)["id"];
  EXPECT_NE(created.head.find("Location: /api/v1/runs/" + std::to_string(id)), std::string::npos) << created.head;
  RawResponse run = Exchange(server_->port(), Get("/api/v1/runs/" + std::to_string(id) + "?"));
  ASSERT_EQ(run.status, 200);
  EXPECT_EQ(nlohmann::json::parse(run.body)["ds"], "2024-03-01");
  // Percent-encoded path segments and query values are decoded.
  RawResponse encoded = Exchange(server_->port(), Get("/api/v1/runs?pipeline=ch%61in&since=2024%2D03%2D01"));
  ASSERT_EQ(encoded.status, 200) << encoded.body;
  EXPECT_EQ(nlohmann::json::parse(encoded.body)["runs"].size(), 1u);
  EXPECT_EQ(Exchange(server_->port(), Get("/api/v1/pipelines/ch%61in")).status, 200);
}

TEST_F(HttpServerTest, RefusesBadRequestsWithJsonErrors) {
  RawResponse big = Exchange(server_->port(), Post("/api/v1/pipelines/chain/runs", std::string(2 << 20, ' ')));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(nlohmann::json::parse(big.body)["error"]["code"], "payload-too-large");
  RawResponse malformed = Exchange(server_->port(), Post("/api/v1/pipelines/chain/runs", "{\"date\": "));
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(nlohmann::json::parse(malformed.body)["error"]["code"], "bad-json");
  RawResponse trace = Exchange(server_->port(), "TRACE /api/v1/runs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(trace.status, 405);
  EXPECT_EQ(nlohmann::json::parse(trace.body)["error"]["code"], "method-not-allowed");
  RawResponse garbage = Exchange(server_->port(), "NONSENSE\r\n\r\n");
  EXPECT_EQ(garbage.status, 400);
  RawResponse metrics = Exchange(server_->port(), Get("/metrics"));
  EXPECT_NE(metrics.body.find("weir_http_requests_total{code=\"413\"} 1\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("weir_http_requests_total{code=\"405\"} 1\n"), std::string::npos) << metrics.body;
}

// The web UI's files over a socket: headers as sent, and paths that try
// to leave /ui/ (encoded or not) answered 404 by the API, never a file.
TEST_F(HttpServerTest, ServesTheWebUiAndNoPathOutsideIt) {
  RawResponse home = Exchange(server_->port(), Get("/"));
  EXPECT_EQ(home.status, 200);
  EXPECT_NE(home.head.find("Content-Type: text/html; charset=utf-8"), std::string::npos) << home.head;
  EXPECT_NE(home.head.find("Cache-Control: no-cache"), std::string::npos) << home.head;
  RawResponse script = Exchange(server_->port(), Get("/ui/app.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_NE(script.head.find("Content-Type: text/javascript; charset=utf-8"), std::string::npos) << script.head;
  for (const char* path : {"/ui/../api/v1/pipelines", "/ui/%2e%2e/%2e%2e/etc/passwd", "/ui/..%2f..%2fetc%2fpasswd",
                           "/ui/%2e%2e", "/../../etc/passwd", "/ui/app.js%00.css"}) {
    RawResponse refused = Exchange(server_->port(), Get(path));
    EXPECT_TRUE(refused.status == 404 || refused.status == 400) << path << " answered " << refused.status;
    EXPECT_EQ(refused.body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(refused.body.find("\"pipelines\""), std::string::npos) << path;
  }
}

TEST_F(HttpServerTest, ASecondServerOnTheSamePortCannotListen) {
  ServerOptions options;
  options.port = server_->port();
  Result<std::unique_ptr<Server>> second = Server::Start(Context(&scheduler_), options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), "cannot-listen");
  EXPECT_NE(second.status().message().find(std::to_string(server_->port())), std::string::npos);
}

TEST_F(HttpServerTest, StopsAtOnceAndTwice) {
  int port = server_->port();
  server_->Stop();
  server_->Stop();
  EXPECT_EQ(Exchange(port, Get("/healthz")).status, 0) << "nothing listens any more";
}

}  // namespace
}  // namespace weir::server_test
