#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <random>
#include <unistd.h>

#include "connectors/tests/local_http_server.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

using testing::LocalHttpServer;

class HttpTaskTest : public TaskTestBase {
 protected:
  HttpTaskTest() : TaskTestBase("http", "fetch", "tok-9f8e7d6c5b4a") {}

  void SetUp() override {
    TaskTestBase::SetUp();
    env_.Set("BASE_URL", server_.Url(""));
  }

  std::string Lake(const std::string& relative) const { return root_ + "/lake/" + relative; }

  QueryRows Query(const std::string& sql) {
    auto db = DuckDbConnection::Open(":memory:");
    EXPECT_TRUE(db.ok());
    Result<QueryRows> rows = (*db)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : QueryRows{};
  }

  LocalHttpServer server_;
};

TEST_F(HttpTaskTest, GetRendersUrlAndHeadersAndKeepsAJsonPayloadVerbatim) {
  const std::string payload = "{\"items\": [1, 2],\n \"next\": null}";
  server_.Script("/sales", {{200, payload}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/sales?date={{ ds }}"
headers: {X-Run: "{{ run_id }}-{{ attempt }}", Authorization: "Bearer {{ secret('api_token') }}"}
to: raw/sales/ds={{ ds }}/sales.json
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "{\"bytes\": " + std::to_string(payload.size()) +
                      ", \"path\": \"raw/sales/ds=2024-03-05/sales.json\", \"status\": 200}");
  EXPECT_EQ(Slurp(Lake("raw/sales/ds=2024-03-05/sales.json")), payload);
  std::vector<LocalHttpServer::Request> received = server_.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[0].target, "/sales?date=2024-03-05");
  EXPECT_EQ(received[0].Header("x-run"), "7-1");
  EXPECT_EQ(received[0].Header("authorization"), "Bearer tok-9f8e7d6c5b4a");
  EXPECT_FALSE(std::filesystem::exists(log_path()));  // a quiet success keeps no log
}

TEST_F(HttpTaskTest, PostSendsABodyMappingAsJson) {
  server_.Script("/search", {{200, "[]"}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/search"
body: {date: "{{ ds }}", limit: 100, exact: true, words: [a, "b"], quoted: "7"}
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, R"({"bytes": 2, "status": 200})");
  ASSERT_EQ(server_.requests().size(), 1u);
  LocalHttpServer::Request request = server_.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.body, R"({"date": "2024-03-05", "limit": 100, "exact": true, "words": ["a", "b"], "quoted": "7"})");
  EXPECT_EQ(request.Header("content-type"), "application/json");
}

TEST_F(HttpTaskTest, StringBodyMethodAndAuth) {
  server_.Script("/put", {{200, "ok"}});
  server_.Script("/bearer", {{200, "ok"}});
  ASSERT_TRUE(Run(Task(R"(url: "{{ env_var('BASE_URL') }}/put"
method: put
headers: {Content-Type: text/plain}
body: "day {{ ds }}"
auth: {basic: {user: etl, password: "{{ secret('api_token') }}"}}
)")).ok());
  ASSERT_TRUE(Run(Task(R"(url: "{{ env_var('BASE_URL') }}/bearer"
auth: {bearer: "{{ secret('api_token') }}"}
)")).ok());
  std::vector<LocalHttpServer::Request> received = server_.requests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].method, "PUT");
  EXPECT_EQ(received[0].body, "day 2024-03-05");
  EXPECT_EQ(received[0].Header("content-type"), "text/plain");
  EXPECT_EQ(received[0].Header("authorization"), "Basic ZXRsOnRvay05ZjhlN2Q2YzViNGE=");  // base64("etl:tok-...")
  EXPECT_EQ(received[1].Header("authorization"), "Bearer tok-9f8e7d6c5b4a");
  EXPECT_EQ(Run(Task("url: x\nmethod: FETCH\n")).status().code(), "bad-method");
  EXPECT_EQ(Run(Task("url: x\nauth: {token: x}\n")).status().code(), "bad-auth");
}

TEST_F(HttpTaskTest, ServerErrorsAreFaultsAndTheirBodyIsLogged) {
  server_.Script("/flaky", {{503, "upstream down, try again"}});
  Result<std::string> out = Run(Task("url: \"{{ env_var('BASE_URL') }}/flaky\"\n"));
  EXPECT_EQ(out.status().kind(), ErrorKind::kFault);
  EXPECT_EQ(out.status().code(), "http-503");
  EXPECT_EQ(out.status().retry_after(), std::nullopt);
  EXPECT_NE(out.status().message().find("GET " + server_.Url("/flaky") + " answered 503: upstream down"),
            std::string::npos) << out.status().message();
  std::string log = Slurp(log_path());
  EXPECT_NE(log.find("[weir] attempt 1: http GET " + server_.Url("/flaky") + "\n"), std::string::npos) << log;
  EXPECT_NE(log.find("[weir] answered 503, 24 bytes\n"), std::string::npos) << log;
  EXPECT_NE(log.find("response body (first 500 bytes): upstream down, try again\n"), std::string::npos) << log;
}

TEST_F(HttpTaskTest, NotFoundIsAUserError) {
  Result<std::string> out = Run(Task("url: \"{{ env_var('BASE_URL') }}/missing\"\n"));
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(out.status().code(), "http-404");
  EXPECT_EQ(server_.RequestCount("/missing"), 1);
}

TEST_F(HttpTaskTest, TooManyRequestsCarriesRetryAfter) {
  server_.Script("/limited", {{429, "slow down", {{"Retry-After", "1"}}}});
  Result<std::string> out = Run(Task("url: \"{{ env_var('BASE_URL') }}/limited\"\n"));
  EXPECT_EQ(out.status().kind(), ErrorKind::kFault);
  EXPECT_EQ(out.status().code(), "http-429");
  EXPECT_EQ(out.status().retry_after(), std::chrono::seconds(1));
}

TEST_F(HttpTaskTest, ConnectionErrorsAreFaultsShowingTheRedactedUrl) {
  int closed_port;
  {
    LocalHttpServer gone;
    closed_port = gone.port();
  }
  Result<std::string> out =
      Run(Task("url: \"http://127.0.0.1:" + std::to_string(closed_port) + "/x?key={{ secret('api_token') }}\"\n"));
  EXPECT_EQ(out.status().kind(), ErrorKind::kFault);
  EXPECT_EQ(out.status().code(), "http-connection");
  EXPECT_NE(out.status().message().find("/x?key=***"), std::string::npos) << out.status().message();
  EXPECT_EQ(out.status().message().find("tok-9f8e7d6c5b4a"), std::string::npos);
  std::string log = Slurp(log_path());
  EXPECT_NE(log.find("/x?key=***"), std::string::npos) << log;
  EXPECT_EQ(log.find("tok-9f8e7d6c5b4a"), std::string::npos) << log;
}

TEST_F(HttpTaskTest, SecretsNeverReachTheLogOrTheMessageEvenWhenTheServerEchoesThem) {
  server_.Script("/echo", {{401, "invalid token tok-9f8e7d6c5b4a for user etl"}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/echo"
headers: {Authorization: "Bearer {{ secret('api_token') }}", X-Tenant: "t-{{ secret('api_token') }}"}
)"));
  EXPECT_EQ(out.status().code(), "http-401");
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(server_.requests().at(0).Header("authorization"), "Bearer tok-9f8e7d6c5b4a");
  std::string log = Slurp(log_path());
  EXPECT_EQ(log.find("tok-9f8e7d6c5b4a"), std::string::npos) << log;
  EXPECT_NE(log.find("invalid token *** for user etl"), std::string::npos) << log;
  EXPECT_NE(log.find("request headers: Authorization: ***, X-Tenant: t-***"), std::string::npos) << log;
  EXPECT_EQ(out.status().message().find("tok-9f8e7d6c5b4a"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("invalid token ***"), std::string::npos) << out.status().message();
}

TEST_F(HttpTaskTest, FileUrlsWorkThroughLibcurl) {
  std::filesystem::create_directories(root_ + "/data");
  std::ofstream(root_ + "/data/page.json") << R"([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])";
  Result<std::string> out = Run(Task("url: \"file://" + root_ + "/data/page.json\"\nto: raw/page.csv\n"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Slurp(Lake("raw/page.csv")), "id,v\n1,a\n2,b\n");
  EXPECT_EQ(Run(Task("url: \"file://" + root_ + "/data/none.json\"\n")).status().code(), "http-file-missing");
}

// Records at a path become Parquet with types inferred from them; the
// expected values are computed here from the generated records.
TEST_F(HttpTaskTest, RecordsAreParsedIntoParquetWithAnInferredSchema) {
  std::mt19937 random(42);
  std::string records;
  long long quantity_sum = 0;
  double price_sum = 0;
  int shipped = 0;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    int quantity = static_cast<int>(random() % 50);
    double price = static_cast<double>(random() % 10000) / 4;
    bool is_shipped = random() % 2 == 0;
    quantity_sum += quantity;
    price_sum += price;
    shipped += is_shipped;
    char line[256];
    std::snprintf(line, sizeof line,
                  R"(%s{"order_id": %d, "quantity": %d, "price": %.2f, "amount": "%d.10", "shipped": %s, "tags": ["t%d"]})",
                  i > 0 ? "," : "", i, quantity, price, i, is_shipped ? "true" : "false", i % 3);
    records += line;
  }
  server_.Script("/orders", {{200, R"({"meta": {"page": 1}, "data": [)" + records + "]}"}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/orders"
records: $.data
to: raw/orders/ds={{ ds }}/orders.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(out->find("\"records\": 3000, \"rows_rejected\": 0, \"rows_written\": 3000"), std::string::npos) << *out;
  std::string file = Lake("raw/orders/ds=2024-03-05/orders.parquet");
  std::string read = "read_parquet('" + file + "', hive_partitioning = false)";
  QueryRows types = Query("DESCRIBE SELECT * FROM " + read);
  std::vector<std::string> described;
  for (const auto& row : types.rows) described.push_back(*row[0] + " " + *row[1]);
  EXPECT_EQ(described, (std::vector<std::string>{"order_id BIGINT", "quantity BIGINT", "price DOUBLE",
                                                 "amount VARCHAR", "shipped BOOLEAN", "tags VARCHAR"}));
  char price[64];
  std::snprintf(price, sizeof price, "%.2f", price_sum);
  QueryRows sums = Query("SELECT count(*), sum(quantity), abs(sum(price) - " + std::string(price) + ") < 0.001, "
                         "count(*) FILTER (WHERE shipped), max(order_id), min(tags) FROM " + read);
  EXPECT_EQ(sums.rows.at(0), (std::vector<std::optional<std::string>>{std::to_string(n), std::to_string(quantity_sum),
                                                                      "true", std::to_string(shipped),
                                                                      std::to_string(n - 1), "[\"t0\"]"}));
}

TEST_F(HttpTaskTest, RecordsThatAreNotObjectsGoToTheRejectsTable) {
  std::string payload = R"([{"id": 1}, "oops", {"id": 2}, {"id": }])";
  server_.Script("/mixed", {{200, payload}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/mixed"
to: raw/mixed.parquet
rejects: {table: rejects.api}
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, R"({"bytes": )" + std::to_string(payload.size()) +
                      R"(, "path": "raw/mixed.parquet", "records": 4, "rows_rejected": 2, "rows_written": 2, "status": 200})");
  DuckDbConnector connector;
  auto warehouse = connector.Connect(root_ + "/warehouse.duckdb");
  ASSERT_TRUE(warehouse.ok()) << warehouse.status().ToString();
  Result<QueryRows> rejects =
      (*warehouse)->Query("SELECT run_id, pipeline, task, ds, reason, source, row_json FROM rejects.api ORDER BY source");
  ASSERT_TRUE(rejects.ok()) << rejects.status().ToString();
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(rejects->rows,
            (std::vector<Row>{
                {"7", "p", "fetch", "2024-03-05", "record is not an object",
                 "page 1, offset " + std::to_string(payload.find("\"oops\"")), "\"oops\""},
                {"7", "p", "fetch", "2024-03-05", "malformed JSON",
                 "page 1, offset " + std::to_string(payload.find("{\"id\": }")), "{\"id\": }"}}));
}

// A payload of many batches streams through the loader, yet gets one
// schema: a key that holds integers until near the end (after the batches
// the columns are first taken from), then a string, is VARCHAR, and a key
// first seen in the last record is a column too.
TEST_F(HttpTaskTest, RecordsOfManyBatchesGetTheSchemaOfAllOfThem) {
  const int n = 40000;
  long long id_sum = 0;
  std::string payload = "{\"data\": [";
  for (int i = 0; i < n; ++i) {
    id_sum += i;
    payload += (i > 0 ? ",\n" : "") + std::string("{\"id\": ") + std::to_string(i) + ", \"code\": ";
    payload += i == n - 10 ? "\"X7\"" : std::to_string(i % 100);
    payload += i == n - 1 ? ", \"late\": 2.5}" : "}";
  }
  payload += "]}";
  server_.Script("/many", {{200, payload}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/many"
records: $.data
to: raw/many.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(out->find("\"records\": 40000, \"rows_rejected\": 0, \"rows_written\": 40000"), std::string::npos) << *out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root_)) {  // the spill is gone
    EXPECT_EQ(entry.path().filename().string().find("weir-records-"), std::string::npos) << entry.path();
  }
  std::string read = "read_parquet('" + Lake("raw/many.parquet") + "')";
  QueryRows types = Query("DESCRIBE SELECT * FROM " + read);
  std::vector<std::string> described;
  for (const auto& row : types.rows) described.push_back(*row[0] + " " + *row[1]);
  EXPECT_EQ(described, (std::vector<std::string>{"id BIGINT", "code VARCHAR", "late DOUBLE"}));
  QueryRows sums = Query("SELECT sum(id), count(*) FILTER (WHERE code = CAST(id % 100 AS VARCHAR)), "
                         "max(code) FILTER (WHERE id = " + std::to_string(n - 10) + "), sum(late) FROM " + read);
  EXPECT_EQ(sums.rows.at(0), (std::vector<std::optional<std::string>>{std::to_string(id_sum), std::to_string(n - 1),
                                                                      "X7", "2.5"}));
}

// A `.json` target gets the payload byte for byte as it streams, with its
// records counted; a damaged payload leaves no file, not even a temporary one.
TEST_F(HttpTaskTest, AJsonTargetStreamsThePayloadAndLeavesNothingWhenItIsDamaged) {
  std::string payload = "{\"data\": [";
  for (int i = 0; i < 50000; ++i) payload += (i > 0 ? ", " : "") + std::string("{\"n\": \"") + std::to_string(i) + "\"}";
  payload += "]}";
  server_.Script("/page", {{200, payload}});
  server_.Script("/damaged", {{200, payload.substr(0, payload.size() - 1)}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/page"
records: $.data
to: raw/page.json
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "{\"bytes\": " + std::to_string(payload.size()) +
                      ", \"path\": \"raw/page.json\", \"records\": 50000, \"status\": 200}");
  EXPECT_TRUE(Slurp(Lake("raw/page.json")) == payload);
  Result<std::string> damaged = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/damaged"
records: $.data
to: raw/damaged/page.json
)"));
  EXPECT_EQ(damaged.status().code(), "bad-json");
  EXPECT_NE(damaged.status().message().find("byte offset 0"), std::string::npos) << damaged.status().message();
  EXPECT_TRUE(!std::filesystem::exists(Lake("raw/damaged")) || std::filesystem::is_empty(Lake("raw/damaged")));
}

TEST_F(HttpTaskTest, APayloadThatIsNotJsonFailsWithItsOffset) {
  server_.Script("/html", {{200, "<html>maintenance</html>"}});
  Result<std::string> out = Run(Task("url: \"{{ env_var('BASE_URL') }}/html\"\nto: raw/x.parquet\n"));
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(out.status().code(), "bad-json");
  EXPECT_NE(out.status().message().find("at byte offset 0"), std::string::npos) << out.status().message();
  EXPECT_FALSE(std::filesystem::exists(Lake("raw/x.parquet")));
}

}  // namespace
}  // namespace weir
