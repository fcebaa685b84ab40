// PostgresConnection: libpq driven in non-blocking mode, so that every
// wait for the server is a poll() of at most 100 ms between checks of the
// caller's cancel token and deadline; either cancels the statement on the
// server (PQcancel) and drains its results before returning, so the
// connection stays usable. Errors carry the server's SQLSTATE: connection
// losses, serialization failures, deadlocks and shutdowns are faults (a
// retry may succeed), the rest user errors.
#include <libpq-fe.h>
#include <poll.h>

#include "connectors/connectors.h"
#include "connectors/internal/postgres_errors.h"

namespace weir {
namespace {

constexpr std::chrono::milliseconds kPollSlice{100};

// Quotes a conninfo value: 'a b' with \ and ' escaped.
std::string ConninfoValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string Conninfo(const PostgresParams& params) {
  std::string info = "host=" + ConninfoValue(params.host) + " port=" + std::to_string(params.port) +
                     " connect_timeout=" + std::to_string(params.connect_timeout_seconds) +
                     " application_name='weir' client_encoding='UTF8'";
  if (!params.user.empty()) info += " user=" + ConninfoValue(params.user);
  if (!params.dbname.empty()) info += " dbname=" + ConninfoValue(params.dbname);
  if (!params.password.empty()) info += " password=" + ConninfoValue(params.password);
  if (!params.sslmode.empty()) info += " sslmode=" + ConninfoValue(params.sslmode);
  return info;
}

// Frees a PGresult when it goes out of scope.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

std::string PostgresParams::Describe() const {
  return (user.empty() ? "" : user + "@") + host + ":" + std::to_string(port) + (dbname.empty() ? "" : "/" + dbname);
}

struct PostgresConnection::Handle {
  PGconn* conn = nullptr;
  std::string described;  // PostgresParams::Describe()
  const CancelToken* cancel = nullptr;
  TimePoint deadline = TimePoint::max();
  std::string copy_sql;           // the COPY running, for its errors
  char* copy_buffer = nullptr;    // the row ReadCopyData gave last
  ~Handle() {
    if (copy_buffer != nullptr) PQfreemem(copy_buffer);
    if (conn != nullptr) PQfinish(conn);
  }

  Status ConnectionError(const std::string& what) const {
    return postgres_internal::ConnectionError(what + " " + described, PQerrorMessage(conn));
  }

  // Why waiting must stop now (Cancelled, or the fault "timeout"), or OK.
  Status Stopped() const {
    if (cancel != nullptr && cancel->cancelled()) return Cancelled("stopped while waiting for postgres " + described);
    if (std::chrono::system_clock::now() >= deadline) {
      return Fault("timeout", "timed out waiting for postgres " + described);
    }
    return OkStatus();
  }

  // Asks the server to cancel the running statement (best effort).
  void CancelStatement() const {
    PGcancel* handle = PQgetCancel(conn);
    if (handle == nullptr) return;
    char error[256];
    PQcancel(handle, error, sizeof error);
    PQfreeCancel(handle);
  }

  // Waits until the socket is readable (or writable), a slice at most.
  void WaitSocket(bool for_write) const {
    pollfd fd{PQsocket(conn), static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
    ::poll(&fd, 1, static_cast<int>(kPollSlice.count()));
  }

  // Waits until a result can be read without blocking. On a stop, cancels
  // the statement, drains its results and returns why it stopped.
  Status AwaitResult() {
    for (;;) {
      if (PQconsumeInput(conn) == 0) return ConnectionError("lost the connection to postgres");
      if (PQisBusy(conn) == 0) return OkStatus();
      Status stopped = Stopped();
      if (!stopped.ok()) {
        CancelStatement();
        Drain();
        return stopped;
      }
      WaitSocket(/*for_write=*/false);
    }
  }

  // Reads and drops every pending result (after a cancel or an error).
  void Drain() {
    for (;;) {
      while (PQisBusy(conn) != 0) {
        if (PQconsumeInput(conn) == 0) return;
        if (PQisBusy(conn) != 0) WaitSocket(false);
      }
      PGresult* r = PQgetResult(conn);
      if (r == nullptr) return;
      ExecStatusType status = PQresultStatus(r);
      PQclear(r);
      if (status == PGRES_COPY_OUT) {
        char* buffer = nullptr;
        while (PQgetCopyData(conn, &buffer, 0) > 0) PQfreemem(buffer);
      } else if (status == PGRES_COPY_IN) {
        PQputCopyEnd(conn, "cancelled");
      }
    }
  }

  // Flushes what PQsend* queued (non-blocking mode may keep some).
  Status Flush() {
    for (;;) {
      int flushed = PQflush(conn);
      if (flushed == 0) return OkStatus();
      if (flushed < 0) return ConnectionError("lost the connection to postgres");
      WEIR_TRY(Stopped());
      WaitSocket(/*for_write=*/true);
    }
  }

  // The results of the statements sent last, checked; the last one kept.
  Result<ResultPtr> Finish(const std::string& sql, ExecStatusType expected) {
    WEIR_TRY(Flush());
    ResultPtr last;
    Status failed;
    for (;;) {
      WEIR_TRY(AwaitResult());
      ResultPtr r(PQgetResult(conn));
      if (r == nullptr) break;
      ExecStatusType status = PQresultStatus(r.get());
      if (status == PGRES_COPY_OUT || status == PGRES_COPY_IN || status == PGRES_COPY_BOTH) {
        if (status == expected) return r;  // the caller reads or writes the data
        Drain();
        return UserError("postgres", "unexpected COPY in a statement sent to postgres");
      }
      if (failed.ok() && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        failed = postgres_internal::StatementError(r.get(), sql);
      }
      last = std::move(r);
    }
    if (!failed.ok()) return failed;
    if (expected == PGRES_COPY_OUT || expected == PGRES_COPY_IN) {
      return UserError("postgres", "the statement sent to postgres is not a COPY of the expected direction");
    }
    return last;
  }
};

PostgresConnection::PostgresConnection(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
PostgresConnection::~PostgresConnection() = default;

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Open(const PostgresParams& params,
                                                                     const CancelToken& cancel, TimePoint deadline) {
  auto handle = std::make_unique<Handle>();
  handle->described = params.Describe();
  handle->cancel = &cancel;
  handle->deadline = deadline;
  handle->conn = PQconnectStart(Conninfo(params).c_str());
  if (handle->conn == nullptr) return InternalError("libpq could not allocate a connection");
  for (;;) {
    PostgresPollingStatusType polled = PQconnectPoll(handle->conn);
    if (polled == PGRES_POLLING_OK) break;
    if (polled == PGRES_POLLING_FAILED) return handle->ConnectionError("cannot connect to postgres");
    WEIR_TRY(handle->Stopped());
    handle->WaitSocket(/*for_write=*/polled == PGRES_POLLING_WRITING);
  }
  if (PQsetnonblocking(handle->conn, 1) != 0) return handle->ConnectionError("cannot set up the connection to");
  // Notices ("schema already exists, skipping") are not errors: libpq would
  // print them to stderr.
  PQsetNoticeProcessor(handle->conn, [](void*, const char*) {}, nullptr);
  auto connection = std::unique_ptr<PostgresConnection>(new PostgresConnection(std::move(handle)));
  // Text forms that DuckDB reads back exactly: instants in UTC, ISO dates,
  // every float digit, intervals as "1 year 2 mons 3 days 04:05:06".
  WEIR_TRY(connection->Execute("SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; "
                               "SET IntervalStyle = 'postgres'; SET bytea_output = 'hex'"));
  connection->SetLimits(nullptr, TimePoint::max());
  return connection;
}

void PostgresConnection::SetLimits(const CancelToken* cancel, TimePoint deadline) {
  handle_->cancel = cancel;
  handle_->deadline = deadline;
}

const std::string& PostgresConnection::described() const { return handle_->described; }

bool PostgresConnection::idle() const {
  return PQstatus(handle_->conn) == CONNECTION_OK && PQtransactionStatus(handle_->conn) == PQTRANS_IDLE;
}

Status PostgresConnection::Execute(const std::string& sql) {
  if (PQsendQuery(handle_->conn, sql.c_str()) == 0) return handle_->ConnectionError("cannot send a statement to");
  return handle_->Finish(sql, PGRES_COMMAND_OK).status();
}

Result<QueryRows> PostgresConnection::Query(const std::string& sql,
                                            const std::vector<std::optional<std::string>>& parameters) {
  std::vector<const char*> values;
  for (const std::optional<std::string>& p : parameters) values.push_back(p ? p->c_str() : nullptr);
  if (PQsendQueryParams(handle_->conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                        nullptr, 0) == 0) {
    return handle_->ConnectionError("cannot send a query to");
  }
  WEIR_ASSIGN_OR_RETURN(ResultPtr r, handle_->Finish(sql, PGRES_TUPLES_OK));
  QueryRows rows;
  if (r == nullptr) return rows;
  int columns = PQnfields(r.get());
  for (int c = 0; c < columns; ++c) {
    rows.columns.emplace_back(PQfname(r.get(), c));
    rows.types.push_back(std::to_string(PQftype(r.get(), c)));
  }
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    std::vector<std::optional<std::string>>& out = rows.rows.emplace_back(columns);
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(r.get(), row, c) == 0) out[c] = std::string(PQgetvalue(r.get(), row, c), PQgetlength(r.get(), row, c));
    }
  }
  return rows;
}

Result<std::vector<PostgresColumn>> PostgresConnection::Describe(const std::string& sql) {
  if (PQsendPrepare(handle_->conn, "", sql.c_str(), 0, nullptr) == 0) {
    return handle_->ConnectionError("cannot send a query to");
  }
  WEIR_TRY(handle_->Finish(sql, PGRES_COMMAND_OK).status());
  if (PQsendDescribePrepared(handle_->conn, "") == 0) return handle_->ConnectionError("cannot send a query to");
  WEIR_ASSIGN_OR_RETURN(ResultPtr r, handle_->Finish(sql, PGRES_COMMAND_OK));
  std::vector<PostgresColumn> columns;
  if (r == nullptr) return columns;
  for (int c = 0; c < PQnfields(r.get()); ++c) {
    columns.push_back(PostgresColumn{PQfname(r.get(), c), PQftype(r.get(), c), PQfmod(r.get(), c)});
  }
  return columns;
}

Status PostgresConnection::StartCopyOut(const std::string& copy_sql) {
  handle_->copy_sql = copy_sql;
  if (PQsendQuery(handle_->conn, copy_sql.c_str()) == 0) return handle_->ConnectionError("cannot send a COPY to");
  return handle_->Finish(copy_sql, PGRES_COPY_OUT).status();
}

Result<bool> PostgresConnection::ReadCopyData(std::string_view* data) {
  char*& buffer = handle_->copy_buffer;
  if (buffer != nullptr) {
    PQfreemem(buffer);
    buffer = nullptr;
  }
  for (;;) {
    int length = PQgetCopyData(handle_->conn, &buffer, /*async=*/1);
    if (length > 0) {
      *data = std::string_view(buffer, static_cast<size_t>(length));
      return true;
    }
    if (length == -1) break;  // the COPY ended: its result follows
    if (length == -2) return handle_->ConnectionError("lost the connection to postgres");
    Status stopped = handle_->Stopped();
    if (!stopped.ok()) {
      handle_->CancelStatement();
      handle_->Drain();
      return stopped;
    }
    handle_->WaitSocket(/*for_write=*/false);
    if (PQconsumeInput(handle_->conn) == 0) return handle_->ConnectionError("lost the connection to postgres");
  }
  WEIR_TRY(handle_->Finish(handle_->copy_sql, PGRES_COMMAND_OK).status());
  return false;
}

Status PostgresConnection::StartCopyIn(const std::string& copy_sql) {
  handle_->copy_sql = copy_sql;
  if (PQsendQuery(handle_->conn, copy_sql.c_str()) == 0) return handle_->ConnectionError("cannot send a COPY to");
  return handle_->Finish(copy_sql, PGRES_COPY_IN).status();
}

Status PostgresConnection::WriteCopyData(std::string_view data) {
  for (;;) {
    int sent = PQputCopyData(handle_->conn, data.data(), static_cast<int>(data.size()));
    if (sent == -1) return handle_->ConnectionError("lost the connection to postgres");
    // Sent whole before the next piece is taken: a non-blocking libpq grows
    // its buffer with whatever the server has not taken yet, which was most
    // of a load's CSV when the server was the slower side.
    Status stopped = sent == 1 ? handle_->Flush() : handle_->Stopped();  // 0: the send buffer is full
    if (!stopped.ok()) {
      if (stopped.kind() == ErrorKind::kCancelled || stopped.code() == "timeout") {
        PQputCopyEnd(handle_->conn, "stopped");
        handle_->Drain();
      }
      return stopped;
    }
    if (sent == 1) return OkStatus();
    handle_->WaitSocket(/*for_write=*/true);
  }
}

Result<int64_t> PostgresConnection::EndCopyIn() {
  for (;;) {
    int ended = PQputCopyEnd(handle_->conn, nullptr);
    if (ended == 1) break;
    if (ended == -1) return handle_->ConnectionError("lost the connection to postgres");
    WEIR_TRY(handle_->Stopped());
    handle_->WaitSocket(/*for_write=*/true);
  }
  WEIR_ASSIGN_OR_RETURN(ResultPtr r, handle_->Finish(handle_->copy_sql, PGRES_COMMAND_OK));
  const char* tuples = r != nullptr ? PQcmdTuples(r.get()) : "";
  return tuples[0] == '\0' ? int64_t{0} : std::stoll(tuples);
}

}  // namespace weir
