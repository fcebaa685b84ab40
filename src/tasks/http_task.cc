// The http task: one request (GET by default; POST when it has a body)
// with templated url, headers, body and auth, or, with `paginate:`, one per
// page until the API's pages end. Requests go through an HttpSession
// (http_session.cc): rate-limited, their faults retried inside the attempt
// up to request_retries times (0 without paginate, so that each request is
// one attempt the engine retries: 5xx, 408, 429 and connection errors are
// faults, after at least the server's Retry-After; other 4xx fail at once).
//
// The payload is kept verbatim for a `.json` target, or its `records:` are
// parsed into a table with an inferred schema and written as Parquet, CSV
// or NDJSON, with records that are not objects sent to the rejects table.
// A single request's 2xx body is never held whole: it streams to the file,
// or through the records loader (json_records.h), as it arrives. A page is
// held (in memory, or a file past 8 MiB) until it is complete, so that a
// page that fails half-way is fetched again without half of it loaded; then
// its records go to the one loader of the whole extract, which infers the
// columns over every page. A paginated extract cannot be kept verbatim: a
// `.json` target is refused (`paginate-json-target`).
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "tasks/internal/attempt_log.h"
#include "tasks/internal/data.h"
#include "tasks/internal/http_pagination.h"
#include "tasks/internal/http_request.h"
#include "tasks/internal/incremental.h"
#include "tasks/internal/json_records.h"
#include "tasks/internal/lake.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {
namespace fs = std::filesystem;

constexpr const char* kDefaultRejectsTable = "rejects.http";
constexpr int kPaginatedRequestRetries = 5;
// A page is kept in memory up to this size, in a file beyond.
constexpr size_t kPageMemoryBytes = 8 << 20;
constexpr size_t kPageReplayBytes = 1 << 20;

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

// A name for a temporary file next to `path` or in a folder, unique in this process.
std::string TemporaryName(const std::string& prefix, int attempt) {
  static std::atomic<int> counter{0};
  return prefix + std::to_string(::getpid()) + "-" + std::to_string(attempt) + "-" + std::to_string(counter++);
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
    std::error_code ec;
    fs::create_directories(fs::path(path_).parent_path(), ec);
    if (ec) return Fault("lake-write", "cannot create folder for '" + path_ + "': " + ec.message());
    tmp_ = TemporaryName(path_ + ".weir-tmp-", attempt_);
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

// The records of 2xx bodies parsed and written to the lake file as rows
// (json_records.h); the rejects gather in a database of their own.
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

// A single request's 2xx body, passed on as it arrives: it can be sent
// again only while nothing has gone on.
class StreamingSink final : public BodySink {
 public:
  StreamingSink(VerbatimFile* verbatim, RecordCounter* counter, RecordsLoader* loader)
      : verbatim_(verbatim), counter_(counter), loader_(loader) {}

  Status Write(std::string_view piece) override {
    wrote_ = true;
    if (verbatim_ != nullptr) WEIR_TRY(verbatim_->Write(piece));
    if (counter_ != nullptr) WEIR_TRY(counter_->Feed(piece));
    if (loader_ != nullptr) WEIR_TRY(loader_->Feed(piece));
    return OkStatus();
  }
  bool Restart() override { return !wrote_ || (verbatim_ == nullptr && counter_ == nullptr && loader_ == nullptr); }

 private:
  VerbatimFile* verbatim_;
  RecordCounter* counter_;
  RecordsLoader* loader_;
  bool wrote_ = false;
};

// One page's body, held until it is complete: in memory, or past
// kPageMemoryBytes in a temporary file (removed with the buffer).
class PageBuffer final : public BodySink {
 public:
  PageBuffer(std::string directory, int attempt) : directory_(std::move(directory)), attempt_(attempt) {}
  ~PageBuffer() {
    if (path_.empty()) return;
    file_.close();
    std::error_code ec;
    fs::remove(path_, ec);
  }

  Status Write(std::string_view piece) override {
    if (!in_file_ && memory_.size() + piece.size() <= kPageMemoryBytes) {
      memory_.append(piece);
      return OkStatus();
    }
    if (!in_file_) {
      WEIR_TRY(OpenFile());
      WEIR_TRY(ToFile(memory_));
      memory_.clear();
    }
    return ToFile(piece);
  }

  bool Restart() override {
    memory_.clear();
    if (in_file_) {
      file_.close();
      file_.open(path_, std::ios::binary | std::ios::trunc | std::ios::in | std::ios::out);
    }
    return true;
  }

  // The page, piece by piece.
  Status Replay(const std::function<Status(std::string_view)>& piece) {
    if (!in_file_) return memory_.empty() ? OkStatus() : piece(memory_);
    file_.flush();
    file_.seekg(0);
    std::string buffer(kPageReplayBytes, '\0');
    while (file_) {
      file_.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      if (file_.gcount() > 0) WEIR_TRY(piece(std::string_view(buffer.data(), static_cast<size_t>(file_.gcount()))));
    }
    if (file_.bad()) return Fault("spill-read", "cannot read the page back from '" + path_ + "'");
    file_.clear();
    return OkStatus();
  }

 private:
  Status OpenFile() {
    std::error_code ec;
    fs::create_directories(directory_, ec);
    if (path_.empty()) path_ = (fs::path(directory_) / TemporaryName("weir-page-", attempt_)).string();
    file_.open(path_, std::ios::binary | std::ios::trunc | std::ios::in | std::ios::out);
    if (!file_) return Fault("spill-write", "cannot keep the page in '" + path_ + "'");
    in_file_ = true;
    return OkStatus();
  }
  Status ToFile(std::string_view piece) {
    file_.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    if (!file_) return Fault("spill-write", "cannot keep the page in '" + path_ + "'");
    return OkStatus();
  }

  std::string directory_;
  int attempt_;
  std::string memory_;
  std::string path_;
  std::fstream file_;
  bool in_file_ = false;
};

// Where the task's payload goes, read before any request is sent.
struct Target {
  std::optional<RenderedText> to;
  const ConfigNode* to_node = nullptr;
  FileFormat format = FileFormat::kJson;
  std::string path;                   // written here, then published
  std::optional<LakeOutput> output;
  std::optional<RecordsPath> records;
  std::string rejects_table;
  bool explicit_rejects = false;
};

Result<Target> ReadTarget(const TaskContext& context, const TemplateContext& names, Lake& lake) {
  Target t;
  if ((t.to_node = context.task.param("to")) != nullptr) {
    WEIR_ASSIGN_OR_RETURN(t.to, RenderParam(context.task, "to", names));
    WEIR_ASSIGN_OR_RETURN(t.format, FormatOf(t.to->text, t.to_node->where()));
    WEIR_ASSIGN_OR_RETURN(t.output, lake.Output(t.to->text));
    t.path = t.output->path;
  }
  const ConfigNode* records_node = context.task.param("records");
  if (records_node != nullptr) {
    WEIR_ASSIGN_OR_RETURN(std::string text, records_node->AsString("'records'"));
    WEIR_ASSIGN_OR_RETURN(t.records, ParseRecordsPath(text, records_node->where()));
  }
  if (t.records && !t.to) {
    return UserError("records-without-to", "'records' needs 'to': the lake file the records are written to",
                     records_node->where());
  }
  WEIR_ASSIGN_OR_RETURN(t.rejects_table, RejectsTable(context.task, &t.explicit_rejects));
  return t;
}

// `incremental: {cursor, param, initial, until_param}`: the API is asked
// for records after the cursor value the interval before this one ended at.
struct HttpIncremental {
  std::string cursor;       // the records' key whose largest value ends a range
  std::string param;        // the query parameter the range's start goes in
  std::string initial;      // the first interval's start ("" : none sent)
  std::string until_param;  // on a rerun, the range's end goes in it ("" : not sent)
};

Result<std::optional<HttpIncremental>> ReadHttpIncremental(const TaskDef& task, const TemplateContext& names,
                                                           const Target& target) {
  const ConfigNode* node = task.param("incremental");
  if (node == nullptr || node->is_null()) return std::optional<HttpIncremental>();
  if (!target.to || target.format == FileFormat::kJson) {
    return UserError("bad-incremental", "an incremental http task needs its records parsed: 'to' must end in "
                                        ".parquet, .csv or .ndjson (the range ends at the largest cursor value read)",
                     node->where());
  }
  HttpIncremental incremental;
  for (const auto& [key, value] : node->entries()) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, "'incremental." + key.scalar() + "'", names));
    if (key.scalar() == "cursor") incremental.cursor = text.text;
    if (key.scalar() == "param") incremental.param = text.text;
    if (key.scalar() == "initial") incremental.initial = text.text;
    if (key.scalar() == "until_param") incremental.until_param = text.text;
  }
  if (incremental.cursor.empty() || incremental.param.empty()) {
    return UserError("bad-incremental", "'incremental' needs 'cursor' (a key of the records) and 'param' (the query "
                                        "parameter the range's start is sent in)", node->where());
  }
  return std::optional<HttpIncremental>(std::move(incremental));
}

// The range's start (and, on a rerun, its end) as query parameters.
void AddCursorParams(const HttpIncremental& incremental, const PlannedRange& range, PreparedRequest& prepared,
                     AttemptLog& log) {
  auto add = [&](const std::string& name, const std::string& value) {
    prepared.request.url = WithQueryParam(prepared.request.url, name, value);
    prepared.shown_url = WithQueryParam(prepared.shown_url, name, value);
  };
  std::string from = range.range.from.empty() ? incremental.initial : range.range.from;
  if (!from.empty()) add(incremental.param, from);
  if (range.recorded && !incremental.until_param.empty()) add(incremental.until_param, range.range.to);
  log.Line("incremental: " + incremental.cursor + (from.empty() ? " from the start" : " after " + from) +
               (range.recorded ? " up to " + range.range.to + " (this interval's recorded range)" : ""),
           false);
}

// A task output (a flat JSON object) with `fields` added (raw JSON values).
Result<std::string> WithOutputFields(const std::string& output, const std::map<std::string, std::string>& fields) {
  nlohmann::json parsed = nlohmann::json::parse(output, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return InternalError("a task output that is not a JSON object: " + output);
  std::map<std::string, std::string> raw(fields);
  for (const auto& [key, value] : parsed.items()) raw.emplace(key, value.dump());
  return JsonObject(raw);
}

class HttpTask final : public TaskRunner {
 public:
  explicit HttpTask(const TaskServices& services) : services_(services) {}

  Result<std::string> Run(const TaskContext& context) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    auto secrets = std::make_shared<SecretValues>();
    RecordSecrets(names, secrets);
    Result<PreparedRequest> prepared = PrepareHttpTaskRequest(context.task, names);
    if (!prepared.ok()) return secrets->Redact(prepared.status());
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": http " +
                                         prepared->request.method + " " + prepared->shown_url);
    log.SetSecrets(secrets);
    Result<std::string> result = Attempt(context, names, std::move(*prepared), secrets, log);
    if (!result.ok()) {
      Status failed = secrets->Redact(result.status());
      log.Line("failed: " + failed.message());
      return failed;
    }
    return result;
  }

 private:
  Result<std::string> Attempt(const TaskContext& context, const TemplateContext& names, PreparedRequest prepared,
                              const std::shared_ptr<SecretValues>& secrets, AttemptLog& log) {
    // Everything the task needs is checked before the first request is sent.
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Lake> lake, OpenLake(context, services_));
    WEIR_ASSIGN_OR_RETURN(Target target, ReadTarget(context, names, *lake));
    WEIR_ASSIGN_OR_RETURN(std::optional<PaginationOptions> pagination, ReadPagination(context.task));
    if (pagination) WEIR_TRY(CheckPaginatedTarget(context.task, target));
    WEIR_ASSIGN_OR_RETURN(RequestPolicy policy,
                          ReadRequestPolicy(context.task, pagination ? kPaginatedRequestRetries : 0));
    WEIR_ASSIGN_OR_RETURN(std::optional<HttpIncremental> incremental, ReadHttpIncremental(context.task, names, target));
    std::optional<PlannedRange> range;
    if (incremental) {
      WEIR_ASSIGN_OR_RETURN(range, PlanCursorRange(context));
      AddCursorParams(*incremental, *range, prepared, log);
    }
    Clock& clock = services_.clock != nullptr ? *services_.clock : system_clock_;
    HttpSession session(std::move(prepared), policy, clock, context, secrets, log);
    Result<std::string> output = pagination ? Paginated(context, session, std::move(*pagination), target, log)
                                            : Single(context, session, target, log);
    if (output.ok() && incremental) output = WithCursorRange(context, *output, *incremental, *range, target, log);
    if (output.ok() && target.output) WEIR_TRY(lake->Publish(*target.output));  // the file is complete
    return output;
  }

  // The range's end recorded (a new range ends at the largest cursor value
  // the records had), and shown in the output.
  static Result<std::string> WithCursorRange(const TaskContext& context, const std::string& output,
                                             const HttpIncremental& incremental, PlannedRange& range,
                                             const Target& target, AttemptLog& log) {
    if (!range.recorded) {
      WEIR_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> compute, ConnectCompute(context));
      WEIR_TRY(RecordCursorRangeEnd(context, range.range, *compute, incremental.cursor, target.path, target.format));
    }
    log.Line("cursor " + incremental.cursor + " up to " + (range.range.to.empty() ? "(none yet)" : range.range.to),
             false);
    return WithOutputFields(output, {{"cursor_from", JsonString(range.range.from)},
                                     {"cursor_to", JsonString(range.range.to)}});
  }

  static Status CheckPaginatedTarget(const TaskDef& task, const Target& target) {
    if (!target.to) {
      return UserError("paginate-without-to", "'paginate' needs 'to': the lake file (.parquet, .csv or .ndjson) "
                                              "the records of every page are written to",
                       task.param("paginate")->where());
    }
    if (target.format == FileFormat::kJson) {
      return UserError("paginate-json-target", "a paginated extract is written as one table: 'to' must end in "
                                               ".parquet, .csv or .ndjson, not .json (pages are not kept verbatim)",
                       target.to_node->where());
    }
    return OkStatus();
  }

  Result<std::string> Single(const TaskContext& context, HttpSession& session, const Target& target,
                             AttemptLog& log) {
    // Where a 2xx body streams to: the file, the records loader, or nowhere.
    std::unique_ptr<VerbatimFile> verbatim;
    std::unique_ptr<RecordCounter> counter;
    std::unique_ptr<RecordsTarget> rows;
    if (target.to && target.format == FileFormat::kJson) {
      verbatim = std::make_unique<VerbatimFile>(target.path, context);
      if (target.records) counter = std::make_unique<RecordCounter>(*target.records);
    } else if (target.to) {
      WEIR_ASSIGN_OR_RETURN(rows, RecordsTarget::Open(context, target.path, target.format,
                                                      target.records.value_or(RecordsPath{"$", {}})));
    }
    StreamingSink sink(verbatim.get(), counter.get(), rows ? rows->loader.get() : nullptr);
    WEIR_ASSIGN_OR_RETURN(HttpResponse response, session.Send(session.prepared().request.url, "", sink));
    log.Line("answered " + std::to_string(response.status) + ", " + std::to_string(response.body_bytes) + " bytes",
             false);
    std::map<std::string, std::string> output{{"status", std::to_string(response.status)},
                                              {"bytes", std::to_string(response.body_bytes)}};
    if (!target.to) return JsonObject(output);
    output["path"] = JsonString(target.to->text);
    if (verbatim) {
      if (counter) {
        WEIR_TRY(counter->Finish());
        output["records"] = std::to_string(counter->count());
      }
      WEIR_TRY(verbatim->Commit());
      log.Line("wrote the payload to " + target.to->text, false);
      return JsonObject(output);
    }
    WEIR_TRY(FinishRows(context, *rows, target, output, log));
    return JsonObject(output);
  }

  Result<std::string> Paginated(const TaskContext& context, HttpSession& session, PaginationOptions options,
                                const Target& target, AttemptLog& log) {
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<RecordsTarget> rows,
                          RecordsTarget::Open(context, target.path, target.format,
                                              target.records.value_or(RecordsPath{"$", {}})));
    Paginator pages(options, session.prepared().request.url);
    PageBuffer page(context.project.Resolve(".weir/tmp"), context.attempt);
    int64_t bytes = 0;
    int last_status = 0;
    for (;;) {
      const std::string label = "page " + std::to_string(pages.page());
      page.Restart();
      WEIR_ASSIGN_OR_RETURN(HttpResponse response, session.Send(pages.url(), label, page));
      bytes += static_cast<int64_t>(response.body_bytes);
      last_status = response.status;
      PageFacts facts;
      facts.response = &response;
      Status read = ReadPage(page, *rows->loader, options, facts);
      if (!read.ok()) {
        if (read.kind() != ErrorKind::kUser) return read;
        return read.WithContext(label + " (GET " + session.Shown(pages.url()) + ")");
      }
      log.Line(label + ": " + std::to_string(response.body_bytes) + " bytes, " + std::to_string(facts.records) +
                   " records",
               false);
      std::string why;
      WEIR_ASSIGN_OR_RETURN(bool more, pages.Advance(facts, &why));
      if (!more) {
        log.Line("the last page: " + why, false);
        break;
      }
    }
    std::map<std::string, std::string> output{{"status", std::to_string(last_status)},
                                              {"bytes", std::to_string(bytes)},
                                              {"pages", std::to_string(pages.page())},
                                              {"path", JsonString(target.to->text)}};
    WEIR_TRY(FinishRows(context, *rows, target, output, log));
    return JsonObject(output);
  }

  // A complete page to the loader, with the values pagination reads from it.
  static Status ReadPage(PageBuffer& page, RecordsLoader& loader, const PaginationOptions& options,
                         PageFacts& facts) {
    std::optional<JsonValueAt> value;
    std::optional<JsonValueAt> total;
    if (options.value_path) value.emplace(*options.value_path);
    if (options.total_path) total.emplace(*options.total_path);
    WEIR_TRY(page.Replay([&](std::string_view piece) {
      WEIR_TRY(loader.Feed(piece));
      if (value) WEIR_TRY(value->Feed(piece));
      if (total) WEIR_TRY(total->Feed(piece));
      return OkStatus();
    }));
    WEIR_ASSIGN_OR_RETURN(facts.records, loader.EndPage());
    if (value) {
      WEIR_ASSIGN_OR_RETURN(facts.value, value->Finish());
    }
    if (total) {
      WEIR_ASSIGN_OR_RETURN(facts.total, total->Finish());
    }
    return OkStatus();
  }

  // The rows written, the rejects stored: the output's counts.
  Status FinishRows(const TaskContext& context, RecordsTarget& rows, const Target& target,
                    std::map<std::string, std::string>& output, AttemptLog& log) {
    WEIR_ASSIGN_OR_RETURN(RecordsLoad load, rows.loader->Finish());
    if (load.rejected > 0 || target.explicit_rejects) {
      WEIR_TRY(WriteRejects(*rows.rejects_db,
                            "SELECT reason, source, row_json FROM " + SqlIdentifier(rows.options.rejects_table),
                            target.rejects_table, context, services_).status());
    }
    if (load.passes > 1) {
      log.Line("a record after the first " + std::to_string(rows.options.schema_batches * rows.options.batch) +
               " changed the columns: the rows were written a second time");
    }
    output["records"] = std::to_string(load.records);
    output["rows_written"] = std::to_string(load.rows);
    output["rows_rejected"] = std::to_string(load.rejected);
    log.Line("wrote " + std::to_string(load.rows) + " rows to " + target.to->text + ", " +
                 std::to_string(load.rejected) + " records rejected",
             load.rejected > 0);
    return OkStatus();
  }

  const TaskServices& services_;
  SystemClock system_clock_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewHttpTask(const TaskServices& services) { return std::make_shared<HttpTask>(services); }

}  // namespace weir::tasks_internal
