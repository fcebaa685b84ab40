// Runs the stream's SQL once per batch and classifies its failures: a
// value error is the fault of some message (the job isolates it), a
// missing column is added to `batch` as NULL, anything else is the SQL's.
#include "stream/internal/transform.h"

namespace weir::stream_internal {
namespace {

// The SQL without a trailing ';' (it becomes a subquery).
std::string AsSubquery(std::string sql) {
  while (!sql.empty() && (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) sql.pop_back();
  return sql;
}

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// DuckDB's messages begin with their error type.
TransformError Classify(const Status& status) {
  const std::string& message = status.message();
  TransformError error{TransformFailure::kSql, status, ""};
  if (StartsWith(message, "Conversion Error") || StartsWith(message, "Invalid Input Error") ||
      StartsWith(message, "Out of Range Error") || StartsWith(message, "Constraint Error")) {
    error.kind = TransformFailure::kData;
  }
  const std::string kMissing = "Referenced column \"";
  size_t at = message.find(kMissing);
  if (StartsWith(message, "Binder Error") && at != std::string::npos) {
    size_t start = at + kMissing.size();
    size_t end = message.find('"', start);
    if (end != std::string::npos && message.find("not found", end) != std::string::npos) {
      error.kind = TransformFailure::kMissingColumn;
      error.missing_column = message.substr(start, end - start);
    }
  }
  return error;
}

}  // namespace

StreamTransform::StreamTransform(DuckDbConnection& db, const StreamDef& stream) : db_(db) {
  std::string key = stream.sink_key.empty() ? "NULL" : "CAST(_weir_out." + SqlIdentifier(stream.sink_key) + " AS VARCHAR)";
  query_ = "SELECT " + key + ", CAST(to_json(_weir_out) AS VARCHAR) FROM (" + AsSubquery(stream.transform) +
           "\n) AS _weir_out";
}

bool StreamTransform::Run(std::vector<OutputRow>& rows, TransformError& error) {
  Result<QueryRows> result = db_.Query(query_);
  if (!result.ok()) {
    error = Classify(result.status());
    return false;
  }
  rows.reserve(rows.size() + result->rows.size());
  for (auto& row : result->rows) rows.push_back({std::move(row[0]), row[1].value_or("null")});
  return true;
}

}  // namespace weir::stream_internal
