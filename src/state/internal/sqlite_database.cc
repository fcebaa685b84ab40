#include "state/internal/sqlite_database.h"

#include <sqlite3.h>

#include <filesystem>
#include <system_error>

#include "state/internal/records.h"

namespace weir::state_internal {
namespace {

// Long enough to ride out another process's write transaction (they are
// short), short enough that a stuck holder surfaces as a retryable fault.
constexpr int kBusyTimeoutMs = 10000;

// WAL lets readers (CLI, server) work while the engine writes; NORMAL
// syncs at checkpoints only, which survives a kill -9 of the process (not a
// power cut), the failure Weir promises to survive. A commit is in the WAL
// when it returns either way; the checkpoint only copies it into the main
// file, with two fsyncs, so it runs every 10,000 pages (about 40 MB of WAL)
// instead of SQLite's 1,000: with 1,000, a run of 10,000 tasks spent a fifth
// of its time checkpointing.
constexpr const char* kOpenPragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
    "PRAGMA wal_autocheckpoint=10000;";

Status CreateParentFolder(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return OkStatus();
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return UserError("state-file", "cannot create the state database's folder: " + ec.message() + " (" +
                                       parent.string() + ")");
  }
  return OkStatus();
}

}  // namespace

SqliteStatement::SqliteStatement(SqliteStatement&& other) noexcept
    : db_(other.db_), stmt_(other.stmt_), bind_rc_(other.bind_rc_) {
  other.stmt_ = nullptr;
}

SqliteStatement::~SqliteStatement() {
  if (stmt_ == nullptr) return;
  // The statement stays cached; resetting ends any read it still holds.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::KeepFirstError(int rc) {
  if (bind_rc_ == SQLITE_OK) bind_rc_ = rc;
}

SqliteStatement& SqliteStatement::Bind(int index, int64_t value) {
  KeepFirstError(sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, std::string_view value) {
  KeepFirstError(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  return *this;
}

SqliteStatement& SqliteStatement::Bind(int index, TimePoint value) { return Bind(index, ToEpochMillis(value)); }

SqliteStatement& SqliteStatement::Bind(int index, std::optional<TimePoint> value) {
  if (value.has_value()) return Bind(index, *value);
  KeepFirstError(sqlite3_bind_null(stmt_, index));
  return *this;
}

SqliteStatement& SqliteStatement::BindOptional(int index, const std::optional<std::string>& value) {
  if (value.has_value()) return Bind(index, std::string_view(*value));
  KeepFirstError(sqlite3_bind_null(stmt_, index));
  return *this;
}

SqliteStatement& SqliteStatement::BindReal(int index, std::optional<double> value) {
  KeepFirstError(value.has_value() ? sqlite3_bind_double(stmt_, index, *value) : sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> SqliteStatement::Step() {
  if (bind_rc_ != SQLITE_OK) return db_->Error(bind_rc_);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  // Reset when done so the statement can be bound and run again (a loop of
  // inserts); the error is read first because a reset may replace it.
  Status status = rc == SQLITE_DONE ? OkStatus() : db_->Error(rc);
  sqlite3_reset(stmt_);
  if (!status.ok()) return status;
  return false;
}

Status SqliteStatement::Run() {
  for (;;) {
    WEIR_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string SqliteStatement::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text), sqlite3_column_bytes(stmt_, column));
}

TimePoint SqliteStatement::Time(int column) const { return FromEpochMillis(Int(column)); }

std::optional<TimePoint> SqliteStatement::OptionalTime(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Time(column);
}

std::optional<double> SqliteStatement::OptionalReal(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(stmt_, column);
}

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  WEIR_TRY(CreateParentFolder(path));
  sqlite3* handle = nullptr;
  // NOMUTEX: the store serializes calls itself, so SQLite's own lock is waste.
  int rc = sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    std::string message = handle != nullptr ? sqlite3_errmsg(handle) : sqlite3_errstr(rc);
    sqlite3_close(handle);
    return UserError("state-file", "cannot open the state database: " + message + " (" + path + ")");
  }
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path, handle));
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  WEIR_TRY(db->Exec(kOpenPragmas));
  return db;
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Status SqliteDatabase::Exec(const std::string& sql) {
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus() : Error(rc);
}

Result<SqliteStatement> SqliteDatabase::Prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) return Error(rc);
    it = statements_.emplace(sql, stmt).first;
  }
  return SqliteStatement(this, it->second);
}

Status SqliteDatabase::RunCached(const std::string& sql) {
  WEIR_ASSIGN_OR_RETURN(SqliteStatement statement, Prepare(sql));
  return statement.Run();
}

Status SqliteDatabase::Error(int rc) const {
  // The connection's message is specific ("no such table: runs") but only
  // belongs to this failure if the codes match; otherwise use the generic one.
  std::string detail = sqlite3_extended_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  std::string where = " (" + path_ + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Fault("state-busy", "the state database is busy in another process; try again: " + detail + where);
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_AUTH:
      return UserError("state-file", "cannot use the state database file: " + detail + where);
    default:
      return InternalError("state database error: " + detail + where);
  }
}

int64_t SqliteDatabase::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteDatabase::Changes() const { return sqlite3_changes(db_); }

SqliteTransaction::~SqliteTransaction() {
  if (!open_) return;
  // SQLite may already have rolled back on its own (disk full, I/O error).
  if (nested_) db_.Exec("ROLLBACK TO weir_nested; RELEASE weir_nested").IgnoreError();
  else db_.Exec("ROLLBACK").IgnoreError();
  --db_.open_transactions_;
}

// Cached statements, not Exec: a task's state changes run several of these
// each, and parsing them anew every time was a measurable part of a run.
Status SqliteTransaction::Begin(Mode mode) {
  nested_ = db_.open_transactions_ > 0;
  if (nested_) WEIR_TRY(db_.RunCached("SAVEPOINT weir_nested"));
  else WEIR_TRY(db_.RunCached(mode == Mode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  open_ = true;
  ++db_.open_transactions_;
  return OkStatus();
}

Status SqliteTransaction::Commit() {
  WEIR_TRY(db_.RunCached(nested_ ? "RELEASE weir_nested" : "COMMIT"));
  open_ = false;
  --db_.open_transactions_;
  return OkStatus();
}

}  // namespace weir::state_internal
