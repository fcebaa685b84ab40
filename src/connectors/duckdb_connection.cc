#include <duckdb.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/mutex.h"
#include "connectors/connectors.h"
#include "connectors/internal/duckdb_handles.h"

namespace weir {
namespace {

// DuckDB reports errors as text with a type; map the type onto our kinds.
Status QueryError(duckdb_result* result) {
  std::string message = duckdb_result_error(result);
  switch (duckdb_result_error_type(result)) {
    case DUCKDB_ERROR_IO:
    case DUCKDB_ERROR_CONNECTION:
    case DUCKDB_ERROR_TRANSACTION:
      return Fault("duckdb", message);
    case DUCKDB_ERROR_INTERRUPT:
      return Cancelled("query interrupted");
    case DUCKDB_ERROR_OUT_OF_MEMORY:
      return Fault("duckdb-memory", message);
    default:
      return UserError("sql", message);
  }
}

std::string TypeName(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN: return "BOOLEAN";
    case DUCKDB_TYPE_TINYINT: return "TINYINT";
    case DUCKDB_TYPE_SMALLINT: return "SMALLINT";
    case DUCKDB_TYPE_INTEGER: return "INTEGER";
    case DUCKDB_TYPE_BIGINT: return "BIGINT";
    case DUCKDB_TYPE_HUGEINT: return "HUGEINT";
    case DUCKDB_TYPE_UTINYINT: return "UTINYINT";
    case DUCKDB_TYPE_USMALLINT: return "USMALLINT";
    case DUCKDB_TYPE_UINTEGER: return "UINTEGER";
    case DUCKDB_TYPE_UBIGINT: return "UBIGINT";
    case DUCKDB_TYPE_FLOAT: return "FLOAT";
    case DUCKDB_TYPE_DOUBLE: return "DOUBLE";
    case DUCKDB_TYPE_DECIMAL: return "DECIMAL";
    case DUCKDB_TYPE_VARCHAR: return "VARCHAR";
    case DUCKDB_TYPE_DATE: return "DATE";
    case DUCKDB_TYPE_TIME: return "TIME";
    case DUCKDB_TYPE_TIMESTAMP: return "TIMESTAMP";
    case DUCKDB_TYPE_TIMESTAMP_TZ: return "TIMESTAMP WITH TIME ZONE";
    case DUCKDB_TYPE_INTERVAL: return "INTERVAL";
    case DUCKDB_TYPE_BLOB: return "BLOB";
    case DUCKDB_TYPE_UUID: return "UUID";
    case DUCKDB_TYPE_LIST: return "LIST";
    case DUCKDB_TYPE_STRUCT: return "STRUCT";
    case DUCKDB_TYPE_MAP: return "MAP";
    default: return "OTHER";
  }
}

constexpr const char* kNotText = "not-text";

// The rows of a successful result as text; destroys the result. Fails with
// code kNotText when a value has a type that duckdb_value_varchar cannot
// render (lists, structs, TIMESTAMPTZ, ...).
// `types`, when given, receives the column types even then.
Result<QueryRows> TakeRows(duckdb_result& result, std::vector<std::string>* types) {
  QueryRows out;
  idx_t columns = duckdb_column_count(&result);
  for (idx_t c = 0; c < columns; ++c) {
    out.columns.emplace_back(duckdb_column_name(&result, c));
    out.types.push_back(TypeName(duckdb_column_type(&result, c)));
  }
  if (types != nullptr) *types = out.types;
  idx_t rows = duckdb_row_count(&result);
  out.rows.assign(rows, std::vector<std::optional<std::string>>(columns));
  // duckdb_value_varchar renders each type as DuckDB itself prints it.
  for (idx_t r = 0; r < rows; ++r) {
    for (idx_t c = 0; c < columns; ++c) {
      if (duckdb_value_is_null(&result, c, r)) continue;
      char* text = duckdb_value_varchar(&result, c, r);
      if (text == nullptr) {
        duckdb_destroy_result(&result);
        return UserError(kNotText, "column '" + out.columns[c] + "' has a value of type " + out.types[c] +
                                       " that cannot be shown as text");
      }
      out.rows[r][c] = std::string(text);
      duckdb_free(text);
    }
  }
  duckdb_destroy_result(&result);
  return out;
}

// The query again, every column cast to VARCHAR by DuckDB (which renders
// nested and zoned types as it prints them), for results TakeRows could not
// read. Only a query can be wrapped so: other statements fail to parse.
std::optional<std::string> TextColumnsQuery(const std::string& sql) {
  std::vector<std::string> statements = SplitSqlStatements(sql);
  if (statements.size() != 1) return std::nullopt;
  return "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM (" + statements[0] + "\n)";
}

bool IsLockError(const std::string& message) {
  return message.find("lock") != std::string::npos || message.find("Lock") != std::string::npos;
}

}  // namespace

DuckDbConnection::DuckDbConnection(std::unique_ptr<Handles> handles) : handles_(std::move(handles)) {}
DuckDbConnection::~DuckDbConnection() = default;

Result<std::unique_ptr<DuckDbConnection>> DuckDbConnection::Open(const std::string& path) {
  auto handles = std::make_unique<Handles>();
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return InternalError("duckdb_create_config failed");
  duckdb_set_config(config, "autoinstall_known_extensions", "false");
  duckdb_set_config(config, "autoload_known_extensions", "false");
  char* error = nullptr;
  const char* target = path.empty() ? ":memory:" : path.c_str();
  duckdb_state state = duckdb_open_ext(target, &handles->database, config, &error);
  duckdb_destroy_config(&config);
  if (state != DuckDBSuccess) {
    std::string message = error != nullptr ? error : "unknown error";
    duckdb_free(error);
    if (IsLockError(message)) {
      return Fault("duckdb-locked", "cannot open DuckDB database: " + message, SourceLocation{path});
    }
    return UserError("duckdb-open", "cannot open DuckDB database: " + message, SourceLocation{path});
  }
  if (duckdb_connect(handles->database, &handles->connection) != DuckDBSuccess) {
    return Fault("duckdb-connect", "cannot connect to DuckDB database", SourceLocation{path});
  }
  return std::unique_ptr<DuckDbConnection>(new DuckDbConnection(std::move(handles)));
}

Status DuckDbConnection::Execute(const std::string& sql) {
  duckdb_result result;
  Status status;
  if (duckdb_query(handles_->connection, sql.c_str(), &result) != DuckDBSuccess) status = QueryError(&result);
  duckdb_destroy_result(&result);
  return status;
}

Result<QueryRows> DuckDbConnection::Query(const std::string& sql) {
  return QueryAsText(sql, [this](const std::string& text, std::vector<std::string>* types) -> Result<QueryRows> {
    duckdb_result result;
    if (duckdb_query(handles_->connection, text.c_str(), &result) != DuckDBSuccess) {
      Status s = QueryError(&result);
      duckdb_destroy_result(&result);
      return s;
    }
    return TakeRows(result, types);
  });
}

// Runs `sql` through `run`; when a value cannot be shown as text, runs it
// again with its columns cast to VARCHAR, keeping the first run's types.
Result<QueryRows> DuckDbConnection::QueryAsText(const std::string& sql, const RunForRows& run) {
  std::vector<std::string> first_types;
  Result<QueryRows> rows = run(sql, &first_types);
  if (rows.ok() || rows.status().code() != kNotText) return rows;
  std::optional<std::string> text_sql = TextColumnsQuery(sql);
  Result<QueryRows> as_text = text_sql ? run(*text_sql, nullptr) : rows.status();
  if (!as_text.ok()) return UserError("sql", "cannot show the result: " + rows.status().message());
  as_text->types = std::move(first_types);
  return as_text;
}

Result<QueryRows> DuckDbConnection::Query(const std::string& sql, const std::vector<std::string>& parameters) {
  return QueryAsText(sql, [this, &parameters](const std::string& text, std::vector<std::string>* types) {
    return QueryPrepared(text, parameters, types);
  });
}

Result<QueryRows> DuckDbConnection::QueryPrepared(const std::string& sql, const std::vector<std::string>& parameters,
                                                  std::vector<std::string>* types) {
  duckdb_prepared_statement statement = nullptr;
  if (duckdb_prepare(handles_->connection, sql.c_str(), &statement) != DuckDBSuccess) {
    Status s = UserError("sql", duckdb_prepare_error(statement) != nullptr ? duckdb_prepare_error(statement)
                                                                           : "cannot prepare the statement");
    duckdb_destroy_prepare(&statement);
    return s;
  }
  for (size_t i = 0; i < parameters.size(); ++i) {
    if (duckdb_bind_varchar_length(statement, i + 1, parameters[i].data(), parameters[i].size()) != DuckDBSuccess) {
      duckdb_destroy_prepare(&statement);
      return UserError("sql", "cannot bind parameter " + std::to_string(i + 1) + " of the statement");
    }
  }
  duckdb_result result;
  duckdb_state state = duckdb_execute_prepared(statement, &result);
  duckdb_destroy_prepare(&statement);
  if (state != DuckDBSuccess) {
    Status s = QueryError(&result);
    duckdb_destroy_result(&result);
    return s;
  }
  return TakeRows(result, types);
}

Result<std::optional<std::string>> DuckDbConnection::QueryValue(const std::string& sql) {
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, Query(sql));
  if (rows.rows.empty() || rows.columns.empty()) return std::optional<std::string>();
  return rows.rows[0][0];
}

void DuckDbConnection::Interrupt() { duckdb_interrupt(handles_->connection); }

Result<std::unique_lock<std::timed_mutex>> DuckDbConnection::LockForWrite(const CancelToken& cancel,
                                                                         TimePoint deadline) {
  if (writer_ == nullptr) writer_ = std::make_shared<std::timed_mutex>();  // a private database
  std::unique_lock<std::timed_mutex> lock(*writer_, std::defer_lock);
  while (!lock.try_lock_for(std::chrono::milliseconds(20))) {
    if (cancel.cancelled()) return Cancelled("stopped while waiting for the database's writer");
    if (std::chrono::system_clock::now() >= deadline) {
      return Fault("timeout", "timed out waiting for another task writing the same database");
    }
  }
  return lock;
}

Status DuckDbConnection::ExecuteUntil(const std::string& sql, const CancelToken& cancel, TimePoint deadline) {
  DuckDbInterruptWatch watch(*this, cancel, deadline);
  Status status = Execute(sql);
  Status interrupted = watch.Interrupted();
  // A statement that finished just before the watch fired keeps its result.
  bool stopped = !status.ok() && status.kind() == ErrorKind::kCancelled && !interrupted.ok();
  return stopped ? interrupted : status;
}

struct DuckDbInterruptWatch::State {
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  std::atomic<int> fired{0};  // 0: not, 1: cancelled, 2: deadline
};

DuckDbInterruptWatch::DuckDbInterruptWatch(DuckDbConnection& db, const CancelToken& cancel, TimePoint deadline)
    : state_(std::make_unique<State>()) {
  watcher_ = std::thread([&db, &cancel, deadline, state = state_.get()] {
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->done) {
      if (cancel.cancelled() || std::chrono::system_clock::now() >= deadline) {
        state->fired = cancel.cancelled() ? 1 : 2;
        db.Interrupt();
        return;
      }
      state->done_cv.wait_for(lock, std::chrono::milliseconds(20));
    }
  });
}

DuckDbInterruptWatch::~DuckDbInterruptWatch() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->done = true;
  }
  state_->done_cv.notify_all();
  watcher_.join();
}

Status DuckDbInterruptWatch::Interrupted() const {
  switch (state_->fired.load()) {
    case 1: return Cancelled("query interrupted: the task was stopped");
    case 2: return Fault("timeout", "query interrupted at the task's timeout");
    default: return OkStatus();
  }
}

struct DuckDbAppender::Handle {
  duckdb_appender appender = nullptr;
  ~Handle() {
    if (appender != nullptr) duckdb_appender_destroy(&appender);
  }
  Status Check(duckdb_state state) {
    if (state == DuckDBSuccess) return OkStatus();
    const char* message = duckdb_appender_error(appender);
    return UserError("duckdb-append", message != nullptr ? message : "append failed");
  }
};

DuckDbAppender::DuckDbAppender(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
DuckDbAppender::~DuckDbAppender() = default;

Status DuckDbAppender::AppendNull() { return handle_->Check(duckdb_append_null(handle_->appender)); }
Status DuckDbAppender::AppendBool(bool v) { return handle_->Check(duckdb_append_bool(handle_->appender, v)); }
Status DuckDbAppender::AppendInt64(int64_t v) { return handle_->Check(duckdb_append_int64(handle_->appender, v)); }
Status DuckDbAppender::AppendDouble(double v) { return handle_->Check(duckdb_append_double(handle_->appender, v)); }
Status DuckDbAppender::AppendText(std::string_view v) {
  return handle_->Check(duckdb_append_varchar_length(handle_->appender, v.data(), v.size()));
}
Status DuckDbAppender::EndRow() { return handle_->Check(duckdb_appender_end_row(handle_->appender)); }
Status DuckDbAppender::Close() { return handle_->Check(duckdb_appender_close(handle_->appender)); }

Result<std::unique_ptr<DuckDbAppender>> DuckDbConnection::Appender(const std::string& schema, const std::string& table) {
  auto handle = std::make_unique<DuckDbAppender::Handle>();
  if (duckdb_appender_create(handles_->connection, schema.empty() ? nullptr : schema.c_str(), table.c_str(),
                             &handle->appender) != DuckDBSuccess) {
    const char* message = handle->appender != nullptr ? duckdb_appender_error(handle->appender) : nullptr;
    return UserError("duckdb-append", std::string("cannot append to ") + table + ": " +
                                          (message != nullptr ? message : "unknown error"));
  }
  return std::unique_ptr<DuckDbAppender>(new DuckDbAppender(std::move(handle)));
}

// One chunk being filled; its data and validity pointers are fetched again
// after every reset, as DuckDB may move them.
struct DuckDbChunkAppender::Handle {
  duckdb_appender appender = nullptr;
  duckdb_data_chunk chunk = nullptr;
  std::vector<DuckDbColumnType> types;
  std::vector<duckdb_vector> vectors;
  std::vector<void*> data;
  std::vector<uint64_t*> validity;
  std::vector<bool> set;  // columns given a value in the current row
  idx_t row = 0;          // the current row's index in the chunk
  idx_t capacity = duckdb_vector_size();
  bool closed = false;

  ~Handle() {
    if (chunk != nullptr) duckdb_destroy_data_chunk(&chunk);
    if (appender != nullptr) duckdb_appender_destroy(&appender);
  }

  void Bind() {
    for (size_t c = 0; c < types.size(); ++c) {
      vectors[c] = duckdb_data_chunk_get_vector(chunk, c);
      data[c] = duckdb_vector_get_data(vectors[c]);
      duckdb_vector_ensure_validity_writable(vectors[c]);
      validity[c] = duckdb_vector_get_validity(vectors[c]);
    }
  }

  Status Flush() {
    if (row == 0) return OkStatus();
    duckdb_data_chunk_set_size(chunk, row);
    duckdb_state state = duckdb_append_data_chunk(appender, chunk);
    row = 0;
    duckdb_data_chunk_reset(chunk);
    Bind();
    if (state == DuckDBSuccess) return OkStatus();
    const char* message = duckdb_appender_error(appender);
    return UserError("duckdb-append", message != nullptr ? message : "append failed");
  }

  void Mark(size_t column, DuckDbColumnType type) {
    WEIR_CHECK(column < types.size() && types[column] == type);
    set[column] = true;
  }
};

DuckDbChunkAppender::DuckDbChunkAppender(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
DuckDbChunkAppender::~DuckDbChunkAppender() = default;

void DuckDbChunkAppender::SetInt64(size_t column, int64_t value) {
  handle_->Mark(column, DuckDbColumnType::kBigint);
  static_cast<int64_t*>(handle_->data[column])[handle_->row] = value;
}

void DuckDbChunkAppender::SetDouble(size_t column, double value) {
  handle_->Mark(column, DuckDbColumnType::kDouble);
  static_cast<double*>(handle_->data[column])[handle_->row] = value;
}

void DuckDbChunkAppender::SetBool(size_t column, bool value) {
  handle_->Mark(column, DuckDbColumnType::kBoolean);
  static_cast<bool*>(handle_->data[column])[handle_->row] = value;
}

void DuckDbChunkAppender::SetText(size_t column, std::string_view value) {
  handle_->Mark(column, DuckDbColumnType::kVarchar);
  duckdb_vector_assign_string_element_len(handle_->vectors[column], handle_->row, value.data(), value.size());
}

Status DuckDbChunkAppender::EndRow() {
  Handle& h = *handle_;
  for (size_t c = 0; c < h.types.size(); ++c) {
    if (!h.set[c]) duckdb_validity_set_row_invalid(h.validity[c], h.row);
    h.set[c] = false;
  }
  if (++h.row == h.capacity) return h.Flush();
  return OkStatus();
}

Status DuckDbChunkAppender::Close() {
  if (handle_->closed) return OkStatus();
  handle_->closed = true;
  WEIR_TRY(handle_->Flush());
  if (duckdb_appender_close(handle_->appender) == DuckDBSuccess) return OkStatus();
  const char* message = duckdb_appender_error(handle_->appender);
  return UserError("duckdb-append", message != nullptr ? message : "append failed");
}

Result<std::unique_ptr<DuckDbChunkAppender>> DuckDbConnection::ChunkAppender(const std::string& schema,
                                                                            const std::string& table,
                                                                            const std::vector<DuckDbColumnType>& types) {
  auto handle = std::make_unique<DuckDbChunkAppender::Handle>();
  if (duckdb_appender_create(handles_->connection, schema.empty() ? nullptr : schema.c_str(), table.c_str(),
                             &handle->appender) != DuckDBSuccess) {
    const char* message = handle->appender != nullptr ? duckdb_appender_error(handle->appender) : nullptr;
    return UserError("duckdb-append", std::string("cannot append to ") + table + ": " +
                                          (message != nullptr ? message : "unknown error"));
  }
  if (static_cast<size_t>(duckdb_appender_column_count(handle->appender)) != types.size()) {
    return UserError("duckdb-append", "cannot append to " + table + ": it has " +
                                          std::to_string(duckdb_appender_column_count(handle->appender)) +
                                          " columns, the rows have " + std::to_string(types.size()));
  }
  std::vector<duckdb_logical_type> logical;
  for (DuckDbColumnType type : types) {
    switch (type) {
      case DuckDbColumnType::kBigint: logical.push_back(duckdb_create_logical_type(DUCKDB_TYPE_BIGINT)); break;
      case DuckDbColumnType::kDouble: logical.push_back(duckdb_create_logical_type(DUCKDB_TYPE_DOUBLE)); break;
      case DuckDbColumnType::kBoolean: logical.push_back(duckdb_create_logical_type(DUCKDB_TYPE_BOOLEAN)); break;
      case DuckDbColumnType::kVarchar: logical.push_back(duckdb_create_logical_type(DUCKDB_TYPE_VARCHAR)); break;
    }
  }
  handle->chunk = duckdb_create_data_chunk(logical.data(), logical.size());
  for (duckdb_logical_type& t : logical) duckdb_destroy_logical_type(&t);
  if (handle->chunk == nullptr) return InternalError("duckdb_create_data_chunk failed");
  handle->types = types;
  handle->vectors.resize(types.size());
  handle->data.resize(types.size());
  handle->validity.resize(types.size());
  handle->set.assign(types.size(), false);
  handle->Bind();
  return std::unique_ptr<DuckDbChunkAppender>(new DuckDbChunkAppender(std::move(handle)));
}

struct DuckDbConnector::Cache {
  duckdb_instance_cache cache = duckdb_create_instance_cache();
  ~Cache() { duckdb_destroy_instance_cache(&cache); }
};

DuckDbConnector::DuckDbConnector(DuckDbOptions options)
    : options_(std::move(options)), cache_(std::make_unique<Cache>()) {}
DuckDbConnector::~DuckDbConnector() = default;

Result<std::unique_ptr<DuckDbConnection>> DuckDbConnector::Connect(const std::string& path, bool read_only) {
  auto deadline = std::chrono::steady_clock::now() + options_.lock_timeout;
  auto pause = std::chrono::milliseconds(20);
  for (;;) {
    auto handles = std::make_unique<DuckDbConnection::Handles>();
    duckdb_config config = nullptr;
    if (duckdb_create_config(&config) != DuckDBSuccess) return InternalError("duckdb_create_config failed");
    duckdb_set_config(config, "autoinstall_known_extensions", "false");
    duckdb_set_config(config, "autoload_known_extensions", "false");
    if (read_only) duckdb_set_config(config, "access_mode", "READ_ONLY");
    if (!options_.memory_limit.empty()) duckdb_set_config(config, "memory_limit", options_.memory_limit.c_str());
    if (options_.threads > 0) duckdb_set_config(config, "threads", std::to_string(options_.threads).c_str());
    char* error = nullptr;
    duckdb_state state = duckdb_get_or_create_from_cache(cache_->cache, path.c_str(), &handles->database, config, &error);
    duckdb_destroy_config(&config);
    if (state == DuckDBSuccess) {
      if (duckdb_connect(handles->database, &handles->connection) != DuckDBSuccess) {
        return Fault("duckdb-connect", "cannot connect to DuckDB database", SourceLocation{path});
      }
      auto connection = std::unique_ptr<DuckDbConnection>(new DuckDbConnection(std::move(handles)));
      MutexLock lock(writers_mu_);
      std::shared_ptr<std::timed_mutex>& writer = writers_[path];
      if (writer == nullptr) writer = std::make_shared<std::timed_mutex>();
      connection->writer_ = writer;
      return connection;
    }
    std::string message = error != nullptr ? error : "unknown error";
    duckdb_free(error);
    if (!IsLockError(message)) {
      return UserError("duckdb-open", "cannot open DuckDB database: " + message, SourceLocation{path});
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Fault("duckdb-locked", "DuckDB database is locked by another process (waited " +
                                        std::to_string(options_.lock_timeout.count() / 1000) + "s): " + message,
                   SourceLocation{path});
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds(500));
  }
}

}  // namespace weir
