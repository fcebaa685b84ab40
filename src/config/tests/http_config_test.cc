// `weir validate` on the http task's paginate, auth, request_retries,
// request_timeout and rate_limit: every error with its file:line:col.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/tests/load_support.h"

namespace weir {
namespace {

using config_testing::Described;
using config_testing::LoadPipeline;

TEST(HttpConfigTest, EveryPaginationStyleWithItsKeysIsValid) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - {id: a, kind: http, url: x, to: a.parquet, paginate: {type: page, param: p, start: 0, size_param: per_page, size: 50, total_path: $.meta.total, max_pages: 10, on_max_pages: stop}}
  - {id: b, kind: http, url: x, to: b.csv, paginate: {type: offset, limit: 100, limit_param: n, total_path: "$['total']"}}
  - {id: c, kind: http, url: x, to: c.ndjson, paginate: {type: cursor, cursor_path: $.next_cursor, param: after}}
  - {id: d, kind: http, url: x, to: d.parquet, paginate: {type: link}}
  - {id: e, kind: http, url: x, to: e.parquet, paginate: {type: next_url, next_path: $.links.next}}
  - id: f
    kind: http
    url: x
    auth: {oauth2: {token_url: "https://id.example.com/token", client_id: etl, client_secret: s, scope: read, client_auth: body}}
    request_retries: 3
    request_timeout: 30s
    rate_limit: 2.5/s
  - {id: g, kind: http, url: x, auth: {api_key: {header: X-Api-Key, value: k}}, rate_limit: 600/min}
  - {id: h, kind: http, url: x, auth: {api_key: {query: key, value: k}}, rate_limit: 1000/h}
)");
  EXPECT_TRUE(load.ok()) << load.errors[0].ToString();
  EXPECT_EQ(load.project.pipelines.at(0).tasks.at(5).param("rate_limit")->scalar(), "2.5/s");
}

TEST(HttpConfigTest, PaginationMistakesAreReportedWhereTheyAre) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - id: a
    kind: http
    url: x
    to: a.parquet
    paginate: {type: pages, size: 10}
  - id: b
    kind: http
    url: x
    to: b.parquet
    paginate: {type: page, sise: 10, size: 0}
  - id: c
    kind: http
    url: x
    to: c.parquet
    paginate:
      type: cursor
      param: after
  - id: d
    kind: http
    url: x
    to: "raw/{{ ds }}/d.json"
    paginate: {type: link, on_max_pages: halt, cursor_path: $.x}
  - id: e
    kind: http
    url: x
    paginate: {type: next_url, next_path: links.next}
  - id: f
    kind: http
    url: x
    to: f.parquet
    paginate: page
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                 "pipelines/p.yml:7:22 bad-paginate",           // pages: did you mean page?
                                 "pipelines/p.yml:12:28 unknown-key",           // sise
                                 "pipelines/p.yml:12:44 out-of-range",          // size: 0
                                 "pipelines/p.yml:18:7 missing-key",            // cursor_path
                                 "pipelines/p.yml:24:48 unknown-key",           // cursor_path on link
                                 "pipelines/p.yml:24:42 bad-value",             // on_max_pages: halt
                                 "pipelines/p.yml:23:9 paginate-json-target",   // .json
                                 "pipelines/p.yml:28:43 bad-records-path",      // links.next
                                 "pipelines/p.yml:28:15 paginate-without-to",
                                 "pipelines/p.yml:33:15 bad-paginate",          // not a mapping
                             }));
  EXPECT_NE(load.errors[0].message().find("did you mean 'page'?"), std::string::npos) << load.errors[0].message();
}

TEST(HttpConfigTest, AuthAndRequestKeyMistakes) {
  ProjectLoad load = LoadPipeline(R"(pipeline: p
tasks:
  - {id: a, kind: http, url: x, auth: {apikey: {header: X, value: k}}}
  - {id: b, kind: http, url: x, auth: {api_key: {header: X, query: key, value: k}}}
  - {id: c, kind: http, url: x, auth: {oauth2: {token_url: t, client_id: i, secret: s}}}
  - {id: d, kind: http, url: x, request_retries: -1, request_timeout: soon, rate_limit: 10/day}
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                 "pipelines/p.yml:3:40 bad-auth",       // apikey: did you mean api_key?
                                 "pipelines/p.yml:4:49 bad-auth",       // header and query
                                 "pipelines/p.yml:5:77 unknown-key",    // secret
                                 "pipelines/p.yml:5:48 missing-key",    // client_secret
                                 "pipelines/p.yml:6:50 out-of-range",   // -1
                                 "pipelines/p.yml:6:71 bad-duration",   // soon
                                 "pipelines/p.yml:6:89 bad-value",      // 10/day
                             }));
}

}  // namespace
}  // namespace weir
