// The records of parsed batches: RecordInspector counts what their keys hold
// (the columns) and sends the records that cannot be rows to the rejects
// table; RecordRows writes the rest as rows of fixed columns, straight into
// DuckDB's output chunks.
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <unordered_map>

#include "tasks/internal/json_records.h"

namespace weir::tasks_internal {
namespace {

namespace dom = simdjson::dom;

// What values a key has held, as bits.
enum Seen : uint8_t {
  kSeenInt = 1,
  kSeenBigUint = 2,  // above int64: kept exact, as text
  kSeenDouble = 4,
  kSeenBool = 8,
  kSeenString = 16,
  kSeenNested = 32,
};

uint8_t SeenOf(const dom::element& value) {
  switch (value.type()) {
    case dom::element_type::INT64: return kSeenInt;
    case dom::element_type::UINT64: return kSeenBigUint;
    case dom::element_type::DOUBLE: return kSeenDouble;
    case dom::element_type::BOOL: return kSeenBool;
    case dom::element_type::STRING: return kSeenString;
    case dom::element_type::ARRAY:
    case dom::element_type::OBJECT: return kSeenNested;
    case dom::element_type::NULL_VALUE: return 0;
  }
  return 0;
}

DuckDbColumnType TypeOf(uint8_t seen) {
  if (seen == 0) return DuckDbColumnType::kVarchar;
  if ((seen & ~kSeenInt) == 0) return DuckDbColumnType::kBigint;
  if ((seen & ~(kSeenInt | kSeenDouble)) == 0) return DuckDbColumnType::kDouble;
  if (seen == kSeenBool) return DuckDbColumnType::kBoolean;
  return DuckDbColumnType::kVarchar;
}

// Invalid UTF-8 bytes become U+FFFD: DuckDB stores only valid text.
std::string ValidUtf8(std::string_view text) {
  if (simdjson::validate_utf8(text.data(), text.size())) return std::string(text);
  std::string out;
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n > 0 && i + n <= text.size() && simdjson::validate_utf8(text.data() + i, n)) {
      out.append(text.substr(i, n));
      i += n;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// Keys in first-seen order. Records of an API page nearly always list their
// keys in the same order, so the next key is guessed before the hash map is
// asked.
class KeyIndex {
 public:
  size_t Find(std::string_view key, size_t guess) {
    size_t found = Lookup(key, guess);
    if (found != kNone) return found;
    index_.emplace(std::string(key), keys_.size());
    keys_.emplace_back(key);
    return keys_.size() - 1;
  }
  // Like Find, but never adds: kNone for a key not seen.
  size_t Lookup(std::string_view key, size_t guess) const {
    if (guess < keys_.size() && keys_[guess] == key) return guess;
    auto it = index_.find(std::string(key));
    return it == index_.end() ? kNone : it->second;
  }
  const std::vector<std::string>& keys() const { return keys_; }

  static constexpr size_t kNone = SIZE_MAX;

 private:
  std::vector<std::string> keys_;
  std::unordered_map<std::string, size_t> index_;
};

// Column names unique ignoring case (DuckDB's identifiers are), never empty.
std::vector<RecordColumn> NameColumns(const std::vector<std::string>& keys, const std::vector<uint8_t>& seen) {
  std::vector<RecordColumn> columns;
  std::set<std::string> taken;
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  for (size_t i = 0; i < keys.size(); ++i) {
    std::string base = keys[i].empty() ? "_" : keys[i];
    std::string name = base;
    for (int n = 2; taken.count(lower(name)) > 0; ++n) name = base + "_" + std::to_string(n);
    taken.insert(lower(name));
    columns.push_back(RecordColumn{keys[i], name, TypeOf(seen[i])});
  }
  if (columns.empty()) columns.push_back(RecordColumn{"", "_empty", DuckDbColumnType::kVarchar});
  return columns;
}

std::string_view SpanText(const RecordBatch& batch, const RecordSpan& span) {
  return std::string_view(batch.text).substr(span.offset - batch.text_base, span.length);
}

// A record of a batch that did not parse as a whole, parsed on its own.
simdjson::error_code ParseAlone(dom::parser& parser, const RecordBatch& batch, const RecordSpan& span,
                                dom::element& record) {
  if (span.length == 0) return simdjson::EMPTY;
  // The bytes after the span, then the batch's padding, are simdjson's padding.
  return parser.parse(batch.text.data() + (span.offset - batch.text_base), span.length, false).get(record);
}

}  // namespace

// --- RecordInspector ---

struct RecordInspector::State {
  State(DuckDbConnection& db, const RecordsLoadOptions& options) : rejects_db(db), options(options) {}

  DuckDbConnection& rejects_db;
  const RecordsLoadOptions& options;
  dom::parser parser;
  std::unique_ptr<DuckDbAppender> rejects;
  int64_t rejected = 0;
  KeyIndex keys;
  std::vector<uint8_t> seen;  // per key

  Status Reject(const char* reason, const RecordBatch& batch, const RecordSpan& span);
  Status Count(const dom::element& record, const RecordBatch& batch, const RecordSpan& span);
};

Status RecordInspector::State::Reject(const char* reason, const RecordBatch& batch, const RecordSpan& span) {
  if (rejects == nullptr) {
    WEIR_TRY(rejects_db.Execute("CREATE TABLE " + SqlIdentifier(options.rejects_table) +
                                " (reason VARCHAR, source VARCHAR, row_json VARCHAR)"));
    WEIR_ASSIGN_OR_RETURN(rejects, rejects_db.Appender("", options.rejects_table));
  }
  WEIR_TRY(rejects->AppendText(reason));
  WEIR_TRY(rejects->AppendText("page " + std::to_string(batch.page) + ", offset " + std::to_string(span.offset)));
  WEIR_TRY(rejects->AppendText(ValidUtf8(SpanText(batch, span))));
  WEIR_TRY(rejects->EndRow());
  ++rejected;
  return OkStatus();
}

// One record: an object's keys and what they hold, or a reject.
Status RecordInspector::State::Count(const dom::element& record, const RecordBatch& batch, const RecordSpan& span) {
  if (record.type() != dom::element_type::OBJECT) return Reject("record is not an object", batch, span);
  size_t guess = 0;
  dom::object object = record.get_object().value_unsafe();  // a named copy: the result is a temporary
  for (dom::key_value_pair field : object) {
    size_t k = keys.Find(field.key, guess);
    if (k >= seen.size()) seen.resize(k + 1, 0);
    seen[k] |= SeenOf(field.value);  // a repeated key's later values count for the type too
    guess = k + 1;
  }
  return OkStatus();
}

RecordInspector::RecordInspector(DuckDbConnection& rejects_db, const RecordsLoadOptions& options)
    : state_(std::make_unique<State>(rejects_db, options)) {}

RecordInspector::~RecordInspector() = default;

Status RecordInspector::Inspect(const RecordBatch& batch) {
  State& s = *state_;
  if (batch.parsed != nullptr) {
    size_t r = 0;
    dom::array records = batch.parsed->root().get_array().value_unsafe();  // a named copy: the result is a temporary
    for (dom::element record : records) {
      if (Status counted = s.Count(record, batch, batch.spans[r++]); !counted.ok()) return counted;
    }
    return OkStatus();
  }
  for (const RecordSpan& span : batch.spans) {
    dom::element record;
    simdjson::error_code error = ParseAlone(s.parser, batch, span, record);
    if (error == simdjson::SUCCESS) {
      WEIR_TRY(s.Count(record, batch, span));
    } else if (batch.from_array) {
      WEIR_TRY(s.Reject("malformed JSON", batch, span));
    } else {
      return UserError("bad-json", "the payload is not valid JSON: " + std::string(simdjson::error_message(error)) +
                                       " in the record at byte offset " + std::to_string(span.offset));
    }
  }
  return OkStatus();
}

std::vector<RecordColumn> RecordInspector::Columns() const { return NameColumns(state_->keys.keys(), state_->seen); }

Result<int64_t> RecordInspector::Finish() {
  State& s = *state_;
  if (s.rejects == nullptr) {
    WEIR_TRY(s.rejects_db.Execute("CREATE TABLE " + SqlIdentifier(s.options.rejects_table) +
                                  " (reason VARCHAR, source VARCHAR, row_json VARCHAR)"));
  } else {
    WEIR_TRY(s.rejects->Close());
  }
  return s.rejected;
}

// --- RecordRows ---

struct RecordRows::State {
  explicit State(const std::vector<RecordColumn>& columns_in) : columns(columns_in), given(columns_in.size(), 0) {
    bool no_keys = columns.size() == 1 && columns[0].key.empty() && columns[0].name == "_empty";
    for (const RecordColumn& column : columns) {
      if (!no_keys) keys.Find(column.key, SIZE_MAX);
    }
  }

  std::vector<RecordColumn> columns;
  KeyIndex keys;  // the columns' keys, in column order
  std::vector<uint8_t> given;  // per column: set in the row being written
  std::vector<size_t> given_list;
  dom::parser parser;

  void WriteRow(const dom::object& record, DuckDbChunkWriter& out);
  void WriteValue(size_t column, const dom::element& value, DuckDbChunkWriter& out);
};

// A value as its column's type: numbers, booleans and nested values in a
// text column as JSON text.
void RecordRows::State::WriteValue(size_t column, const dom::element& value, DuckDbChunkWriter& out) {
  const DuckDbColumnType type = columns[column].type;
  switch (value.type()) {
    case dom::element_type::NULL_VALUE: return;
    case dom::element_type::INT64:
      if (type == DuckDbColumnType::kBigint) return out.SetInt64(column, value.get_int64().value_unsafe());
      if (type == DuckDbColumnType::kDouble) {
        return out.SetDouble(column, static_cast<double>(value.get_int64().value_unsafe()));
      }
      break;
    case dom::element_type::DOUBLE:
      if (type == DuckDbColumnType::kDouble) return out.SetDouble(column, value.get_double().value_unsafe());
      break;
    case dom::element_type::BOOL:
      if (type == DuckDbColumnType::kBoolean) return out.SetBool(column, value.get_bool().value_unsafe());
      break;
    case dom::element_type::STRING: return out.SetText(column, value.get_string().value_unsafe());
    default: break;
  }
  out.SetText(column, simdjson::minify(value));
}

void RecordRows::State::WriteRow(const dom::object& record, DuckDbChunkWriter& out) {
  size_t guess = 0;
  for (dom::key_value_pair field : record) {
    size_t c = keys.Lookup(field.key, guess);
    if (c == KeyIndex::kNone) continue;  // only with no columns (`_empty`): the record keeps to them
    guess = c + 1;
    if (given[c]) continue;  // a repeated key: the first value wins
    given[c] = 1;
    given_list.push_back(c);
    WriteValue(c, field.value, out);
  }
  for (size_t c : given_list) given[c] = 0;
  given_list.clear();
  out.EndRow();
}

RecordRows::RecordRows(const std::vector<RecordColumn>& columns) : state_(std::make_unique<State>(columns)) {}

RecordRows::~RecordRows() = default;

size_t RecordRows::Write(const RecordBatch& batch, size_t next, DuckDbChunkWriter& out) {
  State& s = *state_;
  if (batch.parsed != nullptr) {
    dom::array records = batch.parsed->root().get_array().value_unsafe();
    auto it = records.begin();
    for (size_t skip = 0; skip < next; ++skip) ++it;
    for (; it != records.end() && !out.full(); ++it, ++next) {
      dom::element record = *it;
      if (record.type() == dom::element_type::OBJECT) s.WriteRow(record.get_object().value_unsafe(), out);
    }
    return next;
  }
  for (; next < batch.spans.size() && !out.full(); ++next) {
    dom::element record;
    if (ParseAlone(s.parser, batch, batch.spans[next], record) != simdjson::SUCCESS) continue;
    if (record.type() == dom::element_type::OBJECT) s.WriteRow(record.get_object().value_unsafe(), out);
  }
  return next;
}

}  // namespace weir::tasks_internal
