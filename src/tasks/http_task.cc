// The http task: one request (GET by default; POST when it has a body)
// with templated url, headers, body and auth. Each request is one attempt:
// 5xx, 408, 429 and connection errors are faults the engine retries (after
// at least the server's Retry-After), other 4xx fail at once. The payload
// is kept verbatim for a `.json` target, or its `records:` are parsed into
// a table with an inferred schema and written as Parquet, CSV or NDJSON,
// with records that are not objects sent to the rejects table. A 2xx body
// is never held whole: it streams to the file, or through the records
// loader (json_records.h), as it arrives.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "tasks/internal/attempt_log.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/data.h"
#include "tasks/internal/http_request.h"
#include "tasks/internal/json_records.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {
namespace fs = std::filesystem;

constexpr size_t kLoggedBodyBytes = 500;
constexpr size_t kMessageBodyBytes = 200;
// Redacted before it is cut, so that no secret is cut in half and half shown.
constexpr size_t kRedactedBodyBytes = 64 * 1024;
constexpr const char* kDefaultRejectsTable = "rejects.http";

// A templated string anywhere in the task (a header value, an auth field).
Result<RenderedText> RenderNode(const ConfigNode& node, const std::string& what, const TemplateContext& names) {
  WEIR_ASSIGN_OR_RETURN(std::string text, node.AsString(what));
  if (!HasTemplateSyntax(text)) return RenderedText{text, text};
  SourceLocation origin = node.where();
  if (node.quoted()) origin.column += 1;  // quoted YAML values start one column later
  WEIR_ASSIGN_OR_RETURN(Template tmpl, ParseTemplate(text, origin));
  WEIR_ASSIGN_OR_RETURN(std::string rendered, tmpl.Render(names));
  WEIR_ASSIGN_OR_RETURN(std::string shown, tmpl.RenderRedacted(names));
  return RenderedText{std::move(rendered), std::move(shown)};
}

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.' && (++i, !digits())) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

// A YAML body (mapping or list) as JSON, its strings rendered as templates.
// Unquoted numbers, booleans and null keep their JSON types.
Result<std::string> BodyJson(const ConfigNode& node, const TemplateContext& names) {
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return std::string("null");
    case ConfigNode::Kind::kScalar: {
      if (!node.quoted()) {
        const std::string& s = node.scalar();
        if (s == "true" || s == "false" || s == "null" || IsJsonNumber(s)) return s;
      }
      WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(node, "'body'", names));
      return JsonString(text.text);
    }
    case ConfigNode::Kind::kSequence: {
      std::string out = "[";
      for (const ConfigNode& item : node.items()) {
        WEIR_ASSIGN_OR_RETURN(std::string json, BodyJson(item, names));
        out += (out.size() > 1 ? ", " : "") + json;
      }
      return out + "]";
    }
    case ConfigNode::Kind::kMap: {
      std::string out = "{";
      for (const auto& [key, value] : node.entries()) {
        WEIR_ASSIGN_OR_RETURN(std::string json, BodyJson(value, names));
        out += (out.size() > 1 ? ", " : "") + JsonString(key.scalar()) + ": " + json;
      }
      return out + "}";
    }
  }
  return std::string("null");
}

bool IsCredentialHeader(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name == "authorization" || name == "proxy-authorization" || name == "cookie" || name == "x-api-key" ||
         name == "api-key" || name == "x-auth-token";
}

bool HasHeader(const HttpRequest& request, std::string_view lower_name) {
  for (const auto& [name, value] : request.headers) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    if (n == lower_name) return true;
  }
  return false;
}

// One line of at most `limit` bytes of a body, for logs and messages.
std::string Excerpt(std::string_view body, size_t limit) {
  std::string out;
  size_t end = std::min(limit, body.size());
  while (end > 0 && end < body.size() && (static_cast<unsigned char>(body[end]) & 0xC0) == 0x80) --end;  // whole UTF-8
  for (char c : body.substr(0, end)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  if (end < body.size()) out += "...";
  return out;
}

Result<PreparedRequest> Prepare(const TaskDef& task, const TemplateContext& names) {
  PreparedRequest p;
  WEIR_ASSIGN_OR_RETURN(RenderedText url, RenderParam(task, "url", names));
  p.request.url = url.text;
  p.shown_url = url.shown;
  if (const ConfigNode* headers = task.param("headers"); headers != nullptr && !headers->is_null()) {
    if (!headers->is_map()) {
      return UserError("wrong-type", "'headers' must map header names to strings, got " +
                                         std::string(headers->Describe()), headers->where());
    }
    for (const auto& [name, value] : headers->entries()) {
      WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, "header '" + name.scalar() + "'", names));
      p.request.headers.emplace_back(name.scalar(), text.text);
      p.shown_headers.push_back(name.scalar() + ": " + (IsCredentialHeader(name.scalar()) ? "***" : text.shown));
    }
  }
  if (const ConfigNode* auth = task.param("auth"); auth != nullptr && !auth->is_null()) {
    const ConfigNode* bearer = auth->is_map() ? auth->Find("bearer") : nullptr;
    const ConfigNode* basic = auth->is_map() ? auth->Find("basic") : nullptr;
    if (!auth->is_map() || auth->entries().size() != 1 || (bearer == nullptr && basic == nullptr)) {
      return UserError("bad-auth", "'auth' must be {bearer: TOKEN} or {basic: {user: NAME, password: SECRET}}",
                       auth->where());
    }
    if (bearer != nullptr) {
      WEIR_ASSIGN_OR_RETURN(RenderedText token, RenderNode(*bearer, "'auth.bearer'", names));
      p.request.headers.emplace_back("Authorization", "Bearer " + token.text);
      p.shown_headers.push_back("Authorization: ***");
    } else {
      const ConfigNode* user = basic->is_map() ? basic->Find("user") : nullptr;
      const ConfigNode* password = basic->is_map() ? basic->Find("password") : nullptr;
      if (user == nullptr || password == nullptr) {
        return UserError("bad-auth", "'auth.basic' needs 'user' and 'password'", basic->where());
      }
      WEIR_ASSIGN_OR_RETURN(RenderedText user_text, RenderNode(*user, "'auth.basic.user'", names));
      WEIR_ASSIGN_OR_RETURN(RenderedText password_text, RenderNode(*password, "'auth.basic.password'", names));
      p.request.basic_user = user_text.text;
      p.request.basic_password = password_text.text;
      p.shown_headers.push_back("Authorization: ***");
    }
  }
  bool has_body = false;
  if (const ConfigNode* body = task.param("body"); body != nullptr && !body->is_null()) {
    has_body = true;
    if (body->is_scalar()) {
      WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderParam(task, "body", names));
      p.request.body = text.text;
    } else {
      WEIR_ASSIGN_OR_RETURN(p.request.body, BodyJson(*body, names));
      if (!HasHeader(p.request, "content-type")) {
        p.request.headers.emplace_back("Content-Type", "application/json");
        p.shown_headers.push_back("Content-Type: application/json");
      }
    }
  }
  p.request.method = has_body ? "POST" : "GET";
  if (const ConfigNode* method = task.param("method"); method != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string m, method->AsString("'method'"));
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::toupper(c); });
    static const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
    if (std::find(std::begin(kMethods), std::end(kMethods), m) == std::end(kMethods)) {
      return UserError("bad-method", "'method' must be GET, POST, PUT, PATCH, DELETE or HEAD, got '" + m + "'",
                       method->where());
    }
    p.request.method = m;
  }
  return p;
}

Result<std::string> RejectsTable(const TaskDef& task, bool* explicit_table) {
  const ConfigNode* node = task.param("rejects");
  *explicit_table = node != nullptr && !node->is_null();
  if (!*explicit_table) return std::string(kDefaultRejectsTable);
  const ConfigNode* table = node->is_map() ? node->Find("table") : nullptr;
  if (table == nullptr || !table->is_scalar() || table->scalar().empty()) {
    return UserError("bad-rejects", "'rejects' of an http task needs 'table' (a name, e.g. rejects.api)",
                     node->where());
  }
  return table->scalar();
}

// The payload as it came, written piece by piece to a temporary file that
// Commit renames into place; removed if it is never committed.
class VerbatimFile {
 public:
  VerbatimFile(std::string path, const TaskContext& context) : path_(std::move(path)), attempt_(context.attempt) {}
  ~VerbatimFile() {
    if (!opened_ || committed_) return;
    out_.close();
    std::error_code ec;
    fs::remove(tmp_, ec);
  }

  Status Write(std::string_view piece) {
    if (!opened_) WEIR_TRY(Open());
    out_.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    if (!out_) return Fault("lake-write", "cannot write '" + tmp_ + "'");
    return OkStatus();
  }

  Status Commit() {
    if (!opened_) WEIR_TRY(Open());  // an empty payload
    out_.flush();
    out_.close();
    if (!out_) return Fault("lake-write", "cannot write '" + tmp_ + "'");
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) return Fault("lake-write", "cannot move the written file into place at '" + path_ + "'");
    committed_ = true;
    return OkStatus();
  }

 private:
  Status Open() {
    static std::atomic<int> counter{0};
    std::error_code ec;
    fs::create_directories(fs::path(path_).parent_path(), ec);
    if (ec) return Fault("lake-write", "cannot create folder for '" + path_ + "': " + ec.message());
    tmp_ = path_ + ".weir-tmp-" + std::to_string(::getpid()) + "-" + std::to_string(attempt_) + "-" +
           std::to_string(counter++);
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
    opened_ = true;
    if (!out_) return Fault("lake-write", "cannot write '" + tmp_ + "'");
    return OkStatus();
  }

  std::string path_;
  int attempt_;
  std::string tmp_;
  std::ofstream out_;
  bool opened_ = false;
  bool committed_ = false;
};

// Checks a payload kept verbatim and counts the records at its path as it
// streams past.
class RecordCounter {
 public:
  explicit RecordCounter(RecordsPath path) : splitter_(std::move(path)) {}
  Status Feed(std::string_view piece) {
    found_.clear();
    WEIR_TRY(splitter_.Feed(piece, found_));
    count_ += static_cast<int64_t>(found_.size());
    return OkStatus();
  }
  Status Finish() { return splitter_.Finish(); }
  int64_t count() const { return count_; }

 private:
  RecordSplitter splitter_;
  std::vector<RecordSpan> found_;
  int64_t count_ = 0;
};

// The records of a 2xx body parsed as it streams in and written to the lake
// file as rows (json_records.h); the rejects gather in a database of their own.
struct RecordsTarget {
  std::unique_ptr<DuckDbConnection> db;          // the rows are written through it
  std::unique_ptr<DuckDbConnection> rejects_db;
  RecordsLoadOptions options;
  std::unique_ptr<RecordsLoader> loader;  // declared last: stopped before the databases close

  static Result<std::unique_ptr<RecordsTarget>> Open(const TaskContext& context, const std::string& path,
                                                     FileFormat format, const RecordsPath& records) {
    auto target = std::make_unique<RecordsTarget>();
    WEIR_ASSIGN_OR_RETURN(target->db, ConnectCompute(context));
    // The rows come from one scan, in order, so the COPY has one thread's
    // work: with more, the thread that runs the query can spin waiting
    // while another runs it.
    WEIR_TRY(target->db->Execute("SET threads = 1"));
    WEIR_ASSIGN_OR_RETURN(target->rejects_db, ConnectCompute(context));
    target->options.spill_directory = context.project.Resolve(".weir/tmp");
    RecordsWriter write = [&context, path, format](DuckDbConnection& db, const std::string& select_sql) {
      return WriteQueryToFile(db, select_sql, path, format, context);
    };
    target->loader = std::make_unique<RecordsLoader>(*target->db, *target->rejects_db, records, target->options,
                                                     std::move(write), context.cancel, context.deadline);
    return target;
  }
};

class HttpTask final : public TaskRunner {
 public:
  explicit HttpTask(const TaskServices& services) : services_(services) {}

  Result<std::string> Run(const TaskContext& context) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    auto secrets = std::make_shared<SecretValues>();
    RecordSecrets(names, secrets);
    WEIR_ASSIGN_OR_RETURN(PreparedRequest prepared, Prepare(context.task, names));
    const std::string request_line = prepared.request.method + " " + prepared.shown_url;
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": http " + request_line);
    Result<std::string> result = Attempt(context, names, prepared, request_line, *secrets, log);
    if (!result.ok()) {
      Status failed = secrets->Redact(result.status());
      log.Line("failed: " + failed.message());
      return failed;
    }
    return result;
  }

 private:
  Result<std::string> Attempt(const TaskContext& context, const TemplateContext& names, const PreparedRequest& prepared,
                              const std::string& request_line, const SecretValues& secrets, AttemptLog& log) {
    // Everything the task needs is checked before the request is sent.
    std::optional<RenderedText> to;
    std::optional<FileFormat> format;
    std::string path;
    if (const ConfigNode* to_node = context.task.param("to"); to_node != nullptr) {
      WEIR_ASSIGN_OR_RETURN(to, RenderParam(context.task, "to", names));
      WEIR_ASSIGN_OR_RETURN(format, FormatOf(to->text, to_node->where()));
      WEIR_ASSIGN_OR_RETURN(path, LakePath(context, to->text));
    }
    const ConfigNode* records_node = context.task.param("records");
    std::optional<RecordsPath> records;
    if (records_node != nullptr) {
      WEIR_ASSIGN_OR_RETURN(std::string text, records_node->AsString("'records'"));
      WEIR_ASSIGN_OR_RETURN(records, ParseRecordsPath(text, records_node->where()));
    }
    if (records && !to) {
      return UserError("records-without-to", "'records' needs 'to': the lake file the records are written to",
                       records_node->where());
    }
    bool explicit_rejects = false;
    WEIR_ASSIGN_OR_RETURN(std::string rejects_table, RejectsTable(context.task, &explicit_rejects));

    // Where a 2xx body streams to: the file, the records loader, or nowhere.
    std::unique_ptr<VerbatimFile> verbatim;
    std::unique_ptr<RecordCounter> counter;
    std::unique_ptr<RecordsTarget> rows;
    if (to && *format == FileFormat::kJson) {
      verbatim = std::make_unique<VerbatimFile>(path, context);
      if (records) counter = std::make_unique<RecordCounter>(*records);
    } else if (to) {
      WEIR_ASSIGN_OR_RETURN(rows, RecordsTarget::Open(context, path, *format, records.value_or(RecordsPath{"$", {}})));
    }
    Status body_error;
    HttpBodyConsumer on_body = [&](std::string_view piece) {
      if (verbatim) body_error = verbatim->Write(piece);
      if (body_error.ok() && counter) body_error = counter->Feed(piece);
      if (body_error.ok() && rows) body_error = rows->loader->Feed(piece);
      return body_error;
    };
    Result<HttpResponse> fetched = HttpFetchStreaming(prepared.request, on_body, context.cancel, context.deadline);
    if (!body_error.ok()) return body_error;
    if (!fetched.ok()) {
      if (fetched.status().kind() == ErrorKind::kCancelled) return fetched.status();
      return fetched.status().WithContext(request_line);
    }
    HttpResponse& response = *fetched;
    std::string answered = "answered " + std::to_string(response.status) + ", " +
                           std::to_string(response.body_bytes) + " bytes";
    if (response.status < 200 || response.status > 299) {
      log.Line("request headers: " + Joined(prepared.shown_headers));
      log.Line(answered);
      if (!response.body.empty()) {
        log.Line("response body (first " + std::to_string(kLoggedBodyBytes) + " bytes): " +
                 Excerpt(secrets.Redact(response.body.substr(0, kRedactedBodyBytes)), kLoggedBodyBytes));
      }
      return StatusError(context, request_line, response, secrets);
    }
    log.Line(answered, false);

    std::map<std::string, std::string> output{{"status", std::to_string(response.status)},
                                              {"bytes", std::to_string(response.body_bytes)}};
    if (!to) return JsonObject(output);
    output["path"] = JsonString(to->text);
    if (verbatim) {
      if (counter) {
        WEIR_TRY(counter->Finish());
        output["records"] = std::to_string(counter->count());
      }
      WEIR_TRY(verbatim->Commit());
      log.Line("wrote the payload to " + to->text, false);
      return JsonObject(output);
    }
    WEIR_ASSIGN_OR_RETURN(RecordsLoad load, rows->loader->Finish());
    if (load.rejected > 0 || explicit_rejects) {
      WEIR_TRY(WriteRejects(*rows->rejects_db,
                            "SELECT reason, source, row_json FROM " + SqlIdentifier(rows->options.rejects_table),
                            rejects_table, context, services_).status());
    }
    if (load.passes > 1) {
      log.Line("a record after the first " + std::to_string(rows->options.schema_batches * rows->options.batch) +
               " changed the columns: the rows were written a second time");
    }
    output["records"] = std::to_string(load.records);
    output["rows_written"] = std::to_string(load.rows);
    output["rows_rejected"] = std::to_string(load.rejected);
    log.Line("wrote " + std::to_string(load.rows) + " rows to " + to->text + ", " + std::to_string(load.rejected) +
                 " records rejected",
             load.rejected > 0);
    return JsonObject(output);
  }

  static std::string Joined(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
    return out.empty() ? "(none)" : out;
  }

  // A non-2xx answer: a fault to retry (408, 429, 5xx, honouring
  // Retry-After up to the task's max_retry_delay) or a user error.
  static Status StatusError(const TaskContext& context, const std::string& request_line, const HttpResponse& response,
                            const SecretValues& secrets) {
    int status = response.status;
    std::string message = request_line + " answered " + std::to_string(status);
    if (!response.body.empty()) {
      message += ": " + Excerpt(secrets.Redact(response.body.substr(0, kRedactedBodyBytes)), kMessageBodyBytes);
    }
    message += " (log: " + context.log_path + ")";
    std::string code = "http-" + std::to_string(status);
    bool retryable = status == 408 || status == 429 || status >= 500;
    if (!retryable) return UserError(code, message);
    Status fault = Fault(code, message);
    if (std::optional<std::chrono::milliseconds> wait = response.RetryAfter(std::chrono::system_clock::now())) {
      fault = fault.WithRetryAfter(std::min(*wait, context.task.retry.max_delay));
    }
    return fault;
  }

  const TaskServices& services_;
};

}  // namespace

Result<PreparedRequest> PrepareHttpRequest(const TaskDef& task, const TemplateContext& names) {
  return Prepare(task, names);
}

std::shared_ptr<TaskRunner> NewHttpTask(const TaskServices& services) { return std::make_shared<HttpTask>(services); }

}  // namespace weir::tasks_internal
