// The OpenAPI document against the server: every route is documented and
// every documented operation is routed, and each operation, called with
// good ids and with unknown ones, answers only codes the document lists
// for it. A new route without documentation (or the reverse) fails here.
#include <set>

#include "server/internal/handlers.h"
#include "server/tests/api_test_support.h"

namespace weir::server_test {
namespace {

using nlohmann::json;

json Document() { return json::parse(server_internal::OpenApiJson()); }

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// `path` with each {name} replaced as `values` says.
std::string Filled(std::string path, const std::map<std::string, std::string>& values) {
  for (const auto& [name, value] : values) {
    std::string key = "{" + name + "}";
    for (size_t at = path.find(key); at != std::string::npos; at = path.find(key)) path.replace(at, key.size(), value);
  }
  return path;
}

TEST(OpenApiTest, IsAnOpenApi3DocumentServedAsIs) {
  json doc = Document();
  EXPECT_EQ(doc["openapi"].get<std::string>().substr(0, 2), "3.");
  EXPECT_TRUE(doc["info"].contains("title"));
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      EXPECT_TRUE(operation.contains("operationId")) << method << " " << path;
      EXPECT_FALSE(operation["responses"].empty()) << method << " " << path;
    }
  }
}

TEST(OpenApiTest, EveryRouteIsDocumentedAndEveryOperationRouted) {
  std::set<std::string> routed, documented;
  for (const server_internal::Route& route : server_internal::Routes()) routed.insert(route.method + " " + route.pattern);
  json doc = Document();
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) documented.insert(Upper(method) + " " + path);
  }
  EXPECT_EQ(routed, documented);
}

// Each route's query parameters are the document's.
TEST(OpenApiTest, QueryParametersMatchTheDocument) {
  json doc = Document();
  for (const server_internal::Route& route : server_internal::Routes()) {
    std::set<std::string> documented;
    for (const json& p : doc["paths"][route.pattern][Lower(route.method)].value("parameters", json::array())) {
      std::string ref = p["$ref"];
      const json& param = doc["components"]["parameters"][ref.substr(ref.rfind('/') + 1)];
      if (param["in"] == "query") documented.insert(param["name"].get<std::string>());
    }
    EXPECT_EQ(std::set<std::string>(route.query.begin(), route.query.end()), documented) << route.pattern;
  }
}

class OpenApiCallsTest : public ApiTest {};

// Every operation answers, for good ids and for unknown ones, only with a
// status its document lists.
TEST_F(OpenApiCallsTest, EveryOperationAnswersOnlyDocumentedCodes) {
  TempFolder folder;
  RunRecord finished = CreateRun("chain", "2024-03-01");
  Result<AttemptRecord> attempt = store_->StartAttempt(finished.id, "b", clock_.Now(), folder.Write("b.log", "hi\n"));
  ASSERT_TRUE(attempt.ok());
  AttemptEnd end;
  end.ended_at = clock_.Now();
  ASSERT_TRUE(store_->FinishAttempt(attempt->id, end).ok());
  ASSERT_TRUE(store_->FinishRun(finished.id, RunState::kSuccess, clock_.Now()).ok());
  RunRecord queued = CreateRun("chain", "2024-03-02", /*queued=*/true);
  scheduler_.ticks = 1;
  scheduler_.last_tick = clock_.Now();
  // Bodies that the operations accept.
  std::map<std::string, std::string> bodies = {
      {"triggerRun", R"({"date": "2024-03-05"})"},
      {"clearRun", R"({"tasks": ["b"]})"},
      {"markRun", R"({"state": "success", "tasks": ["b"]})"},
  };
  int calls = 0;
  json doc = Document();
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      std::set<int> listed;
      for (const auto& [code, response] : operation["responses"].items()) listed.insert(std::stoi(code));
      std::string id = operation["operationId"];
      std::string run = id == "cancelRun" ? std::to_string(queued.id.value) : std::to_string(finished.id.value);
      std::string body = bodies.count(id) ? bodies[id] : "";
      for (const auto& values : {std::map<std::string, std::string>{{"pipeline", "chain"}, {"run", run}, {"task", "b"}},
                                 std::map<std::string, std::string>{{"pipeline", "nope"}, {"run", "999"}, {"task", "zz"}}}) {
        if (values.at("pipeline") == "nope" && path.find('{') == std::string::npos) continue;
        HttpResponse response = Call(Upper(method), Filled(path, values), body);
        EXPECT_EQ(listed.count(response.status), 1u)
            << Upper(method) << " " << Filled(path, values) << " answered " << response.status
            << ", which the document does not list: " << response.body;
        ++calls;
      }
    }
  }
  EXPECT_GT(calls, 30);
}

}  // namespace
}  // namespace weir::server_test
