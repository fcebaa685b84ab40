#include "connectors/internal/postgres_errors.h"

#include <libpq-fe.h>

#include <cstdlib>

namespace weir::postgres_internal {
namespace {

std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

std::string Field(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value != nullptr ? value : "";
}

bool IsRetryable(const std::string& sqlstate) {
  std::string cls = sqlstate.substr(0, 2);
  return cls == "08" || cls == "53" || cls == "57" || cls == "58" || sqlstate == "40001" || sqlstate == "40P01";
}

bool IsLoginRefused(const std::string& message) {
  for (const char* sign : {"password authentication failed", "no password supplied", "does not exist",
                           "pg_hba.conf", "authentication failed"}) {
    if (message.find(sign) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

Status ConnectionError(const std::string& what, const std::string& libpq_message) {
  std::string message = what + ": " + Trimmed(libpq_message);
  if (IsLoginRefused(libpq_message)) return UserError("postgres-auth", message);
  return Fault("postgres-connection", message);
}

std::string PositionIn(const std::string& text, int position) {
  int line = 1, column = 1, seen = 0;
  for (size_t i = 0; i < text.size() && seen + 1 < position; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) == 0x80) continue;  // positions count characters, not UTF-8 bytes
    ++seen;
    if (c == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

Status StatementError(const PGresult* result, const std::string& sql) {
  std::string sqlstate = Field(result, PG_DIAG_SQLSTATE);
  std::string message = Field(result, PG_DIAG_MESSAGE_PRIMARY);
  if (message.empty()) message = Trimmed(PQresultErrorMessage(result));
  std::string detail = Field(result, PG_DIAG_MESSAGE_DETAIL);
  std::string hint = Field(result, PG_DIAG_MESSAGE_HINT);
  std::string position = Field(result, PG_DIAG_STATEMENT_POSITION);
  std::string text = "postgres: " + message;
  if (!position.empty()) text += " (at " + PositionIn(sql, std::atoi(position.c_str())) + " of the statement)";
  if (!detail.empty()) text += "; " + detail;
  if (!hint.empty()) text += "; hint: " + hint;
  if (!sqlstate.empty()) text += " [SQLSTATE " + sqlstate + "]";
  if (IsRetryable(sqlstate)) return Fault("postgres-" + sqlstate, text);
  return UserError("postgres", text);
}

}  // namespace weir::postgres_internal
