// A seed's CSV checked before DuckDB loads it, so that a malformed row is
// reported at the seed file's line and column instead of deep inside a
// COPY error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weir::models_internal {

struct SeedCsv {
  std::vector<std::string> header;  // column names as written (quotes removed)
  std::vector<int> header_columns;  // where each name starts on line 1
  size_t rows = 0;                  // data records, blank lines not counted
};

// Reads `text` as dbt-duckdb's loader reads a seed (RFC 4180: a value in
// double quotes may hold the delimiter, line breaks and "" for a quote; a
// record ends at \n or \r\n; blank lines are skipped). Errors, code
// "seed-bad-row", at `file`:line:col: a record with more or fewer values
// than the header, an unterminated quote, text after a closing quote.
Result<SeedCsv> ReadSeedCsv(std::string_view text, char delimiter, const std::string& file);

// quote_columns: false (dbt's unquoted column names) works for names that
// are plain SQL identifiers; any other name is an error "seed-column" at
// the header's line 1 that says to set quote_columns: true.
Status CheckUnquotedColumns(const SeedCsv& csv, const std::string& file);

}  // namespace weir::models_internal
