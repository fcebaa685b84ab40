// The stream's SQL over the view `batch`, each result row as the message
// the sink produces: its key (the sink's key column as text) and its value
// (the row as a JSON object).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connectors.h"

namespace weir::stream_internal {

struct OutputRow {
  std::optional<std::string> key;
  std::string value;
};

// Why a batch's transform failed.
enum class TransformFailure {
  kData,           // a value the SQL cannot handle (a cast, a range): a message's fault
  kMissingColumn,  // a column no message of the batch had (`missing_column` names it)
  kSql,            // the SQL itself: the job stops
};

struct TransformError {
  TransformFailure kind = TransformFailure::kSql;
  Status status;
  std::string missing_column;
};

class StreamTransform {
 public:
  StreamTransform(DuckDbConnection& db, const StreamDef& stream);

  // The rows of the transform over the current `batch`, in order; false
  // with `error` filled when it fails.
  bool Run(std::vector<OutputRow>& rows, TransformError& error);

 private:
  DuckDbConnection& db_;
  std::string query_;
};

}  // namespace weir::stream_internal
