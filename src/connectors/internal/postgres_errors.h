// How libpq's failures become Weir's errors (postgres_errors.cc).
#pragma once

#include <string>

#include "common/status.h"

typedef struct pg_result PGresult;

namespace weir::postgres_internal {

// A failed connection or a lost one: a fault (the server may be back on
// retry), except a refused login (bad password, unknown role or database),
// which is the user error "postgres-auth". `libpq_message` is libpq's,
// which never holds the password.
Status ConnectionError(const std::string& what, const std::string& libpq_message);

// A statement the server refused: its message, detail and hint, the
// SQLSTATE, and where in `sql` it points (line:column) when the server
// says. Faults for what a retry may fix (SQLSTATE classes 08, 53, 57, 58,
// and 40001 and 40P01), else the user error "postgres".
Status StatementError(const PGresult* result, const std::string& sql);

// "line L, column C" of the 1-based character `position` in `text`.
std::string PositionIn(const std::string& text, int position);

}  // namespace weir::postgres_internal
