// A thin layer over the SQLite C API for the state store: opening with the
// pragmas Weir relies on, cached prepared statements, transactions, and
// mapping SQLite's result codes onto Status kinds. Not thread-safe: the
// owner serializes every call (SqliteStateStore holds a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace weir::state_internal {

class SqliteDatabase;

// A borrowed, cached statement. Bind errors are kept and reported by the next
// Step, so binds can be chained. Resets itself when destroyed.
class SqliteStatement {
 public:
  SqliteStatement(SqliteDatabase* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStatement(SqliteStatement&& other) noexcept;
  SqliteStatement& operator=(SqliteStatement&&) = delete;
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;
  ~SqliteStatement();

  // Parameters count from 1, as in SQLite.
  SqliteStatement& Bind(int index, int64_t value);
  SqliteStatement& Bind(int index, std::string_view value);
  SqliteStatement& Bind(int index, TimePoint value);  // as epoch milliseconds
  SqliteStatement& Bind(int index, std::optional<TimePoint> value);
  // Named apart: a std::string argument would convert to either overload.
  SqliteStatement& BindOptional(int index, const std::optional<std::string>& value);
  // A REAL, or NULL when there is none.
  SqliteStatement& BindReal(int index, std::optional<double> value);

  // True when a row is ready to read; false when the statement is done.
  Result<bool> Step();
  // Steps a statement that returns no rows.
  Status Run();

  // Columns count from 0, as in SQLite.
  int64_t Int(int column) const;
  std::string Text(int column) const;
  TimePoint Time(int column) const;
  std::optional<TimePoint> OptionalTime(int column) const;
  std::optional<double> OptionalReal(int column) const;

 private:
  void KeepFirstError(int rc);

  SqliteDatabase* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = 0;
};

class SqliteDatabase {
 public:
  // Opens or creates the file (and its folder) in WAL mode with
  // synchronous=NORMAL, a checkpoint every 10,000 WAL pages, a 10 s busy
  // timeout and foreign keys on.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;
  ~SqliteDatabase();

  // Runs one or more statements that return no rows; not cached.
  Status Exec(const std::string& sql);
  // A cached statement for `sql`; prepared on first use.
  Result<SqliteStatement> Prepare(const std::string& sql);
  // Runs one cached statement that returns no rows (BEGIN, COMMIT, ...).
  Status RunCached(const std::string& sql);

  // The Status for a failed SQLite call: busy and locked are faults (another
  // process holds the file; retrying helps), a bad file is the user's, and
  // anything else is our bug. The message always names the file.
  Status Error(int rc) const;

  int64_t LastInsertRowId() const;
  int Changes() const;  // rows changed by the last statement
  const std::string& path() const { return path_; }

 private:
  SqliteDatabase(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}

  std::string path_;
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
  int open_transactions_ = 0;  // SqliteTransactions begun and not ended
  friend class SqliteTransaction;
};

// One transaction: Begin, then Commit; rolled back if destroyed before Commit.
// Inside another transaction of the same database it is a savepoint, so
// store methods compose inside StateStore::Batch.
class SqliteTransaction {
 public:
  enum class Mode {
    kRead,   // BEGIN (deferred): a consistent snapshot
    kWrite,  // BEGIN IMMEDIATE: takes the write lock now, so it waits on a
             // busy file up front instead of failing halfway through
  };

  explicit SqliteTransaction(SqliteDatabase& db) : db_(db) {}
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;
  ~SqliteTransaction();

  Status Begin(Mode mode);
  Status Commit();

 private:
  SqliteDatabase& db_;
  bool open_ = false;
  bool nested_ = false;
};

}  // namespace weir::state_internal
