// Paginator: the next page's URL and the stop conditions of each style.
// Every style stops at an empty page; page and offset also at a page with
// fewer records than the size asked for, or once `total_path`'s count is
// read; cursor and next_url when the body has no next value; link when the
// Link header has no rel="next".
#include "tasks/internal/http_pagination.h"

#include <algorithm>
#include <cctype>

#include "common/text.h"
#include "tasks/internal/http_request.h"

namespace weir::tasks_internal {
namespace {

struct StyleKeys {
  const char* name;
  PageStyle style;
  std::vector<std::string> keys;  // besides type, max_pages, on_max_pages
};

const std::vector<StyleKeys>& Styles() {
  static const std::vector<StyleKeys> kStyles = {
      {"page", PageStyle::kPage, {"param", "start", "size_param", "size", "total_path"}},
      {"offset", PageStyle::kOffset, {"param", "start", "limit_param", "limit", "total_path"}},
      {"cursor", PageStyle::kCursor, {"cursor_path", "param"}},
      {"link", PageStyle::kLink, {}},
      {"next_url", PageStyle::kNextUrl, {"next_path"}},
  };
  return kStyles;
}

std::vector<std::string> StyleNames() {
  std::vector<std::string> names;
  for (const StyleKeys& s : Styles()) names.emplace_back(s.name);
  return names;
}

// Reads `paginate:`'s keys, checking each against the style's.
class PaginateReader {
 public:
  explicit PaginateReader(const ConfigNode& node) : node_(node) {}

  Status CheckKeys(const StyleKeys& style) const {
    std::vector<std::string> allowed = {"type", "max_pages", "on_max_pages"};
    allowed.insert(allowed.end(), style.keys.begin(), style.keys.end());
    for (const auto& [key, value] : node_.entries()) {
      if (std::find(allowed.begin(), allowed.end(), key.scalar()) != allowed.end()) continue;
      return UserError("unknown-key", "'paginate' of type " + std::string(style.name) + " has no key '" +
                                          key.scalar() + "'" + DidYouMean(key.scalar(), allowed) + " (its keys: " +
                                          QuotedList(allowed) + ")",
                       key.where());
    }
    return OkStatus();
  }

  Result<std::string> String(const std::string& key, const std::string& otherwise) const {
    const ConfigNode* value = node_.Find(key);
    if (value == nullptr) return otherwise;
    WEIR_ASSIGN_OR_RETURN(std::string text, value->AsString("'paginate." + key + "'"));
    if (text.empty()) return UserError("bad-paginate", "'paginate." + key + "' must not be empty", value->where());
    return text;
  }

  Result<std::optional<int64_t>> Int(const std::string& key, int64_t min) const {
    const ConfigNode* value = node_.Find(key);
    if (value == nullptr) return std::optional<int64_t>();
    WEIR_ASSIGN_OR_RETURN(int64_t n, value->AsInt("'paginate." + key + "'"));
    if (n < min) {
      return UserError("out-of-range", "'paginate." + key + "' must be at least " + std::to_string(min) + ", got " +
                                           std::to_string(n), value->where());
    }
    return std::optional<int64_t>(n);
  }

  Result<std::optional<RecordsPath>> Path(const std::string& key, bool required) const {
    const ConfigNode* value = node_.Find(key);
    if (value == nullptr) {
      if (!required) return std::optional<RecordsPath>();
      return UserError("missing-key", "'paginate' of this type needs '" + key + "', the JSON path of the value in "
                                      "each page (e.g. $.meta.next)", node_.where());
    }
    WEIR_ASSIGN_OR_RETURN(std::string text, value->AsString("'paginate." + key + "'"));
    WEIR_ASSIGN_OR_RETURN(RecordsPath path, ParseRecordsPath(text, value->where(), "paginate." + key));
    if (path.keys.empty()) {
      return UserError("bad-records-path", "'paginate." + key + "' must name a value inside the page, such as "
                                           "$.meta.next, not the page itself", value->where());
    }
    return std::optional<RecordsPath>(std::move(path));
  }

 private:
  const ConfigNode& node_;
};

Status ReadStyleKeys(const PaginateReader& read, PaginationOptions& o) {
  switch (o.style) {
    case PageStyle::kPage: {
      WEIR_ASSIGN_OR_RETURN(o.param, read.String("param", "page"));
      WEIR_ASSIGN_OR_RETURN(std::optional<int64_t> start, read.Int("start", 0));
      o.start = start.value_or(1);
      WEIR_ASSIGN_OR_RETURN(o.size_param, read.String("size_param", ""));
      WEIR_ASSIGN_OR_RETURN(o.size, read.Int("size", 1));
      WEIR_ASSIGN_OR_RETURN(o.total_path, read.Path("total_path", false));
      return OkStatus();
    }
    case PageStyle::kOffset: {
      WEIR_ASSIGN_OR_RETURN(o.param, read.String("param", "offset"));
      WEIR_ASSIGN_OR_RETURN(std::optional<int64_t> start, read.Int("start", 0));
      o.start = start.value_or(0);
      WEIR_ASSIGN_OR_RETURN(o.size_param, read.String("limit_param", "limit"));
      WEIR_ASSIGN_OR_RETURN(o.size, read.Int("limit", 1));
      WEIR_ASSIGN_OR_RETURN(o.total_path, read.Path("total_path", false));
      return OkStatus();
    }
    case PageStyle::kCursor: {
      WEIR_ASSIGN_OR_RETURN(o.param, read.String("param", "cursor"));
      WEIR_ASSIGN_OR_RETURN(o.value_path, read.Path("cursor_path", true));
      return OkStatus();
    }
    case PageStyle::kLink: return OkStatus();
    case PageStyle::kNextUrl: {
      WEIR_ASSIGN_OR_RETURN(o.value_path, read.Path("next_path", true));
      return OkStatus();
    }
  }
  return OkStatus();
}

// The parameters of a Link value ("<url>; rel=\"next\"; title=x"): is rel next?
bool RelIsNext(std::string_view params) {
  std::string lower(params);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (size_t at = lower.find("rel"); at != std::string::npos; at = lower.find("rel", at + 3)) {
    size_t i = at + 3;
    while (i < lower.size() && lower[i] == ' ') ++i;
    if (i >= lower.size() || lower[i] != '=') continue;
    ++i;
    while (i < lower.size() && lower[i] == ' ') ++i;
    std::string value;
    if (i < lower.size() && lower[i] == '"') {
      size_t close = lower.find('"', i + 1);
      value = lower.substr(i + 1, close == std::string::npos ? std::string::npos : close - i - 1);
    } else {
      value = lower.substr(i, lower.find_first_of(";,", i) - i);
    }
    // rel may hold several relation types: rel="next last"
    for (size_t b = 0; b < value.size();) {
      size_t e = value.find(' ', b);
      if (value.substr(b, e == std::string::npos ? std::string::npos : e - b) == "next") return true;
      if (e == std::string::npos) break;
      b = e + 1;
    }
  }
  return false;
}

std::optional<int64_t> WholeNumber(const std::string& text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  size_t digits_from = text[0] == '-' ? 1 : 0;
  if (digits_from == text.size() || text.find_first_not_of("0123456789", digits_from) != std::string::npos) {
    // 1200.0 and 1.2e3 are whole numbers too
    char* end = nullptr;
    double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || d != static_cast<double>(static_cast<int64_t>(d))) return std::nullopt;
    return static_cast<int64_t>(d);
  }
  return std::stoll(text);
}

// "https://api.example.com:8443" of a URL libcurl normalised.
std::string Origin(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  return url.substr(0, url.find_first_of("/?#", scheme_end + 3));
}

}  // namespace

Result<std::optional<PaginationOptions>> ReadPagination(const TaskDef& task) {
  const ConfigNode* node = task.param("paginate");
  if (node == nullptr || node->is_null()) return std::optional<PaginationOptions>();
  if (!node->is_map()) {
    return UserError("bad-paginate", "'paginate' must be a mapping such as {type: page, size: 100}, got " +
                                         std::string(node->Describe()), node->where());
  }
  const ConfigNode* type = node->Find("type");
  if (type == nullptr) {
    return UserError("missing-key", "'paginate' needs 'type': " + QuotedList(StyleNames()), node->where());
  }
  WEIR_ASSIGN_OR_RETURN(std::string name, type->AsString("'paginate.type'"));
  auto style = std::find_if(Styles().begin(), Styles().end(), [&](const StyleKeys& s) { return name == s.name; });
  if (style == Styles().end()) {
    return UserError("bad-paginate", "'paginate.type' must be " + QuotedList(StyleNames()) + ", got '" + name + "'" +
                                         DidYouMean(name, StyleNames()), type->where());
  }
  PaginateReader read(*node);
  WEIR_TRY(read.CheckKeys(*style));
  PaginationOptions o;
  o.style = style->style;
  WEIR_TRY(ReadStyleKeys(read, o));
  if (o.style == PageStyle::kOffset && !o.size) {
    return UserError("missing-key", "'paginate' of type offset needs 'limit', the number of records per page",
                     node->where());
  }
  WEIR_ASSIGN_OR_RETURN(o.max_pages, read.Int("max_pages", 1));
  if (const ConfigNode* on_max = node->Find("on_max_pages"); on_max != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string what, on_max->AsString("'paginate.on_max_pages'"));
    if (what != "fail" && what != "stop") {
      return UserError("bad-paginate", "'paginate.on_max_pages' must be 'fail' or 'stop', got '" + what + "'",
                       on_max->where());
    }
    o.stop_at_max_pages = what == "stop";
  }
  return std::optional<PaginationOptions>(std::move(o));
}

Paginator::Paginator(PaginationOptions options, std::string first_url)
    : options_(std::move(options)), first_url_(std::move(first_url)), number_(options_.start) {
  bool numbered = options_.style == PageStyle::kPage || options_.style == PageStyle::kOffset;
  url_ = numbered ? NumberedUrl(number_) : first_url_;
}

std::string Paginator::NumberedUrl(int64_t value) const {
  std::string url = WithQueryParam(first_url_, options_.param, std::to_string(value));
  if (!options_.size_param.empty() && options_.size) {
    url = WithQueryParam(url, options_.size_param, std::to_string(*options_.size));
  }
  return url;
}

Result<bool> Paginator::Advance(const PageFacts& facts, std::string* why) {
  records_seen_ += facts.records;
  if (facts.records == 0) {
    *why = "page " + std::to_string(page_) + " had no records";
    return false;
  }
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> next, NextUrl(facts, why));
  if (!next) return false;
  if (*next == url_) {
    return UserError("pagination-loop", "page " + std::to_string(page_ + 1) + " would be page " +
                                            std::to_string(page_) + " again (the same URL): the API does not "
                                            "move on; check the paginate settings");
  }
  if (options_.max_pages && page_ >= *options_.max_pages) {
    if (options_.stop_at_max_pages) {
      *why = "max_pages (" + std::to_string(*options_.max_pages) + ") reached";
      return false;
    }
    return UserError("pagination-max-pages", "there are more than max_pages (" + std::to_string(*options_.max_pages) +
                                                 ") pages; raise it, or set on_max_pages: stop to keep the first " +
                                                 std::to_string(*options_.max_pages));
  }
  url_ = std::move(*next);
  ++page_;
  return true;
}

// The next page's URL, or none (with `why`) when the page was the last.
Result<std::optional<std::string>> Paginator::NextUrl(const PageFacts& facts, std::string* why) {
  const std::string page = "page " + std::to_string(page_);
  switch (options_.style) {
    case PageStyle::kPage:
    case PageStyle::kOffset: {
      if (options_.size && facts.records < *options_.size) {
        *why = page + " had " + std::to_string(facts.records) + " records, fewer than " +
               std::to_string(*options_.size);
        return std::optional<std::string>();
      }
      if (options_.total_path && facts.total) {
        std::optional<int64_t> total = WholeNumber(*facts.total);
        if (!total) {
          return UserError("bad-paginate", page + ": the total at '" + options_.total_path->text +
                                               "' is not a whole number: '" + BodyExcerpt(*facts.total, 100) + "'");
        }
        if (records_seen_ >= *total) {
          *why = "the " + std::to_string(records_seen_) + " records read reached the total, " + std::to_string(*total);
          return std::optional<std::string>();
        }
      }
      number_ += options_.style == PageStyle::kPage ? 1 : options_.size.value_or(facts.records);
      return std::optional<std::string>(NumberedUrl(number_));
    }
    case PageStyle::kCursor: {
      if (!facts.value || facts.value->empty()) {
        *why = page + " has no next cursor at '" + options_.value_path->text + "'";
        return std::optional<std::string>();
      }
      if (*facts.value == cursor_) {
        return UserError("pagination-loop", page + " gave the same next cursor as the page before it: the API does "
                                                   "not move on; check 'cursor_path'");
      }
      cursor_ = *facts.value;
      return std::optional<std::string>(WithQueryParam(first_url_, options_.param, cursor_));
    }
    case PageStyle::kLink:
    case PageStyle::kNextUrl: {
      std::optional<std::string> link = options_.style == PageStyle::kLink ? NextLink(*facts.response) : facts.value;
      if (!link || link->empty()) {
        *why = options_.style == PageStyle::kLink ? page + "'s Link header has no rel=\"next\""
                                                  : page + " has no next URL at '" + options_.value_path->text + "'";
        return std::optional<std::string>();
      }
      Result<std::string> resolved = ResolveUrl(url_, *link);
      if (!resolved.ok()) return resolved.status().WithContext(page + "'s next link");
      WEIR_ASSIGN_OR_RETURN(std::string first, ResolveUrl(first_url_, first_url_));
      if (Origin(*resolved) != Origin(first)) {
        // The task's credentials would go with the request.
        return UserError("pagination-other-host", page + "'s next link goes to " + Origin(*resolved) +
                                                      ", not to the task's host " + Origin(first) +
                                                      ": Weir does not send the task's credentials elsewhere");
      }
      return std::optional<std::string>(std::move(*resolved));
    }
  }
  return std::optional<std::string>();
}

std::optional<std::string> NextLink(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name != "link") continue;
    // <url>; params, <url>; params ... (a URL may hold commas: split at '<' only)
    for (size_t open = value.find('<'); open != std::string::npos;) {
      size_t close = value.find('>', open);
      if (close == std::string::npos) break;
      size_t next_open = value.find('<', close);
      std::string_view params = std::string_view(value).substr(
          close + 1, next_open == std::string::npos ? std::string::npos : next_open - close - 1);
      if (RelIsNext(params)) return value.substr(open + 1, close - open - 1);
      open = next_open;
    }
  }
  return std::nullopt;
}

}  // namespace weir::tasks_internal
