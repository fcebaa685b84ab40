// The parts pagination is built from, on their own: a value at a JSON path
// of a payload fed in pieces, one table loaded from several pages, the
// Link header, query parameters and the Paginator's stop conditions.
#include <gtest/gtest.h>

#include "tasks/internal/http_pagination.h"
#include "tasks/internal/http_request.h"
#include "tasks/internal/json_records.h"

namespace weir::tasks_internal {
namespace {

RecordsPath Path(const std::string& text) {
  Result<RecordsPath> path = ParseRecordsPath(text, {});
  EXPECT_TRUE(path.ok()) << path.status().ToString();
  return path.ok() ? *path : RecordsPath{};
}

// The value at `path`, the payload fed in pieces of `piece` bytes.
Result<std::optional<std::string>> ValueAt(const std::string& payload, const std::string& path, size_t piece) {
  JsonValueAt value(Path(path));
  for (size_t at = 0; at < payload.size(); at += piece) WEIR_TRY(value.Feed(std::string_view(payload).substr(at, piece)));
  return value.Finish();
}

TEST(HttpPagesTest, AValueAtAPathIsFoundWhateverThePiecesAre) {
  const std::string page =
      R"({"data": [{"next": "not this one"}, [1, {"x": "}"}]], "meta": {"total": 1234, "next": "c\u00e9\"2",)"
      R"( "done": false, "more": {"a": [1, 2]}, "none": null, "pi": -3.5e2}})";
  for (size_t piece : {size_t{1}, size_t{2}, size_t{7}, page.size()}) {
    SCOPED_TRACE(piece);
    EXPECT_EQ(*ValueAt(page, "$.meta.total", piece), "1234");
    EXPECT_EQ(*ValueAt(page, "$.meta.next", piece), "c\xc3\xa9\"2");  // decoded
    EXPECT_EQ(*ValueAt(page, "$.meta.done", piece), "false");
    EXPECT_EQ(*ValueAt(page, "$.meta.more", piece), R"({"a":[1,2]})");
    EXPECT_EQ(*ValueAt(page, "$.meta.pi", piece), "-350.0");
    EXPECT_EQ(*ValueAt(page, "$.meta.none", piece), std::nullopt);     // null: none
    EXPECT_EQ(*ValueAt(page, "$.meta.missing", piece), std::nullopt);  // missing: none
    EXPECT_EQ(*ValueAt(page, "$.data.next", piece), std::nullopt);     // an array on the way: none
  }
  EXPECT_EQ(ValueAt(R"({"meta": {"next": "x"}})" "}", "$.meta.next", 3).status().code(), "bad-json");
}

// Three pages into one table: the columns are those of every page (a key
// that turns from numbers to text on page 3, a key only page 3 has), and
// the rejects name their page and their offset in it.
TEST(HttpPagesTest, PagesLoadIntoOneTableWithColumnsFromEveryPage) {
  auto db = DuckDbConnection::Open(":memory:");
  auto rejects_db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok() && rejects_db.ok());
  const std::vector<std::string> pages = {
      R"({"items": [{"id": 1, "code": 10}, {"id": 2, "code": 20}]})",
      R"({"items": [{"id": 3, "code": 30}, "not a record", {"id": 4, "code": 40}]})",
      R"({"items": [{"id": 5, "code": "X5", "late": true}, {"id": }]})",
  };
  RecordsLoadOptions options;
  options.batch = 1;           // a batch per record: the columns are fixed after the first two ...
  options.schema_batches = 2;  // ... and page 3 changes them: a second pass over every page
  const std::string table = SqlIdentifier(options.table);
  RecordsWriter write = [&](DuckDbConnection& target, const std::string& select_sql) -> Result<int64_t> {
    WEIR_TRY(target.Execute("CREATE OR REPLACE TABLE " + table + " AS " + select_sql));
    WEIR_ASSIGN_OR_RETURN(std::optional<std::string> count, target.QueryValue("SELECT count(*) FROM " + table));
    return count ? std::stoll(*count) : 0;
  };
  CancelToken cancel;
  RecordsLoader loader(**db, **rejects_db, Path("$.items"), options, write, cancel, TimePoint::max());
  std::vector<int64_t> counts;
  for (const std::string& page : pages) {
    for (size_t at = 0; at < page.size(); at += 5) ASSERT_TRUE(loader.Feed(std::string_view(page).substr(at, 5)).ok());
    Result<int64_t> records = loader.EndPage();
    ASSERT_TRUE(records.ok()) << records.status().ToString();
    counts.push_back(*records);
  }
  Result<RecordsLoad> load = loader.Finish();
  ASSERT_TRUE(load.ok()) << load.status().ToString();
  EXPECT_EQ(counts, (std::vector<int64_t>{2, 3, 2}));
  EXPECT_EQ(load->records, 7);
  EXPECT_EQ(load->rows, 5);
  EXPECT_EQ(load->rejected, 2);
  EXPECT_EQ(load->passes, 2);
  Result<QueryRows> rows = (*db)->Query("SELECT id, code, late, typeof(code) FROM " + table + " ORDER BY id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  using Row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(rows->rows, (std::vector<Row>{{"1", "10", std::nullopt, "VARCHAR"},
                                          {"2", "20", std::nullopt, "VARCHAR"},
                                          {"3", "30", std::nullopt, "VARCHAR"},
                                          {"4", "40", std::nullopt, "VARCHAR"},
                                          {"5", "X5", "true", "VARCHAR"}}));
  Result<QueryRows> rejects = (*rejects_db)->Query("SELECT reason, source, row_json FROM " +
                                                   SqlIdentifier(options.rejects_table) + " ORDER BY source");
  ASSERT_TRUE(rejects.ok()) << rejects.status().ToString();
  EXPECT_EQ(rejects->rows,
            (std::vector<Row>{{"record is not an object", "page 2, offset " + std::to_string(pages[1].find("\"not")),
                               "\"not a record\""},
                              {"malformed JSON", "page 3, offset " + std::to_string(pages[2].find("{\"id\": }")),
                               "{\"id\": }"}}));
}

TEST(HttpPagesTest, APageWithBrokenStructureFailsAtItsEnd) {
  auto db = DuckDbConnection::Open(":memory:");
  auto rejects_db = DuckDbConnection::Open(":memory:");
  ASSERT_TRUE(db.ok() && rejects_db.ok());
  CancelToken cancel;
  RecordsLoader loader(**db, **rejects_db, Path("$"), RecordsLoadOptions{},
                       [](DuckDbConnection&, const std::string&) -> Result<int64_t> { return 0; }, cancel,
                       TimePoint::max());
  ASSERT_TRUE(loader.Feed("[{\"a\": 1}]").ok());
  ASSERT_TRUE(loader.EndPage().ok());
  ASSERT_TRUE(loader.Feed("[{\"a\": 2}").ok());  // unclosed: only the page's end shows it
  Result<int64_t> ended = loader.EndPage();
  EXPECT_EQ(ended.status().code(), "bad-json");
  EXPECT_NE(ended.status().message().find("never closed"), std::string::npos) << ended.status().message();
}

TEST(HttpPagesTest, NextLinkReadsRelNextAmongOthers) {
  HttpResponse response;
  response.headers = {{"link", R"(<https://api.x/items?page=1>; rel="first", <https://api.x/items?page=3&a=1,2>;)"
                               R"( rel="next last"; title="n")"}};
  EXPECT_EQ(NextLink(response), "https://api.x/items?page=3&a=1,2");
  response.headers = {{"link", "</items?page=1>; rel=prev"}, {"link", "</items?page=3>; REL=next"}};
  EXPECT_EQ(NextLink(response), "/items?page=3");
  response.headers = {{"link", R"(<https://api.x/items?page=9>; rel="last")"}};
  EXPECT_EQ(NextLink(response), std::nullopt);
  response.headers = {};
  EXPECT_EQ(NextLink(response), std::nullopt);
}

TEST(HttpPagesTest, QueryParametersAreSetOnceAndEncoded) {
  EXPECT_EQ(WithQueryParam("https://a.x/v1/items", "page", "2"), "https://a.x/v1/items?page=2");
  EXPECT_EQ(WithQueryParam("https://a.x/items?page=1&q=a%20b&pages=7", "page", "2"),
            "https://a.x/items?q=a%20b&pages=7&page=2");
  EXPECT_EQ(WithQueryParam("https://a.x/items?x=1#top", "cursor", "a+b/c=="), "https://a.x/items?x=1&cursor=a%2Bb%2Fc%3D%3D#top");
  EXPECT_EQ(WithQueryParam("https://a.x/items?", "page", "1"), "https://a.x/items?page=1");
}

PaginationOptions Options(PageStyle style) {
  PaginationOptions o;
  o.style = style;
  return o;
}

// The URLs a Paginator walks for `records` per page, until it stops.
std::vector<std::string> Walk(Paginator& pages, const std::vector<int64_t>& records, std::string* why,
                              const std::vector<std::optional<std::string>>& totals = {}) {
  std::vector<std::string> urls = {pages.url()};
  HttpResponse response;
  for (size_t i = 0; i < records.size(); ++i) {
    PageFacts facts{records[i], &response, std::nullopt, i < totals.size() ? totals[i] : std::nullopt};
    Result<bool> more = pages.Advance(facts, why);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    urls.push_back(pages.url());
  }
  return urls;
}

TEST(HttpPagesTest, PageAndOffsetStylesStopAtAShortPageAnEmptyOneOrTheTotal) {
  PaginationOptions page = Options(PageStyle::kPage);
  page.param = "page";
  page.start = 1;
  page.size_param = "per_page";
  page.size = 2;
  std::string why;
  Paginator by_size(page, "http://h/i?q=1");
  EXPECT_EQ(Walk(by_size, {2, 2, 1, 2}, &why), (std::vector<std::string>{"http://h/i?q=1&page=1&per_page=2",
                                                                       "http://h/i?q=1&page=2&per_page=2",
                                                                       "http://h/i?q=1&page=3&per_page=2"}));
  EXPECT_EQ(why, "page 3 had 1 records, fewer than 2");
  page.size.reset();
  page.size_param.clear();
  Paginator until_empty(page, "http://h/i");
  EXPECT_EQ(Walk(until_empty, {5, 3, 0, 9}, &why).size(), 3u);
  EXPECT_EQ(why, "page 3 had no records");

  PaginationOptions offset = Options(PageStyle::kOffset);
  offset.param = "offset";
  offset.size_param = "limit";
  offset.size = 100;
  offset.total_path = Path("$.total");
  Paginator by_total(offset, "http://h/i");
  EXPECT_EQ(Walk(by_total, {100, 100, 100}, &why, {"250", "250", "250"}),
            (std::vector<std::string>{"http://h/i?offset=0&limit=100", "http://h/i?offset=100&limit=100",
                                      "http://h/i?offset=200&limit=100"}));
  EXPECT_EQ(why, "the 300 records read reached the total, 250");
  Paginator bad_total(offset, "http://h/i");
  HttpResponse response;
  std::string unused;
  EXPECT_EQ(bad_total.Advance(PageFacts{100, &response, std::nullopt, "many"}, &unused).status().code(),
            "bad-paginate");
}

TEST(HttpPagesTest, MaxPagesFailsOrStopsAndARepeatedCursorIsALoop) {
  PaginationOptions o = Options(PageStyle::kCursor);
  o.param = "cursor";
  o.value_path = Path("$.next");
  o.max_pages = 2;
  HttpResponse response;
  std::string why;
  Paginator limited(o, "http://h/c");
  ASSERT_TRUE(*limited.Advance(PageFacts{1, &response, "a", std::nullopt}, &why));
  EXPECT_EQ(limited.url(), "http://h/c?cursor=a");
  EXPECT_EQ(limited.Advance(PageFacts{1, &response, "b", std::nullopt}, &why).status().code(), "pagination-max-pages");
  o.stop_at_max_pages = true;
  Paginator stopping(o, "http://h/c");
  ASSERT_TRUE(*stopping.Advance(PageFacts{1, &response, "a", std::nullopt}, &why));
  EXPECT_FALSE(*stopping.Advance(PageFacts{1, &response, "b", std::nullopt}, &why));
  EXPECT_EQ(why, "max_pages (2) reached");
  Paginator no_next(o, "http://h/c");
  EXPECT_FALSE(*no_next.Advance(PageFacts{1, &response, std::nullopt, std::nullopt}, &why));
  EXPECT_EQ(why, "page 1 has no next cursor at '$.next'");
  o.max_pages.reset();
  Paginator looping(o, "http://h/c");
  ASSERT_TRUE(*looping.Advance(PageFacts{1, &response, "a", std::nullopt}, &why));
  EXPECT_EQ(looping.Advance(PageFacts{1, &response, "a", std::nullopt}, &why).status().code(), "pagination-loop");
}

TEST(HttpPagesTest, NextUrlsResolveAgainstThePageAndStayOnItsHost) {
  PaginationOptions o = Options(PageStyle::kNextUrl);
  o.value_path = Path("$.next");
  HttpResponse response;
  std::string why;
  Paginator pages(o, "http://h:81/v1/items?x=1");
  ASSERT_TRUE(*pages.Advance(PageFacts{1, &response, "items?after=5", std::nullopt}, &why));
  EXPECT_EQ(pages.url(), "http://h:81/v1/items?after=5");
  ASSERT_TRUE(*pages.Advance(PageFacts{1, &response, "/v2/items?after=9", std::nullopt}, &why));
  EXPECT_EQ(pages.url(), "http://h:81/v2/items?after=9");
  EXPECT_EQ(pages.Advance(PageFacts{1, &response, "http://evil:81/v2/items", std::nullopt}, &why).status().code(),
            "pagination-other-host");
  EXPECT_EQ(pages.Advance(PageFacts{1, &response, "/v2/items?after=9", std::nullopt}, &why).status().code(),
            "pagination-loop");
}

}  // namespace
}  // namespace weir::tasks_internal
