// How the load into Postgres moves rows (postgres_copy_stream.cc): DuckDB,
// on a second thread, writes a query's rows as CSV into a named pipe, and
// the calling thread sends what arrives through COPY FROM STDIN as it
// comes, so that DuckDB's work and the server's overlap and the CSV is
// never whole on disk or in memory.
#pragma once

#include <string>

#include "tasks/internal/data.h"

namespace weir::tasks_internal {

struct CsvCopy {
  DuckDbConnection& compute;  // runs `select_sql`; used by a second thread while the stream lasts
  std::string select_sql;     // its columns in the order of `copy_sql`'s
  PostgresConnection& pg;     // in a transaction: a failed stream leaves rows that only a ROLLBACK removes
  std::string copy_sql;       // COPY ... FROM STDIN (FORMAT csv)
  std::string pipe_path;      // where the named pipe is made (and removed)
  const CancelToken& cancel;
  TimePoint deadline;
};

// Streams the rows; the count COPY's command tag reports. A failed send
// stops DuckDB and is the error; else DuckDB's error, else the COPY's (a
// value Postgres refuses). "load-stream" (a fault) when the pipe cannot be
// made. Not for concurrent use of `compute` or `pg`.
Result<int64_t> CopyQueryIntoPostgres(const CsvCopy& copy);

}  // namespace weir::tasks_internal
