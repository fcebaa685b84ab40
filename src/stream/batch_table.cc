// Loads a micro-batch into DuckDB. Every value goes in as text (the JSON
// text of numbers and nested values, the plain text of strings) through the
// chunk appender into `_weir_raw`; the view `batch` casts each column to
// its type. With `schema:` a value that does not cast is a dead letter;
// without, a column's type is what its values share in this batch
// (BIGINT, DOUBLE, BOOLEAN, VARCHAR, else JSON), so the casts cannot fail.
#include "stream/internal/batch_table.h"

#include <simdjson.h>

#include <algorithm>
#include <unordered_map>

#include "common/text.h"

namespace weir::stream_internal {
namespace {

enum class Kind : uint8_t { kAbsent, kString, kInt, kDouble, kBool, kNested };

struct Cell {
  Kind kind = Kind::kAbsent;
  std::string text;  // strings unescaped; the rest as minified JSON
};

const char* const kMetadataColumns[] = {"_topic", "_partition", "_offset", "_timestamp", "_key"};

bool IsMetadataColumn(std::string_view name) {
  return std::find(std::begin(kMetadataColumns), std::end(kMetadataColumns), name) != std::end(kMetadataColumns);
}

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// STRUCT, MAP, lists and arrays are cast from JSON text; the rest from text.
bool IsNestedType(const std::string& type) {
  std::string upper = Upper(type);
  return upper.find('[') != std::string::npos || upper.rfind("STRUCT", 0) == 0 || upper.rfind("MAP", 0) == 0;
}

Cell ToCell(simdjson::dom::element value) {
  using simdjson::dom::element_type;
  switch (value.type()) {
    case element_type::NULL_VALUE: return {};
    case element_type::STRING: return {Kind::kString, std::string(value.get_string().value_unsafe())};
    case element_type::INT64: return {Kind::kInt, simdjson::minify(value)};
    case element_type::UINT64:  // beyond BIGINT
    case element_type::DOUBLE: return {Kind::kDouble, simdjson::minify(value)};
    case element_type::BOOL: return {Kind::kBool, simdjson::minify(value)};
    default: return {Kind::kNested, simdjson::minify(value)};
  }
}

// RFC 4180 fields of one line; nullopt for an unquoted empty field (NULL).
// False when a quote is not closed.
bool SplitCsvLine(std::string_view line, std::vector<std::optional<std::string>>& fields) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  fields.clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    bool quoted = i < line.size() && line[i] == '"';
    if (quoted) {
      for (++i;; ++i) {
        if (i >= line.size()) return false;
        if (line[i] == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else if (line[i] == '"') {
          ++i;
          break;
        } else {
          field += line[i];
        }
      }
      if (i < line.size() && line[i] != ',') return false;
    } else {
      size_t end = std::min(line.find(',', i), line.size());
      field = std::string(line.substr(i, end - i));
      i = end;
    }
    fields.push_back(quoted || !field.empty() ? std::optional<std::string>(field) : std::nullopt);
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

bool ValidUtf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

}  // namespace

struct BatchTable::Column {
  std::string name;
  std::string type;  // of the view's column; "" while inferred
  std::vector<Cell> cells;  // one per readable message
  bool seen[6] = {};  // by Kind

  // The type the cells share (schemaless batches).
  std::string Inferred() const {
    bool string = seen[static_cast<int>(Kind::kString)], integer = seen[static_cast<int>(Kind::kInt)];
    bool real = seen[static_cast<int>(Kind::kDouble)], boolean = seen[static_cast<int>(Kind::kBool)];
    bool nested = seen[static_cast<int>(Kind::kNested)];
    if (nested || string + (integer || real) + boolean != 1) return "JSON";
    if (string) return "VARCHAR";
    if (boolean) return "BOOLEAN";
    return real ? "DOUBLE" : "BIGINT";
  }
  // The text `_weir_raw` holds for `cell`.
  std::string_view RawText(const Cell& cell, std::string& scratch) const {
    bool as_json = type == "JSON" || IsNestedType(type);
    if (cell.kind != Kind::kString || !as_json) return cell.text;
    scratch = JsonQuote(cell.text);
    return scratch;
  }
  // The view's expression for this column.
  std::string Expression() const {
    std::string name_sql = SqlIdentifier(name);
    if (type == "VARCHAR") return name_sql;
    if (IsNestedType(type)) return "TRY_CAST(CAST(" + name_sql + " AS JSON) AS " + type + ")";
    return "TRY_CAST(" + name_sql + " AS " + type + ")";
  }
};

BatchTable::BatchTable(DuckDbConnection& db, const StreamDef& stream) : db_(db), stream_(stream) {}
BatchTable::~BatchTable() = default;

Status BatchTable::Load(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead) {
  std::vector<Column> columns;
  std::unordered_map<std::string, size_t> index;
  for (const StreamDef::Column& c : stream_.schema) {
    index.emplace(c.name, columns.size());
    columns.push_back(Column{c.name, c.type, {}, {}});
  }
  if (stream_.format == StreamDef::Format::kRaw) {
    columns.push_back(Column{"value", "VARCHAR", {}, {}});
  }
  std::vector<size_t> rows;  // the readable messages, by index in `messages`
  simdjson::dom::parser parser;
  std::vector<std::optional<std::string>> fields;
  auto bad = [&](size_t i, std::string reason, std::string error) {
    dead->push_back({messages[i], std::move(reason), std::move(error)});
  };
  for (size_t i = 0; i < messages.size(); ++i) {
    const KafkaMessage& m = *messages[i];
    if (m.value.size() > stream_.max_message_bytes) {
      bad(i, "oversize", "the message has " + std::to_string(m.value.size()) + " bytes; the source takes at most " +
                             std::to_string(stream_.max_message_bytes) + " (max_message_bytes)");
      continue;
    }
    if (m.key && !ValidUtf8(*m.key)) {
      bad(i, "parse", "the message's key is not UTF-8 text");
      continue;
    }
    size_t row = rows.size();
    if (stream_.format == StreamDef::Format::kJson) {
      simdjson::dom::element doc;
      if (auto error = parser.parse(m.value.data(), m.value.size()).get(doc)) {
        bad(i, "parse", std::string("not valid JSON: ") + simdjson::error_message(error));
        continue;
      }
      if (doc.type() != simdjson::dom::element_type::OBJECT) {
        bad(i, "parse", "a JSON object was expected, got " + simdjson::minify(doc).substr(0, 40));
        continue;
      }
      for (auto [key, value] : simdjson::dom::object(doc)) {
        auto it = index.find(std::string(key));
        if (it == index.end()) {
          if (!stream_.schema.empty() || IsMetadataColumn(key)) continue;
          it = index.emplace(std::string(key), columns.size()).first;
          columns.push_back(Column{std::string(key), "", {}, {}});
        }
        Column& column = columns[it->second];
        column.cells.resize(row + 1);
        column.cells[row] = ToCell(value);
        column.seen[static_cast<int>(column.cells[row].kind)] = true;
      }
    } else if (!ValidUtf8(m.value)) {
      bad(i, "parse", "the message is not UTF-8 text");
      continue;
    } else if (stream_.format == StreamDef::Format::kRaw) {
      columns[0].cells.resize(row + 1);
      columns[0].cells[row] = {Kind::kString, m.value};
    } else {
      if (!SplitCsvLine(m.value, fields)) {
        bad(i, "parse", "a quoted CSV field is not closed");
        continue;
      }
      if (fields.size() != columns.size()) {
        bad(i, "parse", "the CSV line has " + std::to_string(fields.size()) + " fields; the schema has " +
                            std::to_string(columns.size()) + " columns");
        continue;
      }
      for (size_t c = 0; c < columns.size(); ++c) {
        columns[c].cells.resize(row + 1);
        if (fields[c]) columns[c].cells[row] = {Kind::kString, std::move(*fields[c])};
      }
    }
    rows.push_back(i);
  }
  for (Column& c : columns) {
    c.cells.resize(rows.size());
    if (c.type.empty()) c.type = c.Inferred();
  }
  std::string create = "CREATE OR REPLACE TABLE _weir_raw (_row BIGINT, _topic VARCHAR, _partition BIGINT, "
                       "_offset BIGINT, _timestamp BIGINT, _key VARCHAR";
  for (const Column& c : columns) create += ", " + SqlIdentifier(c.name) + " VARCHAR";
  WEIR_TRY(db_.Execute(create + ")"));
  std::vector<DuckDbColumnType> types = {DuckDbColumnType::kBigint, DuckDbColumnType::kVarchar,
                                         DuckDbColumnType::kBigint, DuckDbColumnType::kBigint,
                                         DuckDbColumnType::kBigint, DuckDbColumnType::kVarchar};
  types.resize(types.size() + columns.size(), DuckDbColumnType::kVarchar);
  WEIR_ASSIGN_OR_RETURN(auto appender, db_.ChunkAppender("", "_weir_raw", types));
  std::string scratch;
  for (size_t r = 0; r < rows.size(); ++r) {
    const KafkaMessage& m = *messages[rows[r]];
    appender->SetInt64(0, static_cast<int64_t>(rows[r]));
    appender->SetText(1, m.topic);
    appender->SetInt64(2, m.partition);
    appender->SetInt64(3, m.offset);
    if (m.timestamp_ms >= 0) appender->SetInt64(4, m.timestamp_ms);
    if (m.key) appender->SetText(5, *m.key);
    for (size_t c = 0; c < columns.size(); ++c) {
      const Cell& cell = columns[c].cells[r];
      if (cell.kind != Kind::kAbsent) appender->SetText(6 + c, columns[c].RawText(cell, scratch));
    }
    WEIR_TRY(appender->EndRow());
  }
  WEIR_TRY(appender->Close());
  if (stream_.format != StreamDef::Format::kJson || !stream_.schema.empty()) {
    WEIR_TRY(DropBadCasts(columns, messages, dead));
  }
  for (Column& c : columns) c.cells = {};
  columns_ = std::move(columns);
  return CreateView(columns_);
}

// Rows with a value that does not cast to its column's type become dead
// letters naming the column and the value.
Status BatchTable::DropBadCasts(const std::vector<Column>& columns, const std::vector<const KafkaMessage*>& messages,
                                std::vector<DeadLetter>* dead) {
  std::string which = "CASE";
  for (const Column& c : columns) {
    if (c.type == "VARCHAR") continue;
    which += " WHEN " + SqlIdentifier(c.name) + " IS NOT NULL AND " + c.Expression() + " IS NULL THEN " +
             SqlString(c.name);
  }
  if (which == "CASE") return OkStatus();
  std::string find = "SELECT _row, bad FROM (SELECT _row, " + which + " END AS bad FROM _weir_raw) "
                     "WHERE bad IS NOT NULL ORDER BY _row";
  WEIR_ASSIGN_OR_RETURN(QueryRows failed, db_.Query(find));
  if (failed.rows.empty()) return OkStatus();
  std::string rows_sql;
  for (const auto& row : failed.rows) {
    size_t i = std::stoul(*row[0]);
    const std::string& column = *row[1];
    auto it = std::find_if(columns.begin(), columns.end(), [&](const Column& c) { return c.name == column; });
    dead->push_back({messages[i], "cast", "column '" + column + "' is not a " + it->type});
    rows_sql += (rows_sql.empty() ? "" : ", ") + *row[0];
  }
  return db_.Execute("DELETE FROM _weir_raw WHERE _row IN (" + rows_sql + ")");
}

Status BatchTable::CreateView(const std::vector<Column>& columns) {
  std::string view = "CREATE OR REPLACE VIEW batch AS SELECT _topic, CAST(_partition AS INTEGER) AS _partition, "
                     "_offset, epoch_ms(_timestamp) AS _timestamp, _key";
  for (const Column& c : columns) view += ", " + c.Expression() + " AS " + SqlIdentifier(c.name);
  for (const std::string& name : missing_) {
    auto same = [&](const Column& c) { return c.name == name; };
    if (std::none_of(columns.begin(), columns.end(), same)) view += ", CAST(NULL AS JSON) AS " + SqlIdentifier(name);
  }
  if (!windowed_) return db_.Execute(view + " FROM _weir_raw ORDER BY _row");
  return db_.Execute(view + ", window_start, window_end FROM _weir_raw JOIN (SELECT _topic, _partition, _offset, "
                            "window_start, window_end FROM _weir_windows) USING (_topic, _partition, _offset) "
                            "ORDER BY window_start, window_end, _row");
}

}  // namespace weir::stream_internal
