// The messages of one micro-batch as DuckDB's view `batch`: the source's
// columns (declared by `schema:` or the top-level JSON fields, typed per
// batch) and the message's own _topic, _partition, _offset, _timestamp and
// _key. Messages that cannot be read become dead letters, never errors.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connectors.h"

namespace weir::stream_internal {

// A message the job could not process, and why: "oversize", "parse"
// (not JSON, CSV or UTF-8 as the format says), "cast" (a value that does
// not fit its schema type) or "transform" (the SQL fails on it alone).
struct DeadLetter {
  const KafkaMessage* message = nullptr;
  std::string reason;
  std::string error;
};

class BatchTable {
 public:
  BatchTable(DuckDbConnection& db, const StreamDef& stream);
  ~BatchTable();

  // Replaces `batch` with `messages`; appends the ones it cannot read to
  // `dead`. An error is the database's, not a message's.
  Status Load(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead);

  // A column the transform names that no message of a schemaless batch
  // had: from now on `batch` has it, as a JSON NULL where it is missing.
  void AddMissingColumn(const std::string& name) { missing_.insert(name); }
  // Makes `batch` again over the loaded rows (after AddMissingColumn).
  Status RefreshView() { return CreateView(columns_); }

  // While on, `batch` is the loaded rows joined with `_weir_windows` (the
  // windows they close in, internal/windows.h): a row once per window,
  // with window_start and window_end.
  void SetWindowed(bool on) { windowed_ = on; }

 private:
  struct Column;
  Status CreateView(const std::vector<Column>& columns);
  Status DropBadCasts(const std::vector<Column>& columns, const std::vector<const KafkaMessage*>& messages,
                      std::vector<DeadLetter>* dead);

  DuckDbConnection& db_;
  const StreamDef& stream_;
  std::set<std::string> missing_;
  bool windowed_ = false;
  std::vector<Column> columns_;  // of the loaded batch, without their cells
};

}  // namespace weir::stream_internal
