// Records in a JSON payload (the http task's `records:`): where they are,
// and loading them into a DuckDB table with a schema inferred from them.
//
// simdjson cannot stream a top-level array (DESIGN.md), so the payload is
// split first by a structural scan (strings, brackets and commas only) into
// one span per record; each record is then parsed on its own with simdjson,
// so one malformed record is a reject, not a failed page. Structural damage
// (an unterminated string, unbalanced brackets, text after the document) is
// the whole payload's fault: a UserError naming the byte offset.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/status.h"
#include "connectors/connectors.h"

namespace weir::tasks_internal {

// A `records:` path: "$" (the payload itself) or "$.key.key" (dotted
// object keys; a key with other characters is written $["a.b"]).
struct RecordsPath {
  std::string text;               // as written, for messages
  std::vector<std::string> keys;  // empty for "$"
};

// UserError "bad-records-path" at `where`.
Result<RecordsPath> ParseRecordsPath(const std::string& text, const SourceLocation& where);

// One record's text in the payload: [offset, offset + length).
struct RecordSpan {
  size_t offset = 0;
  size_t length = 0;
};

struct RecordSpans {
  std::vector<RecordSpan> records;
  bool from_array = true;  // false: the path named one object, the only record
};

// Finds the records at `path`: the elements of an array, one object, or
// none for null. UserErrors: "bad-json" (with the byte offset),
// "records-not-found" (a key is missing), "records-not-a-list" (a string
// or number where records should be).
Result<RecordSpans> SplitRecords(std::string_view payload, const RecordsPath& path);

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
  std::string table = "__weir_records";           // created; must not exist
  std::string rejects_table = "__weir_rejects";   // created: (reason, source, row_json)
  int page = 1;                                   // for the rejects' source text
  bool chunked = true;   // column-wise chunks (duckdb_append_data_chunk); false: row by row
  size_t batch = 4096;   // records parsed between cancel and deadline checks
};

struct RecordsLoad {
  std::vector<RecordColumn> columns;
  int64_t records = 0;   // found at the path
  int64_t rows = 0;      // appended to `table`
  int64_t rejected = 0;  // appended to `rejects_table`
};

// Splits, parses and appends the records of `payload` into new tables of
// `db`. A record that is not an object ("record is not an object") or does
// not parse ("malformed JSON") goes to the rejects table with source
// "page P, offset N" and its text; when the path names a single object,
// one that does not parse fails the call (UserError "bad-json"). With no
// keys at all the table gets one VARCHAR column `_empty`. Cancelled /
// Fault "timeout" when `cancel` / `deadline` strike.
Result<RecordsLoad> LoadRecords(DuckDbConnection& db, std::string payload, const RecordsPath& path,
                                const RecordsLoadOptions& options, const CancelToken& cancel, TimePoint deadline);

}  // namespace weir::tasks_internal
