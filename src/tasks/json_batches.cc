// RecordsLoader. The feeding thread splits the payload's pieces as they
// come, cuts the records into batches, parses each batch (one simdjson
// call), inspects it (columns, rejects) and queues it; a writer thread runs
// the caller's write (a COPY) over a table function whose scan takes the
// batches off the queue and writes their rows. The columns must be fixed
// when that query starts, so it starts once the first batches are
// inspected; a later batch that changes them ends it, and the rows are
// written again in a second pass over the spilled payload. At most
// kBatchesInFlight batches wait once writing has started, so a slow writer
// slows the reading instead of filling memory.
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/mutex.h"
#include "tasks/internal/json_records.h"

namespace weir::tasks_internal {
namespace {

namespace dom = simdjson::dom;
namespace fs = std::filesystem;

constexpr size_t kBatchesInFlight = 2;
constexpr size_t kReplayPieceBytes = 1 << 20;
constexpr auto kStopCheckInterval = std::chrono::milliseconds(50);

Status CheckStop(const CancelToken& cancel, TimePoint deadline) {
  if (cancel.cancelled()) return Cancelled("stopped while loading records");
  if (std::chrono::system_clock::now() >= deadline) return Fault("timeout", "timed out while loading records");
  return OkStatus();
}

bool SameColumns(const std::vector<RecordColumn>& a, const std::vector<RecordColumn>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].name != b[i].name || a[i].type != b[i].type) return false;
  }
  return true;
}

// The payload (every page) as it came, kept in a file for a second pass;
// removed with it.
class Spill {
 public:
  explicit Spill(const std::string& directory) {
    static std::atomic<int> counter{0};
    fs::path folder = directory.empty() ? fs::temp_directory_path() : fs::path(directory);
    path_ = (folder / ("weir-records-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".json"))
                .string();
  }
  ~Spill() {
    out_.close();
    std::error_code ec;
    fs::remove(path_, ec);
  }

  Status Write(std::string_view piece) {
    if (!out_.is_open()) {
      std::error_code ec;
      fs::create_directories(fs::path(path_).parent_path(), ec);
      out_.open(path_, std::ios::binary | std::ios::trunc);
    }
    out_.write(piece.data(), static_cast<std::streamsize>(piece.size()));
    if (!out_) return Fault("spill-write", "cannot keep the payload in '" + path_ + "'");
    written_ += piece.size();
    return OkStatus();
  }

  // The bytes written so far are a whole page.
  void EndPage() { page_ends_.push_back(written_); }

  // Reads it back, piece by piece, calling `page_end` between two pages
  // (every byte is in an ended page by now).
  Status Replay(const std::function<Status(std::string_view)>& piece, const std::function<Status()>& page_end) {
    out_.close();
    std::ifstream in(path_, std::ios::binary);
    std::string buffer(kReplayPieceBytes, '\0');
    size_t offset = 0;
    for (size_t page = 0; page < page_ends_.size(); ++page) {
      if (page > 0) WEIR_TRY(page_end());
      while (offset < page_ends_[page] && in) {
        in.read(buffer.data(), static_cast<std::streamsize>(std::min(buffer.size(), page_ends_[page] - offset)));
        if (in.gcount() <= 0) break;
        offset += static_cast<size_t>(in.gcount());
        WEIR_TRY(piece(std::string_view(buffer.data(), static_cast<size_t>(in.gcount()))));
      }
      if (offset < page_ends_[page]) return Fault("spill-read", "cannot read the payload back from '" + path_ + "'");
    }
    return OkStatus();
  }

 private:
  std::string path_;
  std::ofstream out_;
  size_t written_ = 0;
  std::vector<size_t> page_ends_;  // the bytes written when each ended page ended
};

// The splitter and the bytes its records are in: records come out as
// batches of whole records.
struct Cutter {
  Cutter(const RecordsPath& path, int page_number) : splitter(path), page(page_number) {}

  RecordSplitter splitter;
  int page;
  std::string pending;  // the payload's bytes still needed, from offset pending_base
  size_t pending_base = 0;
  std::vector<RecordSpan> spans;  // found, in no batch yet
  int64_t found = 0;

  Status Feed(std::string_view piece) {
    size_t before = spans.size();
    pending.append(piece);
    WEIR_TRY(splitter.Feed(piece, spans));
    found += static_cast<int64_t>(spans.size() - before);
    return OkStatus();
  }

  // How many of the first spans make the next batch; 0 when they should
  // wait for more (or, for the one-object record, for the end, so that
  // damage after it is reported before it is parsed).
  size_t NextBatch(const RecordsLoadOptions& options, bool last) const {
    if (spans.empty() || (!last && !splitter.from_array())) return 0;
    size_t count = 0;
    const size_t first = spans.front().offset;
    while (count < spans.size() && count < options.batch &&
           (count == 0 || spans[count].offset + spans[count].length - first <= options.batch_bytes)) {
      ++count;
    }
    bool full = count < spans.size() || count == options.batch;
    return full || last ? count : 0;
  }

  // The first `count` spans as a batch, in `text` (a buffer to reuse).
  RecordBatch Cut(size_t count, std::string text) {
    RecordBatch batch;
    batch.text = std::move(text);
    batch.text.clear();
    batch.from_array = splitter.from_array();
    const size_t begin = spans.front().offset;
    const size_t end = spans[count - 1].offset + spans[count - 1].length;
    std::string_view bytes = std::string_view(pending).substr(begin - pending_base, end - begin);
    if (batch.from_array) batch.text += '[';
    batch.text += bytes;
    if (batch.from_array) batch.text += ']';
    batch.length = batch.text.size();
    batch.text.append(simdjson::SIMDJSON_PADDING, ' ');
    batch.text_base = batch.from_array ? begin - 1 : begin;
    batch.page = page;
    batch.spans.assign(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(count));
    spans.erase(spans.begin(), spans.begin() + static_cast<std::ptrdiff_t>(count));
    return batch;
  }

  // Drops the bytes no record needs any more, once they are at least half
  // of what is kept (so that each byte is moved a bounded number of times).
  void DropUnneeded() {
    size_t needed = spans.empty() ? splitter.needed_from() : spans.front().offset;
    size_t unneeded = needed - pending_base;
    if (unneeded == 0 || unneeded * 2 < pending.size()) return;
    pending.erase(0, unneeded);
    pending_base = needed;
  }
};

}  // namespace

RecordBatch::RecordBatch() = default;
RecordBatch::~RecordBatch() = default;
RecordBatch::RecordBatch(RecordBatch&&) noexcept = default;
RecordBatch& RecordBatch::operator=(RecordBatch&&) noexcept = default;

struct RecordsLoader::State final : DuckDbRowSource {
  State(DuckDbConnection& db_in, DuckDbConnection& rejects_db, RecordsPath path_in, RecordsLoadOptions options_in,
        RecordsWriter write_in, const CancelToken& cancel_in, TimePoint deadline_in)
      : db(db_in),
        path(std::move(path_in)),
        options(std::move(options_in)),
        write(std::move(write_in)),
        cancel(cancel_in),
        deadline(deadline_in),
        inspector(rejects_db, options),
        cutter(path, options.page),
        spill(options.spill_directory) {}

  DuckDbConnection& db;
  const RecordsPath path;
  const RecordsLoadOptions options;
  const RecordsWriter write;
  const CancelToken& cancel;
  const TimePoint deadline;

  // The feeding thread's.
  RecordInspector inspector;
  Cutter cutter;
  Spill spill;
  dom::parser parser;
  Status failed;                      // its first error
  bool finished = false;
  bool page_fed = false;              // a piece came since the last EndPage
  int pages_ended = 0;
  int64_t found_before = 0;           // records of the pages ended
  bool registered = false;            // the table function exists
  size_t batches = 0;                 // inspected
  bool misfit = false;                // a batch changed the columns this pass writes with...
  bool misfit_handed = false;         // ... and went to the scan, which stops at it
  std::vector<RecordColumn> columns;  // those columns, once this pass writes
  int passes = 0;

  // Shared with the writer thread.
  Mutex mu;
  std::condition_variable changed;
  std::deque<RecordBatch> queue WEIR_GUARDED_BY(mu);
  bool closed WEIR_GUARDED_BY(mu) = false;     // no more batches this pass
  Status stop WEIR_GUARDED_BY(mu);             // the feeding side failed: the scan must end
  bool abandoned WEIR_GUARDED_BY(mu) = false;  // the scan met a batch that changed the columns
  Status scan_error WEIR_GUARDED_BY(mu);       // why the scan failed, as a Status (DuckDB keeps only its text)
  std::optional<Result<int64_t>> written WEIR_GUARDED_BY(mu);  // the write's result, once it returned
  // Memory that written batches gave back, reused: not allocated (and faulted in) again for every batch.
  std::vector<std::unique_ptr<dom::document>> spare_documents WEIR_GUARDED_BY(mu);
  std::vector<std::string> spare_texts WEIR_GUARDED_BY(mu);
  std::thread writer;

  // The writer thread's (the scan runs on one of DuckDB's threads, one call at a time).
  std::unique_ptr<RecordRows> rows;
  std::optional<RecordBatch> current;
  size_t next = 0;

  std::vector<DuckDbColumn> Columns() override;
  Status Fill(DuckDbChunkWriter& out) override;

  Status Fail(Status error);
  Result<int64_t> EndPage();
  Status Process(Cutter& from, bool last, bool inspect);
  void Parse(RecordBatch& batch);
  Status Hand(RecordBatch batch);
  Status StartWriting(std::vector<RecordColumn> with);
  Result<int64_t> EndWriting();
  void GiveBack(RecordBatch& batch) WEIR_REQUIRES(mu);
  Status TakeNext();
  void StopWriter(Status why);
};

Status RecordsLoader::State::Fail(Status error) {
  failed = error;
  StopWriter(error);
  return error;
}

// The page fed since the last one ended: checked, its last records queued,
// and a fresh cutter for the next.
Result<int64_t> RecordsLoader::State::EndPage() {
  WEIR_TRY(cutter.splitter.Finish());
  WEIR_TRY(Process(cutter, true, true));
  int64_t records = cutter.found;
  found_before += records;
  spill.EndPage();
  ++pages_ended;
  page_fed = false;
  cutter = Cutter(path, cutter.page + 1);
  return records;
}

// Cuts, parses and (in the first pass) inspects the records found so far,
// and queues them for the writer.
Status RecordsLoader::State::Process(Cutter& from, bool last, bool inspect) {
  for (size_t count; (count = from.NextBatch(options, last)) > 0;) {
    std::string text;
    {
      MutexLock lock(mu);
      if (!spare_texts.empty()) {
        text = std::move(spare_texts.back());
        spare_texts.pop_back();
      }
    }
    RecordBatch batch = from.Cut(count, std::move(text));
    Parse(batch);
    if (inspect) {
      WEIR_TRY(inspector.Inspect(batch));
      ++batches;
      if (!columns.empty() && !misfit) misfit = !SameColumns(inspector.Columns(), columns);
      batch.fits = !misfit;
    }
    if (misfit_handed) {  // this pass writes nothing more; the second pass will
      MutexLock lock(mu);
      GiveBack(batch);
      continue;
    }
    misfit_handed = misfit;
    WEIR_TRY(Hand(std::move(batch)));
    if (inspect && columns.empty() && batches >= options.schema_batches) WEIR_TRY(StartWriting(inspector.Columns()));
  }
  from.DropUnneeded();
  return OkStatus();
}

// The batch's array in one simdjson call, into a document of its own (one
// that a written batch gave back, when there is one).
void RecordsLoader::State::Parse(RecordBatch& batch) {
  if (!batch.from_array) return;
  std::unique_ptr<dom::document> document;
  {
    MutexLock lock(mu);
    if (!spare_documents.empty()) {
      document = std::move(spare_documents.back());
      spare_documents.pop_back();
    }
  }
  if (document == nullptr) document = std::make_unique<dom::document>();
  dom::element root;
  dom::array records;
  if (parser.parse_into_document(*document, batch.text.data(), batch.length, false).get(root) == simdjson::SUCCESS &&
      root.get_array().get(records) == simdjson::SUCCESS && records.size() == batch.spans.size()) {
    batch.parsed = std::move(document);
    return;
  }
  MutexLock lock(mu);
  spare_documents.push_back(std::move(document));
}

// Queues a batch for the writer: before writing starts, every batch waits;
// after, at most kBatchesInFlight.
Status RecordsLoader::State::Hand(RecordBatch batch) {
  MutexLock lock(mu);
  while (writer.joinable() && queue.size() >= kBatchesInFlight && !written) changed.wait(lock.native());
  if (written && !written->ok() && !abandoned) return scan_error.ok() ? written->status() : scan_error;
  if (written) {
    GiveBack(batch);  // the write is over (abandoned): this pass writes nothing more
    return OkStatus();
  }
  queue.push_back(std::move(batch));
  changed.notify_all();
  return OkStatus();
}

void RecordsLoader::State::GiveBack(RecordBatch& batch) {
  if (batch.parsed != nullptr) spare_documents.push_back(std::move(batch.parsed));
  spare_texts.push_back(std::move(batch.text));
}

// Starts the writer thread on a pass whose rows have `with` columns.
Status RecordsLoader::State::StartWriting(std::vector<RecordColumn> with) {
  if (!registered) {
    WEIR_TRY(db.RegisterRowSource(options.function, this));
    registered = true;
  }
  columns = std::move(with);
  misfit = misfit_handed = false;
  rows = std::make_unique<RecordRows>(columns);
  current.reset();
  ++passes;
  writer = std::thread([this] {
    Result<int64_t> result = write(db, "SELECT * FROM " + SqlIdentifier(options.function) + "()");
    MutexLock lock(mu);
    written = std::move(result);
    changed.notify_all();
  });
  return OkStatus();
}

// Tells the writer no batch will come, waits for it, and returns what it wrote.
Result<int64_t> RecordsLoader::State::EndWriting() {
  {
    MutexLock lock(mu);
    closed = true;
    changed.notify_all();
  }
  writer.join();
  MutexLock lock(mu);
  Result<int64_t> result = std::move(*written);
  if (!result.ok() && !scan_error.ok()) result = scan_error;
  for (RecordBatch& batch : queue) GiveBack(batch);
  queue.clear();
  written.reset();
  closed = false;
  scan_error = OkStatus();
  return result;
}

void RecordsLoader::State::StopWriter(Status why) {
  if (!writer.joinable()) return;
  {
    MutexLock lock(mu);
    stop = std::move(why);
    changed.notify_all();
  }
  writer.join();
}

std::vector<DuckDbColumn> RecordsLoader::State::Columns() {
  std::vector<DuckDbColumn> out;
  for (const RecordColumn& column : columns) out.push_back(DuckDbColumn{column.name, column.type});
  return out;
}

// The scan: rows of the queued batches until `out` is full or they end.
Status RecordsLoader::State::Fill(DuckDbChunkWriter& out) {
  while (!out.full()) {
    if (!current) {
      Status taken = TakeNext();
      if (!taken.ok()) {
        MutexLock lock(mu);
        if (scan_error.ok()) scan_error = taken;
        return taken;
      }
      if (!current) return OkStatus();  // the end
    }
    next = rows->Write(*current, next, out);
    if (next == current->spans.size()) {
      MutexLock lock(mu);
      GiveBack(*current);
      current.reset();
    }
  }
  return OkStatus();
}

// The next batch, waiting for it (and for the stop checks) as needed;
// none at the end.
Status RecordsLoader::State::TakeNext() {
  WEIR_TRY(CheckStop(cancel, deadline));
  MutexLock lock(mu);
  while (queue.empty() && !closed && stop.ok()) {
    changed.wait_for(lock.native(), kStopCheckInterval);
    if (Status stopped = CheckStop(cancel, deadline); !stopped.ok()) return stopped;
  }
  if (!stop.ok()) return stop;
  if (queue.empty()) return OkStatus();
  if (!queue.front().fits) {
    abandoned = true;
    return InternalError("a later record changed the columns; they are written again");
  }
  current = std::move(queue.front());
  queue.pop_front();
  next = 0;
  changed.notify_all();
  return OkStatus();
}

RecordsLoader::RecordsLoader(DuckDbConnection& db, DuckDbConnection& rejects_db, RecordsPath path,
                             RecordsLoadOptions options, RecordsWriter write, const CancelToken& cancel,
                             TimePoint deadline)
    : state_(std::make_unique<State>(db, rejects_db, std::move(path), std::move(options), std::move(write), cancel,
                                     deadline)) {}

RecordsLoader::~RecordsLoader() { state_->StopWriter(Cancelled("the load was abandoned")); }

Status RecordsLoader::Feed(std::string_view piece) {
  State& s = *state_;
  if (!s.failed.ok()) return s.failed;
  if (s.finished) return s.Fail(InternalError("RecordsLoader::Feed after Finish"));
  s.page_fed = true;
  Status fed = s.spill.Write(piece);
  if (fed.ok()) fed = s.cutter.Feed(piece);
  if (fed.ok()) fed = s.Process(s.cutter, false, true);
  if (!fed.ok()) return s.Fail(fed);
  return OkStatus();
}

Result<int64_t> RecordsLoader::EndPage() {
  State& s = *state_;
  if (!s.failed.ok()) return s.failed;
  if (s.finished) return s.Fail(InternalError("RecordsLoader::EndPage after Finish"));
  Result<int64_t> records = s.EndPage();
  if (!records.ok()) return s.Fail(records.status());
  return records;
}

Result<RecordsLoad> RecordsLoader::Finish() {
  State& s = *state_;
  if (!s.failed.ok()) return s.failed;
  s.finished = true;
  Status done;
  if (s.page_fed || s.pages_ended == 0) done = s.EndPage().status();
  if (done.ok() && s.columns.empty()) done = s.StartWriting(s.inspector.Columns());
  if (!done.ok()) return s.Fail(done);
  Result<int64_t> written = s.EndWriting();
  bool abandoned;
  {
    MutexLock lock(s.mu);
    abandoned = s.abandoned;
    s.abandoned = false;
  }
  if (abandoned) {
    // A second pass over the payload, every record known: no record changes the columns now.
    WEIR_TRY(s.StartWriting(s.inspector.Columns()));
    Cutter replay(s.path, s.options.page);
    auto end_page = [&]() -> Status {
      WEIR_TRY(replay.splitter.Finish());
      WEIR_TRY(s.Process(replay, true, false));
      replay = Cutter(s.path, replay.page + 1);
      return OkStatus();
    };
    Status replayed = s.spill.Replay(
        [&](std::string_view piece) {
          WEIR_TRY(CheckStop(s.cancel, s.deadline));
          WEIR_TRY(replay.Feed(piece));
          return s.Process(replay, false, false);
        },
        end_page);
    if (replayed.ok()) replayed = end_page();
    if (!replayed.ok()) return s.Fail(replayed);
    written = s.EndWriting();
  }
  if (!written.ok()) return s.Fail(written.status());
  WEIR_ASSIGN_OR_RETURN(int64_t rejected, s.inspector.Finish());
  RecordsLoad load;
  load.columns = s.columns;
  load.records = s.found_before;
  load.rows = *written;
  load.rejected = rejected;
  load.passes = s.passes;
  return load;
}

Result<RecordsLoad> LoadRecords(DuckDbConnection& db, DuckDbConnection& rejects_db, std::string_view payload,
                                const RecordsPath& path, const RecordsLoadOptions& options, const CancelToken& cancel,
                                TimePoint deadline) {
  const std::string table = SqlIdentifier(options.table);
  RecordsWriter write = [&](DuckDbConnection& target, const std::string& select_sql) -> Result<int64_t> {
    WEIR_TRY(target.Execute("CREATE TABLE " + table + " AS " + select_sql));
    WEIR_ASSIGN_OR_RETURN(std::optional<std::string> count, target.QueryValue("SELECT count(*) FROM " + table));
    return count ? std::stoll(*count) : 0;
  };
  RecordsLoader loader(db, rejects_db, path, options, write, cancel, deadline);
  WEIR_TRY(loader.Feed(payload));
  return loader.Finish();
}

}  // namespace weir::tasks_internal
