// The web UI's files as the server answers them: `/` is index.html, each
// file under /ui/ byte for byte as in src/server/ui/ with its Content-Type
// and caching headers; any other name, a folder or a `..` path is a 404,
// and the API's routes are unchanged beside them.
#include <filesystem>

#include "server/internal/handlers.h"
#include "server/tests/api_test_support.h"

namespace weir::server_test {
namespace {

std::string SourceFile(const std::string& name) {
  std::ifstream in(std::filesystem::path(WEIR_UI_SOURCE_DIR) / name, std::ios::binary);
  EXPECT_TRUE(in.good()) << name;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "(none)";
}

class UiApiTest : public ApiTest {};

TEST_F(UiApiTest, HomeIsTheIndexPage) {
  HttpResponse home = Call("GET", "/");
  EXPECT_EQ(home.status, 200);
  EXPECT_EQ(home.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(home.body, SourceFile("index.html"));
  EXPECT_EQ(Header(home, "Cache-Control"), "no-cache");
  EXPECT_EQ(Header(home, "X-Content-Type-Options"), "nosniff");
  EXPECT_NE(Header(home, "Content-Security-Policy").find("default-src 'self'"), std::string::npos);
}

TEST_F(UiApiTest, EachFileIsServedAsItIsWithItsType) {
  std::map<std::string, std::string> types = {{".html", "text/html; charset=utf-8"},
                                              {".js", "text/javascript; charset=utf-8"},
                                              {".css", "text/css; charset=utf-8"}};
  ASSERT_GE(server_internal::UiFiles().size(), 5u);
  for (const auto& [name, bytes] : server_internal::UiFiles()) {
    HttpResponse file = Call("GET", "/ui/" + name);
    EXPECT_EQ(file.status, 200) << name;
    EXPECT_EQ(file.body, SourceFile(name)) << name;
    EXPECT_EQ(file.content_type, types.at(name.substr(name.rfind('.')))) << name;
    EXPECT_EQ(Header(file, "Cache-Control"), "no-cache") << name;
  }
  EXPECT_EQ(Call("HEAD", "/ui/app.js").status, 200);
}

// Every module the page imports is one the server has: a missing file
// would only show as a blank page in the browser.
TEST_F(UiApiTest, EveryImportedModuleIsEmbedded) {
  for (const auto& [name, bytes] : server_internal::UiFiles()) {
    std::string text(bytes);
    for (size_t at = text.find("from './"); at != std::string::npos; at = text.find("from './", at + 1)) {
      size_t start = at + 8;
      std::string imported = text.substr(start, text.find('\'', start) - start);
      EXPECT_EQ(server_internal::UiFiles().count(imported), 1u) << name << " imports " << imported;
    }
  }
  std::string index = SourceFile("index.html");
  EXPECT_NE(index.find("src=\"/ui/app.js\""), std::string::npos);
  EXPECT_NE(index.find("href=\"/ui/style.css\""), std::string::npos);
}

TEST_F(UiApiTest, UnknownNamesAndPathsAre404) {
  for (const char* path : {"/ui/nope.js", "/ui/", "/ui", "/ui/..", "/ui/../api/v1/pipelines", "/ui/%2e%2e",
                           "/ui/./app.js", "/ui/sub/app.js", "/ui/APP.JS", "/ui/app.js/", "/index.html",
                           "/ui/../../etc/passwd", "/ui/..%2Fopenapi.json"}) {
    HttpResponse response = Call("GET", path);
    // "/ui/app.js/" is the same path as "/ui/app.js" (a trailing slash is ignored everywhere).
    if (std::string(path) == "/ui/app.js/") {
      EXPECT_EQ(response.status, 200);
      continue;
    }
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.content_type, "application/json") << path;
  }
  EXPECT_EQ(Call("POST", "/ui/app.js").status, 405);
}

TEST_F(UiApiTest, ApiRoutesKeepTheirAnswers) {
  HttpResponse pipelines = Call("GET", "/api/v1/pipelines");
  EXPECT_EQ(pipelines.status, 200);
  EXPECT_EQ(pipelines.content_type, "application/json");
  EXPECT_EQ(JsonOf(pipelines)["pipelines"].size(), 2u);
  EXPECT_EQ(Call("GET", "/api/v1/nope").status, 404);
  EXPECT_EQ(Call("GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace weir::server_test
