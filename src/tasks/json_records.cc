// LoadRecords: records parsed with simdjson, one span at a time, in two
// passes (infer the columns, then append), so that memory holds the payload
// and one parsed record, never a parsed document of the whole page.
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

std::string_view TypeSql(DuckDbColumnType type) {
  switch (type) {
    case DuckDbColumnType::kBigint: return "BIGINT";
    case DuckDbColumnType::kDouble: return "DOUBLE";
    case DuckDbColumnType::kBoolean: return "BOOLEAN";
    case DuckDbColumnType::kVarchar: return "VARCHAR";
  }
  return "VARCHAR";
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

// The keys seen so far, in first-seen order. Records of an API page nearly
// always list their keys in the same order, so the next key is guessed
// before the hash map is asked.
class KeyIndex {
 public:
  size_t Find(std::string_view key, size_t guess) {
    if (guess < keys_.size() && keys_[guess] == key) return guess;
    auto it = index_.find(std::string(key));
    if (it != index_.end()) return it->second;
    index_.emplace(std::string(key), keys_.size());
    keys_.emplace_back(key);
    return keys_.size() - 1;
  }
  // Like Find, but never adds: npos for a key not seen in pass one.
  size_t Lookup(std::string_view key, size_t guess) const {
    if (guess < keys_.size() && keys_[guess] == key) return guess;
    auto it = index_.find(std::string(key));
    return it == index_.end() ? std::string::npos : it->second;
  }
  const std::vector<std::string>& keys() const { return keys_; }

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
  return columns;
}

// Where appended rows go: DuckDB's row-wise appender or chunk-wise one.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual Status Null(size_t column) = 0;
  virtual Status Int64(size_t column, int64_t value) = 0;
  virtual Status Double(size_t column, double value) = 0;
  virtual Status Bool(size_t column, bool value) = 0;
  virtual Status Text(size_t column, std::string_view value) = 0;
  virtual Status EndRow() = 0;
  virtual Status Close() = 0;
};

class RowWiseSink final : public RowSink {
 public:
  explicit RowWiseSink(std::unique_ptr<DuckDbAppender> appender) : appender_(std::move(appender)) {}
  Status Null(size_t) override { return appender_->AppendNull(); }
  Status Int64(size_t, int64_t v) override { return appender_->AppendInt64(v); }
  Status Double(size_t, double v) override { return appender_->AppendDouble(v); }
  Status Bool(size_t, bool v) override { return appender_->AppendBool(v); }
  Status Text(size_t, std::string_view v) override { return appender_->AppendText(v); }
  Status EndRow() override { return appender_->EndRow(); }
  Status Close() override { return appender_->Close(); }

 private:
  std::unique_ptr<DuckDbAppender> appender_;
};

class ChunkWiseSink final : public RowSink {
 public:
  explicit ChunkWiseSink(std::unique_ptr<DuckDbChunkAppender> appender) : appender_(std::move(appender)) {}
  Status Null(size_t) override { return OkStatus(); }  // unset columns are NULL
  Status Int64(size_t c, int64_t v) override {
    appender_->SetInt64(c, v);
    return OkStatus();
  }
  Status Double(size_t c, double v) override {
    appender_->SetDouble(c, v);
    return OkStatus();
  }
  Status Bool(size_t c, bool v) override {
    appender_->SetBool(c, v);
    return OkStatus();
  }
  Status Text(size_t c, std::string_view v) override {
    appender_->SetText(c, v);
    return OkStatus();
  }
  Status EndRow() override { return appender_->EndRow(); }
  Status Close() override { return appender_->Close(); }

 private:
  std::unique_ptr<DuckDbChunkAppender> appender_;
};

Status AppendValue(RowSink& sink, size_t column, DuckDbColumnType type, const dom::element& value) {
  switch (value.type()) {
    case dom::element_type::NULL_VALUE: return sink.Null(column);
    case dom::element_type::INT64:
      if (type == DuckDbColumnType::kBigint) return sink.Int64(column, value.get_int64().value_unsafe());
      if (type == DuckDbColumnType::kDouble) {
        return sink.Double(column, static_cast<double>(value.get_int64().value_unsafe()));
      }
      break;
    case dom::element_type::DOUBLE:
      if (type == DuckDbColumnType::kDouble) return sink.Double(column, value.get_double().value_unsafe());
      break;
    case dom::element_type::BOOL:
      if (type == DuckDbColumnType::kBoolean) return sink.Bool(column, value.get_bool().value_unsafe());
      break;
    case dom::element_type::STRING: return sink.Text(column, value.get_string().value_unsafe());
    default: break;
  }
  return sink.Text(column, simdjson::minify(value));  // numbers, booleans and nested values in a text column
}

Status CheckStop(const CancelToken& cancel, TimePoint deadline) {
  if (cancel.cancelled()) return Cancelled("stopped while loading records");
  if (std::chrono::system_clock::now() >= deadline) return Fault("timeout", "timed out while loading records");
  return OkStatus();
}

enum class RecordState : uint8_t { kObject, kNotObject, kMalformed };

}  // namespace

Result<RecordsLoad> LoadRecords(DuckDbConnection& db, std::string payload, const RecordsPath& path,
                                const RecordsLoadOptions& options, const CancelToken& cancel, TimePoint deadline) {
  WEIR_ASSIGN_OR_RETURN(RecordSpans spans, SplitRecords(payload, path));
  // simdjson reads up to SIMDJSON_PADDING bytes past a record's end; what they hold does not matter.
  payload.append(simdjson::SIMDJSON_PADDING, ' ');
  const char* text = payload.data();

  WEIR_TRY(db.Execute("CREATE TABLE " + SqlIdentifier(options.rejects_table) +
                      " (reason VARCHAR, source VARCHAR, row_json VARCHAR)"));
  WEIR_ASSIGN_OR_RETURN(auto rejects, db.Appender("", options.rejects_table));
  RecordsLoad load;
  load.records = static_cast<int64_t>(spans.records.size());

  // Pass one: which records are objects, their keys, and what each key holds.
  dom::parser parser;
  KeyIndex keys;
  std::vector<uint8_t> seen;
  std::vector<RecordState> states(spans.records.size(), RecordState::kObject);
  for (size_t r = 0; r < spans.records.size(); ++r) {
    if (r % options.batch == 0) WEIR_TRY(CheckStop(cancel, deadline));
    const RecordSpan& span = spans.records[r];
    dom::element record;
    simdjson::error_code error = span.length == 0 ? simdjson::EMPTY
                                                  : parser.parse(text + span.offset, span.length, false).get(record);
    if (error == simdjson::SUCCESS && record.type() != dom::element_type::OBJECT) {
      states[r] = RecordState::kNotObject;
    } else if (error != simdjson::SUCCESS) {
      if (!spans.from_array) {
        return UserError("bad-json", "the payload is not valid JSON: " + std::string(simdjson::error_message(error)) +
                                         " in the record at byte offset " + std::to_string(span.offset));
      }
      states[r] = RecordState::kMalformed;
    }
    if (states[r] != RecordState::kObject) {
      WEIR_TRY(rejects->AppendText(states[r] == RecordState::kNotObject ? "record is not an object" : "malformed JSON"));
      WEIR_TRY(rejects->AppendText("page " + std::to_string(options.page) + ", offset " + std::to_string(span.offset)));
      WEIR_TRY(rejects->AppendText(ValidUtf8(std::string_view(text + span.offset, span.length))));
      WEIR_TRY(rejects->EndRow());
      ++load.rejected;
      continue;
    }
    size_t guess = 0;
    dom::object object = record.get_object().value_unsafe();  // a named copy: the result is a temporary
    for (dom::key_value_pair field : object) {
      size_t k = keys.Find(field.key, guess);
      if (k >= seen.size()) seen.resize(k + 1, 0);
      seen[k] |= SeenOf(field.value);
      guess = k + 1;
    }
  }
  WEIR_TRY(rejects->Close());

  load.columns = NameColumns(keys.keys(), seen);
  bool empty = load.columns.empty();
  if (empty) load.columns.push_back(RecordColumn{"", "_empty", DuckDbColumnType::kVarchar});
  std::string create = "CREATE TABLE " + SqlIdentifier(options.table) + " (";
  std::vector<DuckDbColumnType> types;
  for (size_t c = 0; c < load.columns.size(); ++c) {
    create += (c > 0 ? ", " : "") + SqlIdentifier(load.columns[c].name) + " " + std::string(TypeSql(load.columns[c].type));
    types.push_back(load.columns[c].type);
  }
  WEIR_TRY(db.Execute(create + ")"));
  std::unique_ptr<RowSink> sink;
  if (options.chunked) {
    WEIR_ASSIGN_OR_RETURN(auto appender, db.ChunkAppender("", options.table, types));
    sink = std::make_unique<ChunkWiseSink>(std::move(appender));
  } else {
    WEIR_ASSIGN_OR_RETURN(auto appender, db.Appender("", options.table));
    sink = std::make_unique<RowWiseSink>(std::move(appender));
  }

  // Pass two: each object again, its values in column order.
  std::vector<dom::element> row(load.columns.size());
  std::vector<bool> present(load.columns.size());
  for (size_t r = 0; r < spans.records.size(); ++r) {
    if (r % options.batch == 0) WEIR_TRY(CheckStop(cancel, deadline));
    if (states[r] != RecordState::kObject) continue;
    const RecordSpan& span = spans.records[r];
    dom::element record;
    if (parser.parse(text + span.offset, span.length, false).get(record) != simdjson::SUCCESS) {
      return InternalError("a record parsed once did not parse again");
    }
    std::fill(present.begin(), present.end(), false);
    size_t guess = 0;
    dom::object object = record.get_object().value_unsafe();
    for (dom::key_value_pair field : object) {
      size_t k = empty ? std::string::npos : keys.Lookup(field.key, guess);
      if (k == std::string::npos || present[k]) continue;  // a repeated key: the first value wins
      row[k] = field.value;
      present[k] = true;
      guess = k + 1;
    }
    for (size_t c = 0; c < load.columns.size(); ++c) {
      if (present[c]) {
        WEIR_TRY(AppendValue(*sink, c, load.columns[c].type, row[c]));
      } else {
        WEIR_TRY(sink->Null(c));
      }
    }
    WEIR_TRY(sink->EndRow());
    ++load.rows;
  }
  WEIR_TRY(sink->Close());
  return load;
}

}  // namespace weir::tasks_internal
