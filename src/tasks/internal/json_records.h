// Records in a JSON payload (the http task's `records:`): where they are,
// and writing them through DuckDB (a COPY to a lake file) as rows with a
// schema inferred from them, while the payload streams in.
//
// simdjson cannot stream a top-level array (DESIGN.md), so the payload is
// split first by a structural scan (strings, brackets and commas only) that
// keeps its state between the pieces the payload arrives in; the records it
// finds are cut into batches, and each batch is parsed with one simdjson
// call (its records re-parsed one by one only when it fails, so that one
// malformed record is a reject, not a failed page). Structural damage (an
// unterminated string, unbalanced brackets, text after the document) is the
// whole payload's fault: a UserError naming the byte offset.
//
// Memory holds a piece of the payload, the record being split and the
// batches in flight, never the payload or its rows: they stream into a
// DuckDB COPY through a table function (DuckDbRowSource).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/status.h"
#include "connectors/connectors.h"

namespace simdjson::dom {
class document;
}  // namespace simdjson::dom

namespace weir::tasks_internal {

// A `records:` path: "$" (the payload itself) or "$.key.key" (dotted
// object keys; a key with other characters is written $["a.b"]).
struct RecordsPath {
  std::string text;               // as written, for messages
  std::vector<std::string> keys;  // empty for "$"
};

// UserError "bad-records-path" at `where`, naming the key (`records`,
// or pagination's `cursor_path`, ...) it is written at.
Result<RecordsPath> ParseRecordsPath(const std::string& text, const SourceLocation& where,
                                     std::string_view key = "records");

// One record's text in the payload: [offset, offset + length).
struct RecordSpan {
  size_t offset = 0;
  size_t length = 0;
};

struct RecordSpans {
  std::vector<RecordSpan> records;
  bool from_array = true;  // false: the path named one object, the only record
};

// The structural scan of a payload that arrives in pieces. It checks what
// the whole document's structure needs (strings closed, brackets balanced,
// nothing after the document), walks `path` and reports the records there:
// the elements of an array (trimmed of spaces; an empty element is a span of
// length 0 at its ',' or ']'), one object, or none for null. In kValue mode
// it reports the value at the path as one span whatever it is (a string
// with its quotes, a number, an object...), none for null: pagination's
// cursor or next URL. Not thread-safe.
class RecordSplitter {
 public:
  enum class Mode : uint8_t { kRecords, kValue };
  explicit RecordSplitter(RecordsPath path, Mode mode = Mode::kRecords);

  // Scans `piece`, which continues the bytes fed before, and appends the
  // records completed in it to `out` (offsets in the whole payload).
  // Structural damage is a UserError "bad-json" with its byte offset,
  // returned at once; feed nothing more after an error.
  Status Feed(std::string_view piece, std::vector<RecordSpan>& out);
  // After the last piece: damage only the end shows (an unclosed string or
  // bracket, an empty payload), else the path's errors, held back until now
  // so that structural damage anywhere is reported first, as a whole-payload
  // check would: "records-not-found" (a key is missing), "records-not-a-list"
  // (a string or number where records should be), "bad-json" (a malformed
  // object on the path).
  Status Finish();

  bool from_array() const { return from_array_; }
  // The first byte later records may start at: the start of the record
  // being scanned, else the end of what was fed. Bytes before it can go.
  size_t needed_from() const;

 private:
  enum class Phase : uint8_t { kBeforeRoot, kRootScalar, kInside, kAfterRoot };
  enum class Walk : uint8_t {
    kValue,        // the value at path level `level_` starts at the next non-space
    kKeyOrEnd,     // in an object on the path: a key, ',' or '}'
    kKey,          // reading that key
    kColon,        // after the key
    kSkipValue,    // the value of another key starts at the next non-space
    kSkipScalar,   // ... a number or literal: until a delimiter
    kSkipNested,   // ... a string, object or array: until it closes
    kArrayStart,   // the records array: ']' or the first element
    kElement,      // inside the records array
    kObject,       // the one record object (kValue: the object or array at the path)
    kStringValue,  // kValue: the string at the path
    kScalarValue,  // kValue: the number or boolean at the path, until a delimiter
    kDone,         // records done (or the path failed): structure only
  };

  size_t ScanString(std::string_view piece, size_t i, std::vector<RecordSpan>& out);
  size_t SkipInside(std::string_view piece, size_t i, Status& damage);
  Status Structure(char c, size_t at);
  Status Mismatch(char closer, size_t at) const;
  void WalkByte(char c, size_t at, size_t depth_before, std::vector<RecordSpan>& out);
  void StartValue(char c, size_t at, size_t depth_before);
  void StartWholeValue(char c, size_t at, size_t depth_before);
  void AfterKey();
  void Defer(Status error);
  bool WalkerNeedsEveryByte() const;
  Status Error(const std::string& what, size_t at) const;

  RecordsPath path_;
  Mode mode_;
  size_t fed_ = 0;
  // Structure: what the scan is in.
  Phase phase_ = Phase::kBeforeRoot;
  std::string open_;  // the closers expected, innermost last
  bool in_string_ = false;
  bool escaped_ = false;  // the previous byte in the string was a backslash
  size_t string_start_ = 0;
  size_t root_start_ = 0;
  // The walk down the path to the records.
  Walk walk_ = Walk::kValue;
  size_t level_ = 0;         // path keys matched
  size_t walk_depth_ = 0;    // depth of the object walked, the records array, or the record object
  size_t object_at_ = 0;     // offset of the object walked, for messages
  std::string walked_ = "$";
  std::string key_;          // the raw key being read (escapes not decoded)
  size_t key_start_ = 0;
  std::string key_name_;     // the decoded key, waiting for its ':'
  size_t element_begin_ = SIZE_MAX;  // the current element's first non-space byte
  size_t element_end_ = 0;           // ... and the end of its last one
  bool from_array_ = true;
  Status deferred_;
};

// Finds the records at `path` in a whole payload (RecordSplitter, fed once).
Result<RecordSpans> SplitRecords(std::string_view payload, const RecordsPath& path);

// The one value at a path of a payload fed in pieces (RecordSplitter in
// kValue mode), keeping only the bytes the value may be in: a page's next
// cursor, next URL or total. Not thread-safe.
class JsonValueAt {
 public:
  explicit JsonValueAt(RecordsPath path);

  // Structural damage is a UserError "bad-json", as RecordSplitter's.
  Status Feed(std::string_view piece);
  // After the last piece: a string's decoded text, or a number, boolean,
  // object or array as compact JSON; none when the value is null or a key
  // on the path is missing (or not inside an object).
  Result<std::optional<std::string>> Finish();

  const RecordsPath& path() const { return path_; }

 private:
  RecordsPath path_;
  RecordSplitter splitter_;
  std::vector<RecordSpan> found_;
  std::string kept_;  // the payload's bytes from offset kept_base_ the value may still need
  size_t kept_base_ = 0;
  std::optional<std::string> value_;
  Status error_;  // a value that is not valid JSON
};

// A column inferred from the records: one per top-level key, in the order
// keys are first seen. BIGINT if every non-null value is an integer, DOUBLE
// if they are numbers, BOOLEAN if booleans, else VARCHAR (strings as they
// are, nested objects and arrays and mixed values as JSON text).
struct RecordColumn {
  std::string key;   // the JSON key
  std::string name;  // the column name (unique ignoring case, never empty)
  DuckDbColumnType type = DuckDbColumnType::kVarchar;
};

struct RecordsLoadOptions {
  std::string table = "__weir_records";           // for LoadRecords: created with the rows
  std::string rejects_table = "__weir_rejects";   // created in the rejects database: (reason, source, row_json)
  std::string function = "__weir_records";       // the table function the rows are read through
  std::string spill_directory;  // the payload is kept here until its rows are written; "": the system's temp folder
  int page = 1;                 // the first page's number, for the rejects' source text
  size_t batch = 4096;          // records parsed at once, between cancel and deadline checks
  size_t batch_bytes = size_t{1} << 20;  // ... or fewer, once they hold this many bytes
  // Batches whose records decide the columns before the rows start to be
  // written; a later record that changes them costs a second pass.
  size_t schema_batches = 8;
};

struct RecordsLoad {
  std::vector<RecordColumn> columns;
  int64_t records = 0;   // found at the path (of every page)
  int64_t rows = 0;      // written
  int64_t rejected = 0;  // in `rejects_table`
  int passes = 1;        // 2 when a record after the first batches changed the columns
};

// Writes the rows that `select_sql` reads (SELECT * FROM the loader's table
// function) wherever they go, and returns how many it wrote: a COPY to a
// lake file, or a table for tests.
using RecordsWriter = std::function<Result<int64_t>(DuckDbConnection& db, const std::string& select_sql)>;

// Loads the records of a payload fed in pieces (an HTTP body as it arrives),
// or of several payloads, the pages of one extract, into one table:
// the pieces are split, cut into batches and parsed as they come, and a
// second thread writes the rows through `write` (a COPY reading a table
// function on `db`) while the next pieces arrive, so that memory holds a
// few batches, never the payload or its rows. The columns are those of
// every record (json_records.h above); they are taken from the first
// `schema_batches` batches, and if a later record changes them (a new key,
// a wider type) that write is abandoned and the rows are written again,
// from the payload kept in `spill_directory`, once all records are known.
//
// A record that is not an object ("record is not an object") or does not
// parse ("malformed JSON") goes to `rejects_table` in `rejects_db` with
// source "page P, offset N" and its text; when the path names a single
// object, one that does not parse fails the load (UserError "bad-json").
// With no keys at all there is one VARCHAR column `_empty`. Pages: EndPage
// ends one (as Finish ends a single payload: every page is a whole JSON
// document), and the next Feed starts the next, numbered one more; offsets
// are within their page. Cancelled /
// Fault "timeout" when `cancel` / `deadline` strike. `db` and `rejects_db`
// (two connections, used from different threads) must outlive the loader;
// Feed and Finish are called from one thread.
class RecordsLoader {
 public:
  RecordsLoader(DuckDbConnection& db, DuckDbConnection& rejects_db, RecordsPath path, RecordsLoadOptions options,
                RecordsWriter write, const CancelToken& cancel, TimePoint deadline);
  ~RecordsLoader();
  RecordsLoader(const RecordsLoader&) = delete;
  RecordsLoader& operator=(const RecordsLoader&) = delete;

  // The next piece of the payload. An error (structural damage, or one the
  // writing hit) means: stop feeding and give it to the user.
  Status Feed(std::string_view piece);
  // After a page's last piece: checks its structure and path, queues its
  // last records, and returns how many records it had.
  Result<int64_t> EndPage();
  // After the last piece (ending the page fed since the last EndPage, or
  // the only payload, even an empty one): waits for the rows to be written.
  Result<RecordsLoad> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// RecordsLoader over a whole payload, its rows written to the new table
// `options.table` of `db`.
Result<RecordsLoad> LoadRecords(DuckDbConnection& db, DuckDbConnection& rejects_db, std::string_view payload,
                                const RecordsPath& path, const RecordsLoadOptions& options, const CancelToken& cancel,
                                TimePoint deadline);

// What the loader's parts pass between them: json_batches.cc cuts, parses
// and queues batches; json_records.cc inspects their records (types and
// rejects) and writes them as rows.

// Records cut from the payload, parsed together. `text` holds them as a
// JSON array ('[' + their bytes with the commas between + ']'; for the
// single-object record, its bytes alone), then simdjson's padding.
struct RecordBatch {
  RecordBatch();
  ~RecordBatch();
  RecordBatch(RecordBatch&&) noexcept;
  RecordBatch& operator=(RecordBatch&&) noexcept;

  std::string text;
  size_t length = 0;      // of the JSON in `text`, without the padding
  size_t text_base = 0;   // the payload offset of text[0] (text[0] itself is '[' for an array)
  int page = 1;           // the page the records are in (offsets are within it)
  std::vector<RecordSpan> spans;  // payload offsets
  bool from_array = true;
  // The array parsed as a whole, one element per span; null when it did
  // not parse (a malformed record) or for the single object.
  std::unique_ptr<simdjson::dom::document> parsed;
  // Its records keep to the columns the rows are being written with.
  bool fits = true;
};

// The first look at each batch: counts the keys and kinds of value of its
// objects (the columns) and sends the other records to the rejects table.
// Not thread-safe.
class RecordInspector {
 public:
  RecordInspector(DuckDbConnection& rejects_db, const RecordsLoadOptions& options);
  ~RecordInspector();
  RecordInspector(const RecordInspector&) = delete;
  RecordInspector& operator=(const RecordInspector&) = delete;

  Status Inspect(const RecordBatch& batch);
  // The columns of the records inspected so far.
  std::vector<RecordColumn> Columns() const;
  // Closes the rejects table; returns how many records it holds.
  Result<int64_t> Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Writes records as rows of fixed columns (which they must keep to) into
// DuckDB's output chunks, skipping the rejects. Not thread-safe.
class RecordRows {
 public:
  explicit RecordRows(const std::vector<RecordColumn>& columns);
  ~RecordRows();
  RecordRows(const RecordRows&) = delete;
  RecordRows& operator=(const RecordRows&) = delete;

  // Writes `batch`'s records from the `next`-th until `out` is full or the
  // batch ends; returns the record to go on from.
  size_t Write(const RecordBatch& batch, size_t next, DuckDbChunkWriter& out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace weir::tasks_internal
