// The http task's API keys and OAuth2 client credentials against the
// scripted loopback server: where keys go, a token fetched once and reused,
// renewed when it expires (on a FakeClock) or is refused, and never shown.
#include <gtest/gtest.h>

#include <filesystem>

#include "connectors/tests/local_http_server.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

using testing::LocalHttpServer;
using Reply = LocalHttpServer::Reply;

std::string Param(const std::string& target, const std::string& name) {
  size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::string query = "&" + target.substr(q + 1);
  size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return "";
  size_t begin = at + name.size() + 2;
  return query.substr(begin, query.find('&', begin) - begin);
}

std::string Records(int from, int to) {
  std::string out = "[";
  for (int i = from; i < to; ++i) out += (i > from ? ", " : "") + std::string("{\"id\": ") + std::to_string(i) + "}";
  return out + "]";
}

class HttpAuthTest : public TaskTestBase {
 protected:
  static constexpr const char* kSecret = "tok-9f8e7d6c5b4a";
  HttpAuthTest() : TaskTestBase("http", "fetch", kSecret) {}

  void SetUp() override {
    TaskTestBase::SetUp();
    env_.Set("BASE_URL", server_.Url(""));
    services_.clock = &clock_;
  }

  // A token endpoint that hands out "<prefix>-1", "<prefix>-2", ... valid `expires_in` seconds.
  void ServeTokens(const std::string& prefix, int expires_in) {
    server_.Handle("/token", [this, prefix, expires_in](const LocalHttpServer::Request&) {
      int n = server_.RequestCount("/token");
      return Reply{200, R"({"access_token": ")" + prefix + "-" + std::to_string(n) +
                            R"(", "token_type": "Bearer", "expires_in": )" + std::to_string(expires_in) + "}",
                   {{"Content-Type", "application/json"}}, {}};
    });
  }
  std::vector<LocalHttpServer::Request> Received(const std::string& path) const {
    std::vector<LocalHttpServer::Request> out;
    for (const auto& r : server_.requests()) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  std::string EverythingShown(const Result<std::string>& out) const {
    return (out.ok() ? *out : out.status().ToString()) + "\n" + Slurp(log_path());
  }

  LocalHttpServer server_;
  FakeClock clock_{std::chrono::system_clock::now()};
};

// Ten records a page, the 12th page short; one request a second, so the
// token (10 s, renewed a tenth of its life early) is renewed before page 10.
TEST_F(HttpAuthTest, AnOAuth2TokenIsFetchedOnceReusedAndRenewedBeforeItExpires) {
  ServeTokens("access", 10);
  server_.Handle("/api", [](const LocalHttpServer::Request& r) {
    int page = std::stoi(Param(r.target, "page"));
    return Reply{200, Records(page * 10, page * 10 + (page == 12 ? 5 : 10)), {}, {}};
  });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/api"
auth:
  oauth2:
    token_url: "{{ env_var('BASE_URL') }}/token"
    client_id: etl-client
    client_secret: "{{ secret('api_token') }}"
    scope: "read:orders"
paginate: {type: page, size: 10}
rate_limit: 1/s
to: raw/api.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<LocalHttpServer::Request> tokens = Received("/token");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].method, "POST");
  EXPECT_EQ(tokens[0].Header("content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(tokens[0].Header("authorization"), "Basic ZXRsLWNsaWVudDp0b2stOWY4ZTdkNmM1YjRh");  // etl-client:tok-...
  EXPECT_EQ(tokens[0].body, "grant_type=client_credentials&scope=read%3Aorders");
  std::vector<LocalHttpServer::Request> pages = Received("/api");
  ASSERT_EQ(pages.size(), 12u);
  for (size_t i = 0; i < pages.size(); ++i) {
    EXPECT_EQ(pages[i].Header("authorization"), i < 9 ? "Bearer access-1" : "Bearer access-2") << "page " << i + 1;
  }
  std::string shown = EverythingShown(out);
  EXPECT_EQ(shown.find("access-1"), std::string::npos) << shown;
  EXPECT_EQ(shown.find(kSecret), std::string::npos) << shown;
}

// The API refuses the first token from page 2 on (revoked): one new token,
// the same page again; client_auth: body sends the credentials in the form.
TEST_F(HttpAuthTest, A401RenewsTheTokenAndSendsThePageAgain) {
  ServeTokens("t", 3600);
  server_.Handle("/api", [](const LocalHttpServer::Request& r) {
    int page = std::stoi(Param(r.target, "page"));
    if (page >= 2 && r.Header("authorization") == "Bearer t-1") return Reply{401, "token revoked", {}, {}};
    return Reply{200, Records(page * 10, page * 10 + (page == 3 ? 1 : 10)), {}, {}};
  });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/api"
auth: {oauth2: {token_url: "{{ env_var('BASE_URL') }}/token", client_id: "etl", client_secret: "{{ secret('api_token') }}", client_auth: body}}
paginate: {type: page, size: 10}
to: raw/api.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<LocalHttpServer::Request> tokens = Received("/token");
  ASSERT_EQ(tokens.size(), 2u);
  EXPECT_EQ(tokens[0].body, std::string("grant_type=client_credentials&client_id=etl&client_secret=") + kSecret);
  EXPECT_EQ(tokens[0].Header("authorization"), "");
  std::vector<std::string> sent;
  for (const auto& r : Received("/api")) sent.push_back(Param(r.target, "page") + " " + r.Header("authorization"));
  EXPECT_EQ(sent, (std::vector<std::string>{"1 Bearer t-1", "2 Bearer t-1", "2 Bearer t-2", "3 Bearer t-2"}));
  EXPECT_EQ(clock_.waits().size(), 0u);  // a renewal is no retry: no backoff
}

// A token the API echoes back, and a client secret, stay out of the error
// and the log.
TEST_F(HttpAuthTest, TokensFromTheTokenEndpointAreRedacted) {
  server_.Handle("/token", [](const LocalHttpServer::Request&) {
    return Reply{200, R"({"access_token": "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.Zm9v", "expires_in": 60})", {}, {}};
  });
  server_.Script("/api", {{403, "token eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.Zm9v may not read orders", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/api"
auth: {oauth2: {token_url: "{{ env_var('BASE_URL') }}/token", client_id: etl, client_secret: "{{ secret('api_token') }}"}}
)"));
  EXPECT_EQ(out.status().code(), "http-403");
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);
  EXPECT_NE(out.status().message().find("answered 403: token *** may not read orders"), std::string::npos)
      << out.status().message();
  EXPECT_EQ(Received("/api").at(0).Header("authorization"), "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.Zm9v");
  std::string shown = EverythingShown(out);
  EXPECT_EQ(shown.find("c2VjcmV0"), std::string::npos) << shown;
  EXPECT_EQ(shown.find(kSecret), std::string::npos) << shown;
  EXPECT_NE(shown.find("request headers: Authorization: ***"), std::string::npos) << shown;
}

TEST_F(HttpAuthTest, ATokenEndpointThatRefusesIsAUserError) {
  server_.Script("/token", {{401, R"({"error": "invalid_client", "echo": "tok-9f8e7d6c5b4a"})", {}, {}}});
  server_.Script("/no-token", {{200, R"({"token": "x"})", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/api"
auth: {oauth2: {token_url: "{{ env_var('BASE_URL') }}/token", client_id: etl, client_secret: "{{ secret('api_token') }}"}}
)"));
  EXPECT_EQ(out.status().code(), "oauth2-token");
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);
  EXPECT_NE(out.status().message().find("oauth2 token request: POST " + server_.Url("/token") + " answered 401"),
            std::string::npos) << out.status().message();
  EXPECT_EQ(EverythingShown(out).find(kSecret), std::string::npos) << EverythingShown(out);
  EXPECT_EQ(server_.RequestCount("/api"), 0);
  Result<std::string> no_token = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/api"
auth: {oauth2: {token_url: "{{ env_var('BASE_URL') }}/no-token", client_id: etl, client_secret: s3cr3t-value}}
)"));
  EXPECT_EQ(no_token.status().code(), "oauth2-token");
  EXPECT_NE(no_token.status().message().find("without a JSON object holding a string 'access_token'"),
            std::string::npos) << no_token.status().message();
}

// An API key in the query is set on every page, also on next links that
// lack it, and shown as *** (a literal key as much as a secret()).
TEST_F(HttpAuthTest, AnApiKeyInTheQueryGoesOnEveryPageAndIsNeverShown) {
  server_.Script("/repos", {{200, Records(0, 2), {{"Link", "</repos?page=2>; rel=\"next\""}}, {}},
                            {200, Records(2, 4), {{"Link", "</repos?page=3&key=stale>; rel=\"next\""}}, {}},
                            {404, "no page 3 for key literal-key-7a6b5c", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/repos"
auth: {api_key: {query: key, value: literal-key-7a6b5c}}
paginate: {type: link}
to: raw/repos.parquet
)"));
  EXPECT_EQ(out.status().code(), "http-404");
  std::vector<std::string> targets;
  for (const auto& r : Received("/repos")) targets.push_back(r.target);
  EXPECT_EQ(targets, (std::vector<std::string>{"/repos?key=literal-key-7a6b5c", "/repos?page=2&key=literal-key-7a6b5c",
                                               "/repos?page=3&key=literal-key-7a6b5c"}));
  EXPECT_NE(out.status().message().find("page 3: GET " + server_.Url("/repos?page=3&key=***") +
                                        " answered 404: no page 3 for key ***"), std::string::npos)
      << out.status().message();
  EXPECT_EQ(EverythingShown(out).find("literal-key"), std::string::npos) << EverythingShown(out);
}

TEST_F(HttpAuthTest, AnApiKeyInAHeader) {
  server_.Script("/items", {{200, Records(0, 3), {}, {}}, {200, "[]", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items"
auth: {api_key: {header: X-Api-Key, value: "{{ secret('api_token') }}"}}
paginate: {type: page}
to: raw/items.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  for (const auto& r : Received("/items")) EXPECT_EQ(r.Header("x-api-key"), kSecret);
  EXPECT_EQ(Received("/items").size(), 2u);
  EXPECT_EQ(Run(Task("url: x\nauth: {api_key: {value: k}}\n")).status().code(), "bad-auth");
  Result<std::string> unknown = Run(Task("url: x\nauth: {oauth2: {token_url: t, client_id: i, client_secret: s, "
                                         "scopes: r}}\n"));
  EXPECT_EQ(unknown.status().code(), "unknown-key");
  EXPECT_NE(unknown.status().message().find("did you mean 'scope'?"), std::string::npos) << unknown.status().message();
}

}  // namespace
}  // namespace weir
