// The http task's paginated extracts against the scripted loopback server:
// each pagination style, one table from all pages, faults retried per
// request inside the attempt (on a FakeClock: the waits are exact and no
// test sleeps for them), timeouts, the rate limit and malformed pages.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>

#include "connectors/tests/local_http_server.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

using testing::LocalHttpServer;
using Reply = LocalHttpServer::Reply;
using Row = std::vector<std::optional<std::string>>;

// The value of query parameter `name` in a request target, "" if absent.
std::string Param(const std::string& target, const std::string& name) {
  size_t q = target.find('?');
  if (q == std::string::npos) return "";
  std::string query = "&" + target.substr(q + 1);
  size_t at = query.find("&" + name + "=");
  if (at == std::string::npos) return "";
  size_t begin = at + name.size() + 2;
  return query.substr(begin, query.find('&', begin) - begin);
}

// Records {"id": i, "name": "n<i>", "amount": i * 1.5} for i in [from, to).
std::string Records(int from, int to) {
  std::string out = "[";
  for (int i = from; i < to; ++i) {
    out += (i > from ? ", " : "") + std::string("{\"id\": ") + std::to_string(i) + ", \"name\": \"n" +
           std::to_string(i) + "\", \"amount\": " + std::to_string(i) + ".5}";
  }
  return out + "]";
}

class HttpPaginationTest : public TaskTestBase {
 protected:
  HttpPaginationTest() : TaskTestBase("http", "fetch", "tok-9f8e7d6c5b4a") {}

  void SetUp() override {
    TaskTestBase::SetUp();
    env_.Set("BASE_URL", server_.Url(""));
    services_.clock = &clock_;
  }

  QueryRows Query(const std::string& sql) {
    auto db = DuckDbConnection::Open(":memory:");
    EXPECT_TRUE(db.ok());
    Result<QueryRows> rows = (*db)->Query(sql);
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : QueryRows{};
  }
  std::string Read(const std::string& relative) const {
    return "read_parquet('" + root_ + "/lake/" + relative + "', hive_partitioning = false)";
  }
  // count, sum(id), min(id), max(id) of a lake file: the ids [from, to) give "n, sum, from, to-1".
  Row Ids(const std::string& relative) {
    return Query("SELECT count(*), sum(id), min(id), max(id) FROM " + Read(relative)).rows.at(0);
  }
  static Row Expected(int from, int to) {
    long long sum = 0;
    for (int i = from; i < to; ++i) sum += i;
    return {std::to_string(to - from), std::to_string(sum), std::to_string(from), std::to_string(to - 1)};
  }
  std::vector<std::string> Targets(const std::string& path) const {
    std::vector<std::string> out;
    for (const auto& r : server_.requests()) {
      if (r.path == path) out.push_back(r.target);
    }
    return out;
  }
  std::chrono::milliseconds Waited() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Now() - start_);
  }

  LocalHttpServer server_;
  const TimePoint start_ = std::chrono::system_clock::now();
  FakeClock clock_{start_};
};

// An API of 250 records, `per_page` at a time, pages numbered from 1.
Reply NumberedPages(const LocalHttpServer::Request& r, int total) {
  int page = std::stoi(Param(r.target, "page"));
  int per_page = Param(r.target, "per_page").empty() ? 100 : std::stoi(Param(r.target, "per_page"));
  int from = std::min(total, (page - 1) * per_page);
  return Reply{200, Records(from, std::min(total, from + per_page)), {}, {}};
}

TEST_F(HttpPaginationTest, PageNumbersUntilAPageIsShorterThanTheSize) {
  server_.Handle("/items", [](const auto& r) { return NumberedPages(r, 250); });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items?since={{ ds }}"
paginate: {type: page, size_param: per_page, size: 100}
to: raw/items.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/items"), (std::vector<std::string>{"/items?since=2024-03-05&page=1&per_page=100",
                                                         "/items?since=2024-03-05&page=2&per_page=100",
                                                         "/items?since=2024-03-05&page=3&per_page=100"}));
  EXPECT_NE(out->find("\"pages\": 3, \"path\": \"raw/items.parquet\", \"records\": 250, \"rows_rejected\": 0, "
                      "\"rows_written\": 250"), std::string::npos) << *out;
  EXPECT_EQ(Ids("raw/items.parquet"), Expected(0, 250));
  EXPECT_EQ(Waited(), std::chrono::milliseconds(0));  // no rate limit, no fault: no wait
}

TEST_F(HttpPaginationTest, WithoutASizeThePagesEndAtAnEmptyOne) {
  server_.Handle("/items", [](const auto& r) { return NumberedPages(r, 200); });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items"
paginate: {type: page, param: page, start: 1}
to: raw/items.csv
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/items").size(), 3u);  // 100, 100, then an empty page
  EXPECT_NE(out->find("\"pages\": 3"), std::string::npos) << *out;
  EXPECT_EQ(Query("SELECT count(*), sum(id) FROM read_csv('" + root_ + "/lake/raw/items.csv')").rows.at(0),
            (Row{"200", std::to_string(199 * 200 / 2)}));
}

// The total in the body ends the extract without asking for an empty page.
TEST_F(HttpPaginationTest, OffsetAndLimitUntilTheTotal) {
  server_.Handle("/orders", [](const LocalHttpServer::Request& r) {
    int offset = std::stoi(Param(r.target, "offset"));
    int limit = std::stoi(Param(r.target, "limit"));
    return Reply{200, R"({"meta": {"total": 300}, "data": )" + Records(offset, std::min(300, offset + limit)) + "}",
                 {}, {}};
  });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/orders"
records: $.data
paginate: {type: offset, limit: 100, total_path: $.meta.total}
to: raw/orders.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/orders"), (std::vector<std::string>{"/orders?offset=0&limit=100", "/orders?offset=100&limit=100",
                                                          "/orders?offset=200&limit=100"}));
  EXPECT_EQ(Ids("raw/orders.parquet"), Expected(0, 300));
}

TEST_F(HttpPaginationTest, ACursorFromTheBodyIsSentAsAParameter) {
  server_.Handle("/events", [](const LocalHttpServer::Request& r) {
    static const std::map<std::string, std::pair<int, std::string>> kPages = {
        {"", {0, "\"c-2\""}}, {"c-2", {10, "\"c-3\""}}, {"c-3", {20, "null"}}};
    auto [from, next] = kPages.at(Param(r.target, "after"));
    return Reply{200, R"({"events": )" + Records(from, from + 10) + R"(, "paging": {"next": )" + next + "}}", {}, {}};
  });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/events?type=click"
records: $.events
paginate: {type: cursor, cursor_path: $.paging.next, param: after}
to: raw/events.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/events"), (std::vector<std::string>{"/events?type=click", "/events?type=click&after=c-2",
                                                          "/events?type=click&after=c-3"}));
  EXPECT_EQ(Ids("raw/events.parquet"), Expected(0, 30));
}

TEST_F(HttpPaginationTest, TheLinkHeadersNextUrlAbsoluteOrRelative) {
  const std::string absolute = "<" + server_.Url("/repos?page=2") + ">; rel=\"next\", <" + server_.Url("/repos?page=3") +
                               ">; rel=\"last\"";
  server_.Script("/repos", {{200, Records(0, 5), {{"Link", absolute}}, {}},
                            {200, Records(5, 10), {{"Link", "</repos?page=3>; rel=\"next\", </repos?page=1>; rel=\"first\""}}, {}},
                            {200, Records(10, 12), {{"Link", "</repos?page=1>; rel=\"first\""}}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/repos"
paginate: {type: link}
to: raw/repos.ndjson
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/repos"), (std::vector<std::string>{"/repos", "/repos?page=2", "/repos?page=3"}));
  EXPECT_EQ(Query("SELECT count(*), sum(id) FROM read_json('" + root_ + "/lake/raw/repos.ndjson')").rows.at(0),
            (Row{"12", "66"}));
}

TEST_F(HttpPaginationTest, TheNextUrlFromTheBody) {
  server_.Script("/v1/list", {{200, R"({"results": )" + Records(0, 3) + R"(, "next": "/v1/list?page=b"})", {}, {}},
                              {200, R"({"results": )" + Records(3, 6) + R"(, "next": "list?page=c"})", {}, {}},
                              {200, R"({"results": )" + Records(6, 7) + R"(, "next": null})", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/v1/list"
records: $.results
paginate: {type: next_url, next_path: $.next}
to: raw/list.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/v1/list"), (std::vector<std::string>{"/v1/list", "/v1/list?page=b", "/v1/list?page=c"}));
  EXPECT_EQ(Ids("raw/list.parquet"), Expected(0, 7));
}

// Columns from every page: `code` holds numbers until page 3 holds text,
// and `late` appears on page 3 only; the rejects say their page.
TEST_F(HttpPaginationTest, OneTableWhoseColumnsComeFromEveryPageAndRejectsNamingTheirPage) {
  const std::string page2 = R"([{"id": 3, "code": 30}, 17, {"id": 4, "code": 40}])";
  const std::string page3 = R"([{"id": 5, "code": "X5", "late": 2.5}, {"id": }])";
  server_.Script("/mixed", {{200, R"([{"id": 1, "code": 10}, {"id": 2, "code": 20}])", {}, {}},
                            {200, page2, {}, {}},
                            {200, page3, {}, {}},
                            {200, "[]", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/mixed"
paginate: {type: page}
to: raw/mixed.parquet
rejects: {table: rejects.api}
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_NE(out->find("\"pages\": 4"), std::string::npos) << *out;
  EXPECT_NE(out->find("\"records\": 7, \"rows_rejected\": 2, \"rows_written\": 5"), std::string::npos) << *out;
  QueryRows rows = Query("SELECT string_agg(code, ',' ORDER BY id), typeof(any_value(code)), sum(late) FROM " +
                         Read("raw/mixed.parquet"));
  EXPECT_EQ(rows.rows.at(0), (Row{"10,20,30,40,X5", "VARCHAR", "2.5"}));
  DuckDbConnector connector;
  auto warehouse = connector.Connect(root_ + "/warehouse.duckdb");
  ASSERT_TRUE(warehouse.ok()) << warehouse.status().ToString();
  Result<QueryRows> rejects = (*warehouse)->Query("SELECT reason, source, row_json FROM rejects.api ORDER BY source");
  ASSERT_TRUE(rejects.ok()) << rejects.status().ToString();
  EXPECT_EQ(rejects->rows, (std::vector<Row>{
                               {"record is not an object", "page 2, offset " + std::to_string(page2.find("17")), "17"},
                               {"malformed JSON", "page 3, offset " + std::to_string(page3.find("{\"id\": }")),
                                "{\"id\": }"}}));
}

TEST_F(HttpPaginationTest, MaxPagesIsAnErrorUnlessOnMaxPagesSaysStop) {
  server_.Handle("/endless", [](const LocalHttpServer::Request& r) {
    int page = std::stoi(Param(r.target, "page"));
    return Reply{200, Records(page * 10, page * 10 + 10), {}, {}};
  });
  Result<std::string> failed = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/endless"
paginate: {type: page, max_pages: 3}
to: raw/endless.parquet
)"));
  EXPECT_EQ(failed.status().code(), "pagination-max-pages");
  EXPECT_EQ(failed.status().kind(), ErrorKind::kUser);
  EXPECT_FALSE(std::filesystem::exists(root_ + "/lake/raw/endless.parquet"));
  EXPECT_EQ(server_.RequestCount("/endless"), 3);
  Result<std::string> stopped = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/endless"
paginate: {type: page, max_pages: 3, on_max_pages: stop}
to: raw/endless.parquet
)"));
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  EXPECT_EQ(Ids("raw/endless.parquet"), Expected(10, 40));
}

// Page 2 answers 503 (Retry-After: 2), then 429 (Retry-After: 1), then its
// records; page 3's connection is reset, then cut in the middle of its body,
// then whole. Each is retried on its own, after the backoff (1s, 2s: at
// least Retry-After), and page 1 is fetched once.
TEST_F(HttpPaginationTest, FaultsAreRetriedPerRequestWithBackoffAndNeverFromPageOne) {
  server_.Handle("/flaky", [this](const LocalHttpServer::Request& r) {
    int page = std::stoi(Param(r.target, "page"));
    int seen = 0;
    for (const auto& earlier : server_.requests()) seen += earlier.target == r.target;
    std::string body = Records((page - 1) * 100, page == 3 ? 250 : page * 100);
    if (page == 2 && seen == 1) return Reply{503, "busy", {{"Retry-After", "2"}}, {}};
    if (page == 2 && seen == 2) return Reply{429, "slow down", {{"Retry-After", "1"}}, {}};
    if (page == 3 && seen == 1) return Reply{200, body, {}, {}, true};
    if (page == 3 && seen == 2) return Reply{200, body, {}, {}, false, body.size() / 2};
    return Reply{200, body, {}, {}};
  });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/flaky"
paginate: {type: page, size: 100}
to: raw/flaky.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(Targets("/flaky"), (std::vector<std::string>{"/flaky?page=1", "/flaky?page=2", "/flaky?page=2",
                                                         "/flaky?page=2", "/flaky?page=3", "/flaky?page=3",
                                                         "/flaky?page=3"}));
  EXPECT_EQ(Waited(), std::chrono::seconds(2 + 2 + 1 + 2));
  EXPECT_EQ(Ids("raw/flaky.parquet"), Expected(0, 250));  // the cut page's half is not in the table
  std::string log = Slurp(log_path());
  EXPECT_NE(log.find("page 2: retry 1 of 5 in 2s after: http-503: page 2: GET " + server_.Url("/flaky?page=2") +
                     " answered 503: busy"), std::string::npos) << log;
  EXPECT_NE(log.find("page 2: retry 2 of 5 in 2s after: http-429"), std::string::npos) << log;
  EXPECT_NE(log.find("page 3: retry 1 of 5 in 1s after: http-connection"), std::string::npos) << log;
}

TEST_F(HttpPaginationTest, APageThatKeepsFailingFailsTheAttemptAfterItsRetries) {
  server_.Script("/down", {{200, Records(0, 2), {}, {}}, {503, "down for maintenance", {}, {}}});
  TaskDef task = Task(R"(url: "{{ env_var('BASE_URL') }}/down"
paginate: {type: page}
request_retries: 3
to: raw/down.parquet
)");
  task.retry.max_delay = std::chrono::seconds(3);  // max_retry_delay: 3s
  Result<std::string> out = Run(task);
  EXPECT_EQ(out.status().kind(), ErrorKind::kFault);
  EXPECT_EQ(out.status().code(), "http-503");
  EXPECT_NE(out.status().message().find("page 2: GET " + server_.Url("/down?page=2") +
                                        " answered 503: down for maintenance"), std::string::npos)
      << out.status().message();
  EXPECT_NE(out.status().message().find("(after 3 retries)"), std::string::npos) << out.status().message();
  EXPECT_EQ(Targets("/down").size(), 5u);                      // page 1, then page 2 four times
  EXPECT_EQ(Waited(), std::chrono::seconds(1 + 2 + 3));        // 4s capped at max_retry_delay
  EXPECT_FALSE(std::filesystem::exists(root_ + "/lake/raw/down.parquet"));
}

// A slow page is abandoned at request_timeout (real time: the server holds
// it 20s) and asked again; the task's own timeout is not the request's.
TEST_F(HttpPaginationTest, ASlowPageTimesOutAndIsAskedAgain) {
  server_.Script("/slow", {{200, Records(0, 3), {}, {}},
                           {200, Records(3, 6), {}, std::chrono::seconds(20)},
                           {200, Records(3, 6), {}, {}},
                           {200, "[]", {}, {}}});
  auto began = std::chrono::steady_clock::now();
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/slow"
paginate: {type: page}
request_timeout: 300ms
to: raw/slow.parquet
)"), std::chrono::system_clock::now() + std::chrono::minutes(2));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(15));
  EXPECT_EQ(Targets("/slow"), (std::vector<std::string>{"/slow?page=1", "/slow?page=2", "/slow?page=2",
                                                        "/slow?page=3"}));
  EXPECT_EQ(Ids("raw/slow.parquet"), Expected(0, 6));
  EXPECT_NE(Slurp(log_path()).find("page 2: retry 1 of 5 in 1s after: http-connection: page 2: GET " +
                                   server_.Url("/slow?page=2") + ": request timed out"), std::string::npos)
      << Slurp(log_path());
}

TEST_F(HttpPaginationTest, TheRateLimitSpacesTheRequests) {
  server_.Handle("/items", [](const auto& r) { return NumberedPages(r, 450); });
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items"
paginate: {type: page, size: 100}
rate_limit: 2/s
to: raw/items.parquet
)"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(server_.RequestCount("/items"), 5);
  EXPECT_EQ(Waited(), std::chrono::milliseconds(4 * 500));  // four gaps of half a second
  Result<std::string> per_minute = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items"
paginate: {type: page, size: 100}
rate_limit: 30/min
to: raw/items2.parquet
)"));
  ASSERT_TRUE(per_minute.ok()) << per_minute.status().ToString();
  EXPECT_EQ(Waited(), std::chrono::milliseconds(4 * 500 + 4 * 2000));
}

TEST_F(HttpPaginationTest, APageThatIsNotJsonFailsNamingThePage) {
  server_.Script("/items", {{200, Records(0, 2), {}, {}}, {200, "<html>maintenance</html>", {}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items"
paginate: {type: page}
to: raw/items.parquet
)"));
  EXPECT_EQ(out.status().kind(), ErrorKind::kUser);
  EXPECT_EQ(out.status().code(), "bad-json");
  EXPECT_EQ(out.status().message().rfind("page 2 (GET " + server_.Url("/items?page=2") + "): the payload is not "
                                         "valid JSON", 0), 0u) << out.status().message();
  EXPECT_NE(out.status().message().find("at byte offset 0"), std::string::npos) << out.status().message();
  EXPECT_FALSE(std::filesystem::exists(root_ + "/lake/raw/items.parquet"));
  EXPECT_NE(Slurp(log_path()).find("failed: page 2 (GET"), std::string::npos);
}

TEST_F(HttpPaginationTest, BadSettingsFailBeforeAnyRequest) {
  EXPECT_EQ(Run(Task("url: x\npaginate: {type: link}\nto: raw/a.json\n")).status().code(), "paginate-json-target");
  EXPECT_EQ(Run(Task("url: x\npaginate: {type: link}\n")).status().code(), "paginate-without-to");
  Result<std::string> bad_type = Run(Task("url: x\npaginate: {type: offst, limit: 5}\nto: a.parquet\n"));
  EXPECT_EQ(bad_type.status().code(), "bad-paginate");
  EXPECT_EQ(bad_type.status().where().ToString(), "p.yml:2:18");
  EXPECT_NE(bad_type.status().message().find("did you mean 'offset'?"), std::string::npos);
  EXPECT_EQ(Run(Task("url: x\npaginate: {type: offset}\nto: a.parquet\n")).status().code(), "missing-key");
  EXPECT_EQ(Run(Task("url: x\npaginate: {type: cursor, cursor_path: next}\nto: a.parquet\n")).status().code(),
            "bad-records-path");
  Result<std::string> unknown = Run(Task("url: x\npaginate: {type: link, size: 5}\nto: a.parquet\n"));
  EXPECT_EQ(unknown.status().code(), "unknown-key");
  EXPECT_EQ(unknown.status().where().ToString(), "p.yml:2:24");
  EXPECT_EQ(Run(Task("url: x\nrate_limit: fast\n")).status().code(), "bad-value");
  EXPECT_EQ(server_.requests().size(), 0u);
}

// Without paginate a request is one attempt (request_retries 0), unless
// the task asks for retries inside it.
TEST_F(HttpPaginationTest, ASingleRequestRetriesInsideTheAttemptOnlyWhenAsked) {
  server_.Script("/once", {{503, "busy", {}, {}}, {503, "busy", {}, {}}, {200, R"([{"id": 1}])", {}, {}}});
  EXPECT_EQ(Run(Task("url: \"{{ env_var('BASE_URL') }}/once\"\nto: raw/once.parquet\n")).status().code(), "http-503");
  Result<std::string> out =
      Run(Task("url: \"{{ env_var('BASE_URL') }}/once\"\nrequest_retries: 2\nto: raw/once.parquet\n"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  server_.Script("/again", {{429, "later", {{"Retry-After", "1"}}, {}}, {200, "{\"ok\": true}", {}, {}}});
  Result<std::string> verbatim =
      Run(Task("url: \"{{ env_var('BASE_URL') }}/again\"\nrequest_retries: 1\nto: raw/again.json\n"));
  ASSERT_TRUE(verbatim.ok()) << verbatim.status().ToString();
  EXPECT_EQ(Slurp(root_ + "/lake/raw/again.json"), "{\"ok\": true}");
  EXPECT_EQ(Waited(), std::chrono::seconds(1 + 1));
}

// A retry that would come after the task's timeout is not waited for.
TEST_F(HttpPaginationTest, NoRetryIsWaitedForPastTheTasksTimeout) {
  server_.Script("/items", {{200, Records(0, 1), {}, {}}, {503, "busy", {{"Retry-After", "120"}}, {}}});
  Result<std::string> out = Run(Task(R"(url: "{{ env_var('BASE_URL') }}/items"
paginate: {type: page}
to: raw/items.parquet
)"), start_ + std::chrono::seconds(30));
  EXPECT_EQ(out.status().code(), "http-503");
  EXPECT_NE(out.status().message().find("not retried: the task's timeout comes first"), std::string::npos)
      << out.status().message();
  EXPECT_EQ(Waited(), std::chrono::milliseconds(0));
}

}  // namespace
}  // namespace weir
