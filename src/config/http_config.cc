#include "config/internal/http_config.h"

#include <algorithm>
#include <cmath>

#include "common/text.h"
#include "config/internal/fields.h"

namespace weir::config_internal {
namespace {

// paginate's types and the keys each takes besides type, max_pages and
// on_max_pages (the first `required` of them are required).
struct PaginateType {
  std::string name;
  std::vector<std::string> required;
  std::vector<std::string> optional;
};

const std::vector<PaginateType>& PaginateTypes() {
  static const std::vector<PaginateType> kTypes = {
      {"page", {}, {"param", "start", "size_param", "size", "total_path"}},
      {"offset", {"limit"}, {"param", "start", "limit_param", "total_path"}},
      {"cursor", {"cursor_path"}, {"param"}},
      {"link", {}, {}},
      {"next_url", {"next_path"}, {}},
  };
  return kTypes;
}

// A JSON path to a value inside each page: $.a.b or $["a.b"].
void CheckValuePath(MapFields& fields, const std::string& key) {
  std::optional<std::string> path = fields.String(key);
  if (!path) return;
  if (path->rfind("$.", 0) == 0 || path->rfind("$[", 0) == 0) return;
  fields.Add(UserError("bad-records-path", "'paginate." + key + "' must be a JSON path to a value inside each page, "
                                           "such as $.meta.next, got '" + *path + "'",
                       fields.Get(key)->where()));
}

void CheckPaginate(const ConfigNode& node, const ConfigNode& paginate, std::vector<Status>& errors) {
  if (!paginate.is_map()) {
    errors.push_back(UserError("bad-paginate", "'paginate' must be a mapping such as {type: page, size: 100}, got " +
                                                   std::string(paginate.Describe()), paginate.where()));
    return;
  }
  std::vector<std::string> names;
  for (const PaginateType& t : PaginateTypes()) names.push_back(t.name);
  const ConfigNode* type_node = paginate.Find("type");
  if (type_node == nullptr || !type_node->is_scalar()) {
    errors.push_back(UserError("missing-key", "'paginate' needs 'type': " + QuotedList(names), paginate.where()));
    return;
  }
  auto type = std::find_if(PaginateTypes().begin(), PaginateTypes().end(),
                           [&](const PaginateType& t) { return t.name == type_node->scalar(); });
  if (type == PaginateTypes().end()) {
    errors.push_back(UserError("bad-paginate", "'paginate.type' must be " + QuotedList(names) + ", got '" +
                                                   type_node->scalar() + "'" + DidYouMean(type_node->scalar(), names),
                               type_node->where()));
    return;
  }
  std::vector<std::string> allowed = {"type", "max_pages", "on_max_pages"};
  allowed.insert(allowed.end(), type->required.begin(), type->required.end());
  allowed.insert(allowed.end(), type->optional.begin(), type->optional.end());
  MapFields fields(paginate, "'paginate' of type " + type->name, allowed, errors);
  for (const std::string& key : type->required) fields.Require(key);
  for (const char* key : {"param", "size_param", "limit_param"}) fields.String(key);
  fields.Int("start", 0);
  fields.Int("size", 1);
  fields.Int("limit", 1);
  fields.Int("max_pages", 1);
  fields.Choice("on_max_pages", {"fail", "stop"});
  for (const char* key : {"cursor_path", "next_path", "total_path"}) CheckValuePath(fields, key);
  const ConfigNode* to = node.Find("to");
  if (to == nullptr) {
    errors.push_back(UserError("paginate-without-to", "'paginate' needs 'to': the lake file (.parquet, .csv or "
                                                      ".ndjson) the records of every page are written to",
                               paginate.where()));
  } else if (to->is_scalar() && to->scalar().size() >= 5 &&
             to->scalar().compare(to->scalar().size() - 5, 5, ".json") == 0) {
    errors.push_back(UserError("paginate-json-target", "a paginated extract is written as one table: 'to' must end "
                                                       "in .parquet, .csv or .ndjson, not .json", to->where()));
  }
}

void CheckAuth(const ConfigNode& auth, std::vector<Status>& errors) {
  static const std::vector<std::string> kTypes = {"bearer", "basic", "api_key", "oauth2"};
  if (!auth.is_map() || auth.entries().size() != 1) {
    errors.push_back(UserError("bad-auth", "'auth' must be one of " + QuotedList(kTypes) + " with its settings, "
                                           "e.g. {bearer: TOKEN}", auth.where()));
    return;
  }
  const auto& [type, value] = auth.entries()[0];
  const std::string& name = type.scalar();
  if (name == "bearer") return;
  if (std::find(kTypes.begin(), kTypes.end(), name) == kTypes.end()) {
    errors.push_back(UserError("bad-auth", "'auth' must be one of " + QuotedList(kTypes) + ", got '" + name + "'" +
                                               DidYouMean(name, kTypes), type.where()));
    return;
  }
  if (name == "basic") {
    MapFields fields(value, "'auth.basic'", {"user", "password"}, errors);
    fields.Require("user");
    fields.Require("password");
  } else if (name == "api_key") {
    MapFields fields(value, "'auth.api_key'", {"header", "query", "value"}, errors);
    fields.Require("value");
    if (fields.is_map() && (fields.Get("header") == nullptr) == (fields.Get("query") == nullptr)) {
      fields.Add(UserError("bad-auth", "'auth.api_key' needs either 'header' (a header name) or 'query' (a query "
                                       "parameter name)", value.where()));
    }
  } else {
    MapFields fields(value, "'auth.oauth2'", {"token_url", "client_id", "client_secret", "scope", "client_auth"},
                     errors);
    for (const char* key : {"token_url", "client_id", "client_secret"}) fields.Require(key);
    fields.Choice("client_auth", {"basic", "body"});
  }
}

// "10/s", "600/m", "1000/h" (also sec, second, min, minute, hour).
void CheckRateLimit(const ConfigNode& node, std::vector<Status>& errors) {
  static const std::vector<std::string> kUnits = {"s", "sec", "second", "m", "min", "minute", "h", "hour"};
  std::string text = node.is_scalar() ? node.scalar() : "";
  size_t slash = text.find('/');
  bool ok = slash != std::string::npos && slash > 0 &&
            std::find(kUnits.begin(), kUnits.end(), text.substr(slash + 1)) != kUnits.end();
  if (ok) {
    std::string count = text.substr(0, slash);
    char* end = nullptr;
    double n = std::strtod(count.c_str(), &end);
    ok = end == count.c_str() + count.size() && n > 0 && std::isfinite(n);
  }
  if (ok) return;
  errors.push_back(UserError("bad-value", "'rate_limit' must be requests per second, minute or hour, such as '10/s', "
                                          "'600/m' or '1000/h', got '" + text + "'", node.where()));
}

}  // namespace

void CheckHttpTask(const ConfigNode& node, const TaskDef& task, std::vector<Status>& errors) {
  std::vector<std::string> present;
  for (const auto& [key, value] : node.entries()) present.push_back(key.scalar());
  MapFields fields(node, "task '" + task.id + "'", present, errors);
  if (const ConfigNode* paginate = fields.Get("paginate")) CheckPaginate(node, *paginate, errors);
  if (const ConfigNode* auth = fields.Get("auth")) CheckAuth(*auth, errors);
  if (std::optional<int64_t> retries = fields.Int("request_retries", 0); retries && *retries > 100) {
    fields.Add(UserError("out-of-range", "'request_retries' must be 0 to 100, got " + std::to_string(*retries),
                         fields.Get("request_retries")->where()));
  }
  fields.Duration("request_timeout");
  if (const ConfigNode* rate = fields.Get("rate_limit")) CheckRateLimit(*rate, errors);
  if (const ConfigNode* incremental = fields.Get("incremental")) {
    MapFields inc(*incremental, "'incremental'", {"cursor", "param", "initial", "until_param"}, errors);
    if (inc.is_map()) {
      inc.Require("cursor");
      inc.Require("param");
      for (const char* key : {"cursor", "param", "initial", "until_param"}) inc.String(key);
    }
  }
}

}  // namespace weir::config_internal
