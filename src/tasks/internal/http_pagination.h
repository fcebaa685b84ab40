// Pagination of the http task (`paginate:`): which URL each page is at and
// when the extract is complete, in the styles of the APIs data engineers
// meet (dlt's REST client and Singer taps name the same ones): a page
// number, an offset and limit, a cursor from the body, the `Link` header's
// rel="next", and a next URL in the body (http_pagination.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "connectors/connectors.h"
#include "tasks/internal/json_records.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {

enum class PageStyle : uint8_t {
  kPage,     // ?page=1, 2, 3 ...
  kOffset,   // ?offset=0, 100, 200 ... &limit=100
  kCursor,   // ?cursor=<the value at cursor_path in the page before>
  kLink,     // the URL in the page before's Link header, rel="next"
  kNextUrl,  // the URL at next_path in the page before
};

// `paginate:` as written. Defaults as documented in docs/tasks.md.
struct PaginationOptions {
  PageStyle style = PageStyle::kPage;
  std::string param;                      // page: "page", offset: "offset", cursor: "cursor"
  int64_t start = 0;                      // page: 1, offset: 0 (the first page's value)
  std::string size_param;                 // page: size_param ("": not sent); offset: limit_param ("limit")
  std::optional<int64_t> size;            // page: size; offset: limit (required)
  std::optional<RecordsPath> value_path;  // cursor: cursor_path; next_url: next_path (required)
  std::optional<RecordsPath> total_path;  // page, offset: the total number of records
  std::optional<int64_t> max_pages;       // none: no limit
  bool stop_at_max_pages = false;         // on_max_pages: stop (default fail)
};

// The task's `paginate:`, none without it. UserError at the key:
// "bad-paginate" (not a mapping, an unknown type, a bad value),
// "unknown-key", "missing-key", "bad-records-path".
Result<std::optional<PaginationOptions>> ReadPagination(const TaskDef& task);

// What a fetched page says about the next.
struct PageFacts {
  int64_t records = 0;
  const HttpResponse* response = nullptr;  // its headers (Link)
  std::optional<std::string> value;        // at value_path
  std::optional<std::string> total;        // at total_path
};

// Walks the pages of one extract. Not thread-safe.
class Paginator {
 public:
  // `first_url`: the task's rendered url, which page and offset styles add
  // their parameters to.
  Paginator(PaginationOptions options, std::string first_url);

  const std::string& url() const { return url_; }  // the current page's
  int page() const { return page_; }                // 1 for the first
  const PaginationOptions& options() const { return options_; }

  // After the current page: true when there is a next page (url() and
  // page() now name it), false when the extract is complete (`why` says
  // what ended it). UserError "pagination-max-pages" past max_pages
  // (unless on_max_pages: stop), "pagination-loop" when the next page
  // would be the current one again, "bad-paginate" for a total that is
  // not a number, "http-bad-url" for a next link that is not a URL.
  Result<bool> Advance(const PageFacts& facts, std::string* why);

 private:
  Result<std::optional<std::string>> NextUrl(const PageFacts& facts, std::string* why);
  std::string NumberedUrl(int64_t value) const;

  PaginationOptions options_;
  std::string first_url_;
  std::string url_;
  int page_ = 1;
  int64_t number_ = 0;        // page and offset styles: the current page's value
  int64_t records_seen_ = 0;  // in the pages so far
  std::string cursor_;        // cursor style: the current page's ("" for the first)
};

// The rel="next" target of Link header values (RFC 8288), if any.
std::optional<std::string> NextLink(const HttpResponse& response);

}  // namespace weir::tasks_internal
