// Connectors: the adapters to systems outside Weir. This header is the one
// place the rest of Weir reaches DuckDB (the C API stays in the .cc files).
//
// DuckDbConnector opens DuckDB databases for tasks. A file has one writer
// process at a time (DESIGN.md), so databases are opened per task and
// briefly; inside this process tasks share one database instance per file
// (an instance cache), each with its own connection, and the file is
// released when the last connection closes. A file locked by another process
// is waited for, then reported as a fault (retryable). Extensions are never
// downloaded or auto-loaded: a query that needs a missing one fails at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/cancel.h"
#include "common/mutex.h"
#include "common/clock.h"
#include "common/status.h"

namespace weir {

// A small result, materialised as text (NULL as nullopt). For checks,
// outputs and tests; data itself moves as tables and files, not through this.
struct QueryRows {
  std::vector<std::string> columns;
  std::vector<std::string> types;  // DuckDB type names: "BIGINT", "VARCHAR", ...
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class DuckDbAppender;
class DuckDbChunkAppender;
class DuckDbConnection;

// While alive, interrupts the connection's running statement once `cancel`
// is set or `deadline` passes (DuckDB checks between vectors, so a long
// query stops within milliseconds). For work of several statements that a
// task's timeout or stop must end.
class DuckDbInterruptWatch {
 public:
  DuckDbInterruptWatch(DuckDbConnection& db, const CancelToken& cancel, TimePoint deadline);
  ~DuckDbInterruptWatch();
  DuckDbInterruptWatch(const DuckDbInterruptWatch&) = delete;
  DuckDbInterruptWatch& operator=(const DuckDbInterruptWatch&) = delete;

  // Cancelled, or a Fault "timeout", once the watch has interrupted; else OK.
  Status Interrupted() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
  std::thread watcher_;
};
class DuckDbRowSource;

// Column types a DuckDbChunkAppender writes: BIGINT, DOUBLE, BOOLEAN, VARCHAR.
enum class DuckDbColumnType { kBigint, kDouble, kBoolean, kVarchar };

// One connection. Not thread-safe, except Interrupt().
class DuckDbConnection {
 public:
  ~DuckDbConnection();
  DuckDbConnection(const DuckDbConnection&) = delete;
  DuckDbConnection& operator=(const DuckDbConnection&) = delete;

  // path ":memory:" or empty: a private in-memory database (no cache).
  static Result<std::unique_ptr<DuckDbConnection>> Open(const std::string& path);

  // Runs one or more statements; the last one's result is discarded.
  Status Execute(const std::string& sql);
  // Runs one statement and returns its rows as text.
  Result<QueryRows> Query(const std::string& sql);
  // Runs one statement whose `?` placeholders are bound, in order, to
  // `parameters` as VARCHAR values (a prepared statement: the values are
  // never read as SQL).
  Result<QueryRows> Query(const std::string& sql, const std::vector<std::string>& parameters);
  // Runs one statement and returns the first column of the first row.
  Result<std::optional<std::string>> QueryValue(const std::string& sql);

  // Execute/Query, interrupted (duckdb_interrupt) when `cancel` is set or
  // `deadline` passes; an interrupted query returns Cancelled or a Fault
  // with code "timeout".
  Status ExecuteUntil(const std::string& sql, const CancelToken& cancel, TimePoint deadline);

  // Cancels the statement running on this connection (any thread).
  void Interrupt();

  // DuckDB fails one of two transactions that change the same catalog entry
  // or rows at once, so tasks of this process that write one database take
  // turns: the returned lock is held until it is destroyed. Waits until it
  // is free, `cancel` is set (Cancelled) or `deadline` passes (timeout).
  Result<std::unique_lock<std::timed_mutex>> LockForWrite(const CancelToken& cancel, TimePoint deadline);

  // An appender for `schema.table` (schema "" for main).
  Result<std::unique_ptr<DuckDbAppender>> Appender(const std::string& schema, const std::string& table);
  // A column-wise appender for `schema.table`, whose columns must have
  // exactly `types`, in order (no casts are made).
  Result<std::unique_ptr<DuckDbChunkAppender>> ChunkAppender(const std::string& schema, const std::string& table,
                                                             const std::vector<DuckDbColumnType>& types);

  // Makes `name`() a table function of this connection's database that
  // reads `source`, which must outlive every query that uses it. The scan
  // is not parallel: its calls come from one of DuckDB's threads at a time,
  // in order, and rows keep their order.
  Status RegisterRowSource(const std::string& name, DuckDbRowSource* source);

 private:
  friend class DuckDbConnector;
  struct Handles;
  explicit DuckDbConnection(std::unique_ptr<Handles> handles);
  using RunForRows = std::function<Result<QueryRows>(const std::string& sql, std::vector<std::string>* types)>;
  Result<QueryRows> QueryAsText(const std::string& sql, const RunForRows& run);
  Result<QueryRows> QueryPrepared(const std::string& sql, const std::vector<std::string>& parameters,
                                  std::vector<std::string>* types);
  std::unique_ptr<Handles> handles_;
  std::shared_ptr<std::timed_mutex> writer_;  // shared by connections to one file
};

// Appends rows to a table much faster than INSERT. Values go in column
// order, a row ends with EndRow(); Close() flushes and reports errors.
class DuckDbAppender {
 public:
  ~DuckDbAppender();
  DuckDbAppender(const DuckDbAppender&) = delete;
  DuckDbAppender& operator=(const DuckDbAppender&) = delete;

  Status AppendNull();
  Status AppendBool(bool value);
  Status AppendInt64(int64_t value);
  Status AppendDouble(double value);
  Status AppendText(std::string_view value);
  Status EndRow();
  Status Close();

 private:
  friend class DuckDbConnection;
  struct Handle;
  explicit DuckDbAppender(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// Appends rows a chunk of columns at a time (duckdb_append_data_chunk):
// values are written straight into DuckDB's vectors and every 2048 rows go
// in one call, which is much faster than DuckDbAppender's call per value.
// A row is built with Set* calls by column index (a column not set in a
// row is NULL) and ended with EndRow(); Close() flushes the last chunk.
// Setting a column with the wrong type's call is a bug (WEIR_CHECK). Not
// thread-safe; must not outlive its connection.
class DuckDbChunkAppender {
 public:
  ~DuckDbChunkAppender();
  DuckDbChunkAppender(const DuckDbChunkAppender&) = delete;
  DuckDbChunkAppender& operator=(const DuckDbChunkAppender&) = delete;

  void SetInt64(size_t column, int64_t value);
  void SetDouble(size_t column, double value);
  void SetBool(size_t column, bool value);
  void SetText(size_t column, std::string_view value);
  Status EndRow();
  Status Close();

 private:
  friend class DuckDbConnection;
  struct Handle;
  explicit DuckDbChunkAppender(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// A column of a DuckDbRowSource.
struct DuckDbColumn {
  std::string name;
  DuckDbColumnType type = DuckDbColumnType::kVarchar;
};

// Rows written straight into one of DuckDB's output chunks, for a
// DuckDbRowSource: Set* by column index (a column not set in a row is
// NULL), EndRow() to end a row. Setting a column with the wrong type's call
// is a bug (WEIR_CHECK). Not thread-safe.
class DuckDbChunkWriter {
 public:
  void SetInt64(size_t column, int64_t value);
  void SetDouble(size_t column, double value);
  void SetBool(size_t column, bool value);
  void SetText(size_t column, std::string_view value);
  void EndRow();
  bool full() const { return row_ == capacity_; }
  size_t rows() const { return row_; }

 private:
  friend struct DuckDbRowSourceCalls;  // the table function's callbacks (duckdb_row_source.cc)
  explicit DuckDbChunkWriter(std::vector<DuckDbColumnType> types);
  void Bind(void* chunk);  // a duckdb_data_chunk
  void Mark(size_t column, DuckDbColumnType type);

  std::vector<DuckDbColumnType> types_;
  std::vector<void*> vectors_;  // duckdb_vector
  std::vector<void*> data_;
  std::vector<uint64_t*> validity_;
  std::vector<bool> set_;  // columns given a value in the current row
  size_t row_ = 0;
  size_t capacity_ = 0;
};

// Rows that a query reads as a table function while it runs: DuckDB asks
// for a chunk at a time, so that a COPY of them to a file never holds them
// all (DuckDbConnection::RegisterRowSource).
class DuckDbRowSource {
 public:
  virtual ~DuckDbRowSource() = default;
  // The columns; asked when a query that reads the source starts.
  virtual std::vector<DuckDbColumn> Columns() = 0;
  // Adds rows to `out` until it is full or the rows end (adding none ends
  // them). An error fails the query, with its message.
  virtual Status Fill(DuckDbChunkWriter& out) = 0;
};

struct DuckDbOptions {
  // How long to wait for a file another process holds (default 30 s).
  std::chrono::milliseconds lock_timeout = std::chrono::seconds(30);
  // Memory limit per database, e.g. "4GB"; empty: DuckDB's default (80% of RAM).
  std::string memory_limit;
  // Threads per database; 0: DuckDB's default (all cores).
  int threads = 0;
};

// Thread-safe.
class DuckDbConnector {
 public:
  explicit DuckDbConnector(DuckDbOptions options = {});
  ~DuckDbConnector();
  DuckDbConnector(const DuckDbConnector&) = delete;
  DuckDbConnector& operator=(const DuckDbConnector&) = delete;

  // A connection to the database file at `path` (created if missing unless
  // read_only). Waits for another process's lock up to lock_timeout.
  Result<std::unique_ptr<DuckDbConnection>> Connect(const std::string& path, bool read_only = false);

 private:
  struct Cache;
  DuckDbOptions options_;
  std::unique_ptr<Cache> cache_;
  Mutex writers_mu_;
  std::map<std::string, std::shared_ptr<std::timed_mutex>> writers_ WEIR_GUARDED_BY(writers_mu_);
};

// Postgres (libpq, which only this subsystem links). Settings as weir.yml's
// `connections:` give them; the password comes from a secret or the
// environment and never appears in messages.
struct PostgresParams {
  std::string host = "localhost";
  int port = 5432;
  std::string user;
  std::string dbname;
  std::string password;
  std::string sslmode;  // "": libpq's default (prefer)
  int connect_timeout_seconds = 10;
  // "user@host:port/dbname", for messages.
  std::string Describe() const;
};

// A result column as the server describes it.
struct PostgresColumn {
  std::string name;
  uint32_t type_oid = 0;
  int type_modifier = -1;  // numeric's precision and scale, varchar's length; -1: none
};

// One connection, in UTC with ISO dates (so that values read back exactly).
// Every call waits for the server at most until the deadline SetLimits
// gave, and stops when its cancel token is set, cancelling the statement
// on the server; the connection stays usable. Not thread-safe.
class PostgresConnection {
 public:
  ~PostgresConnection();
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  // `cancel` and `deadline` bound the connecting only.
  static Result<std::unique_ptr<PostgresConnection>> Open(const PostgresParams& params, const CancelToken& cancel,
                                                          TimePoint deadline);
  // Bounds the calls that follow (`cancel` null: no cancel).
  void SetLimits(const CancelToken* cancel, TimePoint deadline);
  const std::string& described() const;
  // Connected, with no transaction open: fit to be reused.
  bool idle() const;

  // One or more statements (the simple query protocol).
  Status Execute(const std::string& sql);
  // One statement with $1.. bound to `parameters` (nullopt: NULL), its rows
  // as text; `types` holds the type OIDs as decimal text.
  Result<QueryRows> Query(const std::string& sql, const std::vector<std::optional<std::string>>& parameters = {});
  // A query's result columns, without running it (errors point into `sql`).
  Result<std::vector<PostgresColumn>> Describe(const std::string& sql);

  // COPY ... TO STDOUT: StartCopyOut sends it, then each ReadCopyData
  // gives the next row (text format: one line, with its newline) until it
  // returns false. `data` stays valid until the next call.
  Status StartCopyOut(const std::string& copy_sql);
  Result<bool> ReadCopyData(std::string_view* data);
  // COPY ... FROM STDIN: rows go through WriteCopyData in any pieces;
  // EndCopyIn finishes it and returns the rows the server took.
  Status StartCopyIn(const std::string& copy_sql);
  Status WriteCopyData(std::string_view data);
  Result<int64_t> EndCopyIn();

 private:
  struct Handle;
  explicit PostgresConnection(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// How one column of a Postgres query reaches DuckDB: the expression COPY
// sends (its text form), and the DuckDB expression over that text.
struct PostgresColumnPlan {
  std::string name;
  std::string postgres_type;  // pg_type's name: "int4", "numeric", "_text", an enum's name
  std::string duckdb_type;    // "INTEGER", "DECIMAL(12,2)", "VARCHAR[]", ...
  std::string postgres_sql;
  std::string duckdb_sql;
};

// A Postgres query's rows as a DuckDbRowSource: COPY (query) TO STDOUT read a
// row at a time (never the whole result), each column as text, and the
// SELECT that casts them to the DuckDB types matching the Postgres ones
// (docs/tasks.md has the table). Unconstrained numeric, enums and types
// DuckDB lacks stay text. The connection must outlive the source.
class PostgresQuerySource final : public DuckDbRowSource {
 public:
  // Describes `query` (errors point into it) and plans its columns.
  static Result<std::unique_ptr<PostgresQuerySource>> Prepare(PostgresConnection& pg, const std::string& query);

  std::vector<DuckDbColumn> Columns() override;
  Status Fill(DuckDbChunkWriter& out) override;

  // The typed SELECT over the source registered as `function_name`.
  std::string SelectSql(const std::string& function_name) const;
  const std::vector<PostgresColumnPlan>& plan() const { return plan_; }
  int64_t rows_read() const { return rows_read_; }
  // The first error Fill met (DuckDB reports it only as text): a lost
  // connection stays a fault, a stop stays Cancelled.
  const Status& error() const { return error_; }

 private:
  explicit PostgresQuerySource(PostgresConnection& pg);
  Status FillRows(DuckDbChunkWriter& out);

  PostgresConnection& pg_;
  std::vector<PostgresColumnPlan> plan_;
  std::string copy_sql_;
  bool started_ = false;
  bool finished_ = false;
  int64_t rows_read_ = 0;
  Status error_;
};

// Kafka (librdkafka, which only this subsystem links).
struct KafkaSettings {
  std::string brokers;  // "host:9092,host2:9092"
  // librdkafka properties as given (security.protocol, sasl.*, ...).
  std::vector<std::pair<std::string, std::string>> properties;
};

struct KafkaMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = -1;
  std::optional<std::string> key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Where a consumer goes on in a partition: the offset of the next message.
struct KafkaPosition {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = 0;
};

// A member of a consumer group; offsets are committed only by Commit.
class KafkaConsumer {
 public:
  struct Handle;
  ~KafkaConsumer();
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;

  // `start`: where a group with no committed offset begins, "earliest" or
  // "latest". A topic starting with '^' is a regex.
  static Result<std::unique_ptr<KafkaConsumer>> Open(const KafkaSettings& settings, const std::string& group,
                                                     const std::vector<std::string>& topics, const std::string& start);
  // Up to `max` messages: waits up to `wait` for the first, then takes
  // what has already arrived.
  Result<std::vector<KafkaMessage>> Poll(size_t max, std::chrono::milliseconds wait);
  // Commits the group's positions (synchronously).
  Status Commit(const std::vector<KafkaPosition>& positions);

  // A member of `group` that subscribes to nothing: Assign() chooses what
  // it reads (a job that recovers its own position does, for exactly-once).
  static Result<std::unique_ptr<KafkaConsumer>> OpenUnsubscribed(const KafkaSettings& settings,
                                                                 const std::string& group, const std::string& start);
  // An Assign() offset: the group's committed offset, else the consumer's start.
  static constexpr int64_t kCommittedOffset = -1000;
  // Reads exactly these partitions, each from its next_offset.
  Status Assign(const std::vector<KafkaPosition>& positions);
  // The group's committed offsets of these partitions (-1 where none).
  Result<std::vector<KafkaPosition>> Committed(std::vector<KafkaPosition> partitions, std::chrono::milliseconds wait);
  // The number of partitions `topic` has (UserError when it does not exist).
  Result<int> PartitionCount(const std::string& topic, std::chrono::milliseconds wait);
  // Per partition this consumer reads: messages after its position (the
  // high watermark less the position; -1 where either is not known yet).
  std::vector<std::pair<KafkaPosition, int64_t>> Lag();

 private:
  explicit KafkaConsumer(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// An idempotent producer (no duplicates from its own retries). Produce
// queues; Flush waits for every queued message and reports the first that
// was not delivered since the producer opened.
class KafkaProducer {
 public:
  struct Handle;
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  static Result<std::unique_ptr<KafkaProducer>> Open(const KafkaSettings& settings);
  // `partition` -1: the partitioner chooses (by key).
  Status Produce(const std::string& topic, const std::optional<std::string>& key, std::string_view value,
                 const std::vector<std::pair<std::string, std::string>>& headers = {}, int32_t partition = -1);
  Status Flush(std::chrono::milliseconds wait);

 private:
  explicit KafkaProducer(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// The partition Java's (and librdkafka's murmur2) partitioner gives `key`.
int32_t KafkaPartitionForKey(std::string_view key, int32_t partitions);

// Moves `group`'s committed offsets on every partition of `topics` to the
// first offset ("earliest"), past the last ("latest"), or to the first
// message at or after `time_ms` (past the last when there is none), as
// kafka-consumer-groups --reset-offsets does. The group must have no
// running member. The count of partitions moved is returned.
Result<int> KafkaResetGroupOffsets(const KafkaSettings& settings, const std::string& group,
                                   const std::vector<std::string>& topics, const std::string& to,
                                   std::optional<int64_t> time_ms, std::chrono::milliseconds wait);

// The last message of each partition of `topic` that has one (read without
// a consumer group), for a job that finds where its output ended.
Result<std::vector<KafkaMessage>> KafkaReadLastMessages(const KafkaSettings& settings, const std::string& topic,
                                                        std::chrono::milliseconds wait);

// librdkafka's mock cluster: the Kafka protocol on loopback, inside this
// process, for tests and benchmarks. Stopped by the destructor.
class KafkaMockCluster {
 public:
  ~KafkaMockCluster();
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  static Result<std::unique_ptr<KafkaMockCluster>> Start(int brokers);
  std::string brokers() const;
  Status CreateTopic(const std::string& topic, int partitions);

 private:
  struct Handle;
  explicit KafkaMockCluster(std::unique_ptr<Handle> handle);
  std::unique_ptr<Handle> handle_;
};

// Gives a request body piece by piece: fills `buffer` with up to
// `capacity` bytes and returns how many (0 at the end). An error stops the
// transfer and is returned by the fetch as it is.
using HttpBodySource = std::function<Result<size_t>(char* buffer, size_t capacity)>;

// HTTP (and file://) requests through libcurl, which only this subsystem
// links. Redirects are followed (http and https only); gzip/deflate bodies
// are decoded; TLS peers are verified.
struct HttpRequest {
  std::string method = "GET";   // GET, POST, PUT, PATCH, DELETE or HEAD
  std::string url;              // http://, https:// or file://
  std::vector<std::pair<std::string, std::string>> headers;  // sent as given, in order
  std::string body;             // sent when non-empty (or when the method is POST, PUT or PATCH)
  // Limit on the whole request; 0: none beyond the caller's deadline.
  std::chrono::milliseconds timeout{0};
  // HTTP basic authentication, when basic_user is set (default: none).
  std::optional<std::string> basic_user;
  std::string basic_password;

  // AWS Signature V4 by libcurl (CURLOPT_AWS_SIGV4) when set. libcurl signs
  // the URL's path and query exactly as given (the caller encodes them and
  // sorts the query), every header in `headers`, and takes the payload hash
  // from an x-amz-content-sha256 header, which the caller must send. Such a
  // request keeps its path as given (no "/../" folding), its body as the
  // server sent it (no gzip decoding) and follows no redirect: each would
  // change or void what was signed.
  struct AwsSignature {
    std::string scope;  // "aws:amz:REGION:SERVICE"
    std::string access_key_id;
    std::string secret_access_key;
  };
  std::optional<AwsSignature> aws_sigv4;
  // A body read piece by piece (a file never held whole): when set, it is
  // sent instead of `body`, `upload_bytes` long (default: none).
  HttpBodySource upload;
  uint64_t upload_bytes = 0;
  // "HOST:PORT" to connect to instead of the URL's host and port, which
  // still name the server in the Host header; for tests that replay
  // requests to other hosts on loopback (CURLOPT_CONNECT_TO). Default: none.
  std::string connect_to;
};

struct HttpResponse {
  int status = 0;  // the final response's status; 200 for a file:// URL that was read
  // The final response's headers, names lower-cased, values trimmed, in order.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  uint64_t body_bytes = 0;  // the body's length, also when it was streamed (and `body` is empty)

  // The first value of header `lower_case_name`, if present.
  std::optional<std::string> Header(std::string_view lower_case_name) const;
  // Retry-After as a delay from `now`: delta-seconds or an HTTP-date (a date
  // in the past gives 0). None if absent or unreadable.
  std::optional<std::chrono::milliseconds> RetryAfter(TimePoint now) const;
};

// Performs one request. Any HTTP status is a response, not an error (the
// caller decides what a 404 means). Errors: UserError "http-bad-url"
// (malformed URL, unsupported scheme), "http-file-missing" (file:// that
// cannot be read), "http-tls" (certificate problems), "http-redirects";
// Fault "http-connection" (refused, reset, DNS, a request timeout) and
// "timeout" when `deadline` passes; Cancelled when `cancel` is set. Messages
// never contain the URL (it may hold secrets): callers add what may be shown.
// Thread-safe: every call uses its own handle.
Result<HttpResponse> HttpFetch(const HttpRequest& request, const CancelToken& cancel, TimePoint deadline);

// `reference` (a link from a response: absolute, or relative such as
// "/items?page=2" or "?page=2") resolved against `base`, the URL it came
// from (RFC 3986), normalised by libcurl. UserError "http-bad-url" when
// either cannot be read. Thread-safe.
Result<std::string> ResolveUrl(const std::string& base, const std::string& reference);

// Takes a response body piece by piece as it arrives; an error stops the transfer.
using HttpBodyConsumer = std::function<Status(std::string_view piece)>;

// HttpFetch, but a 2xx body goes to `on_body` as it arrives instead of into
// HttpResponse::body, so that memory never holds it whole (gzip is decoded
// first; redirects' bodies are not passed on). Another status's body is kept
// as by HttpFetch, up to its first MiB. An error `on_body` returns stops the
// transfer and is returned as it is. Thread-safe; `on_body` is called on the
// calling thread.
Result<HttpResponse> HttpFetchStreaming(const HttpRequest& request, const HttpBodyConsumer& on_body,
                                        const CancelToken& cancel, TimePoint deadline);

// One email through SMTP (libcurl). Plain text, UTF-8.
struct SmtpMessage {
  std::string url;                  // smtp://host:port or smtps://host:port (TLS from the start)
  enum class Tls { kStartTls, kRequired, kNone };
  Tls tls = Tls::kStartTls;         // smtp://: STARTTLS when the server offers it (kRequired: or fail)
  std::optional<std::string> username;  // none (default): no authentication
  std::string password;
  std::string from;                 // "weir@example.com" or "Weir <weir@example.com>"
  std::vector<std::string> to;      // addresses, at least one
  std::string subject;              // one line; line breaks become spaces
  std::string body;
  std::chrono::milliseconds timeout{30000};  // limit on the whole exchange
};

// Sends `message`. Errors: UserError "smtp-bad-url", "smtp-auth" (login
// refused), "smtp-tls" (no STARTTLS where required, or a refused
// certificate), "smtp-rejected" (a 5xx reply to the sender, a recipient or
// the message); Fault "smtp-rejected" for a 4xx reply, "smtp-connection"
// (refused, reset, a timeout), "timeout" when `deadline` passes; Cancelled.
// Messages never contain the URL or the credentials. Thread-safe.
Status SmtpSend(const SmtpMessage& message, const CancelToken& cancel, TimePoint deadline);

// SQL text helpers (no DuckDB needed).
// 'it''s' quoting for string literals and "a""b" for identifiers.
std::string SqlString(std::string_view text);
std::string SqlIdentifier(std::string_view name);
// "analytics.sales" -> "\"analytics\".\"sales\""; one or two parts.
std::string SqlQualifiedName(std::string_view dotted);
// Splits a script into statements on top-level ';' (quotes, dollar quotes
// and comments respected); empty statements are dropped.
std::vector<std::string> SplitSqlStatements(std::string_view script);


// ---------------------------------------------------------------------------
// Object storage: an S3-compatible store (AWS S3, MinIO, s3rver, ...)
// through libcurl, every request signed with AWS Signature V4.
// ---------------------------------------------------------------------------

class Environment;  // common/files.h
namespace s3 {
class Client;  // internal/s3_client.h
}

// Where a bucket is named: in the path (ENDPOINT/BUCKET/KEY, what MinIO and
// s3rver expect) or in the host name (BUCKET.HOST/KEY, AWS's preferred).
enum class ObjectStoreAddressing {
  kAuto,         // virtual host on *.amazonaws.com unless the bucket has a dot (TLS names), else path
  kPathStyle,
  kVirtualHost,
};

struct ObjectStoreCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none (long-term keys)
};

// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (both, or a UserError
// "s3-credentials" naming what is missing), AWS_SESSION_TOKEN when set.
Result<ObjectStoreCredentials> ObjectStoreCredentialsFromEnvironment(const Environment& env);

struct ObjectStoreOptions {
  // "http://127.0.0.1:9000" or "https://s3.eu-west-1.amazonaws.com", with
  // no path. Default (empty): https://s3.REGION.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string bucket;  // required
  ObjectStoreAddressing addressing = ObjectStoreAddressing::kAuto;
  // The keys to sign with. Default (none): from the environment
  // (ObjectStoreCredentialsFromEnvironment).
  std::optional<ObjectStoreCredentials> credentials;
  // Files larger than this go up in parts of this size (default 8 MiB; at
  // least 5 MiB, S3's smallest part; grown when a file would need more
  // than S3's 10,000 parts).
  uint64_t part_size = 8 << 20;
  // Parts uploaded at once (default 2, at most 16).
  int upload_parallelism = 2;
  // Keys asked for per ListObjectsV2 page (default 1000, S3's largest).
  int list_page_size = 1000;
  // Tries per request (default 4): faults (5xx, 503 SlowDown, throttling,
  // refused or reset connections) are tried again after first_retry_delay
  // (default 200 ms), doubled each time up to max_retry_delay (default 5 s)
  // or the server's Retry-After. User errors (403, 404, other 4xx) are not.
  int max_attempts = 4;
  std::chrono::milliseconds first_retry_delay{200};
  std::chrono::milliseconds max_retry_delay{5000};
  // Limit on one request (default 0: none beyond the caller's deadline).
  std::chrono::milliseconds request_timeout{0};

  // For tests that replay AWS's documented requests on loopback only:
  // connect to this "HOST:PORT" instead of the endpoint (default: none),
  // and sign as of this time (sent as X-Amz-Date; libcurl then adds its own
  // X-Amz-Date header with the same value). Default: now.
  std::string connect_to;
  std::optional<TimePoint> signing_time;
};

// An object as HEAD or a listing describes it.
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;           // without its quotes
  std::string last_modified;  // as the store wrote it (ISO-8601 in listings, an HTTP date from HEAD)
};

// One bucket of an S3-compatible store. Files move streamed, never whole
// in memory. Every call takes a cancel token and a deadline (Cancelled, or
// Fault "timeout"). Errors carry S3's own Code and Message and the object's
// s3:// name, never a credential: UserError "s3-not-found" (404),
// "s3-access-denied" (401, 403), "s3-request" (other 4xx), "s3-config";
// Fault "s3-unavailable" (5xx, throttling) and "http-connection" once the
// retries are spent, "s3-bad-response" for a reply that cannot be read.
// Thread-safe: calls may run at once, each with its own connections.
class ObjectStore {
 public:
  // Checks the options and finds the credentials; contacts nothing.
  // `clock` (waits between retries) must outlive the store.
  static Result<std::unique_ptr<ObjectStore>> Open(ObjectStoreOptions options, const Environment& env, Clock& clock);
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Uploads the file at `local_path` as `key`: one PUT up to part_size,
  // else a multipart upload (parts with their ETags, then completed); a
  // failed multipart upload is aborted, so no half object is left.
  Status PutObject(std::string_view key, const std::string& local_path, const CancelToken& cancel,
                   TimePoint deadline);
  // Downloads `key` to `local_path` through a temporary file beside it,
  // renamed on success: `local_path` is never left half written.
  Status GetObject(std::string_view key, const std::string& local_path, const CancelToken& cancel,
                   TimePoint deadline);
  // `length` bytes of `key` from `offset` (fewer at the object's end), in
  // memory: for small reads such as a Parquet footer.
  Result<std::string> ReadRange(std::string_view key, uint64_t offset, uint64_t length, const CancelToken& cancel,
                                TimePoint deadline);
  // Size and ETag; "s3-not-found" when there is no such object.
  Result<ObjectInfo> HeadObject(std::string_view key, const CancelToken& cancel, TimePoint deadline);
  // Deleting a key that does not exist succeeds, as in S3.
  Status DeleteObject(std::string_view key, const CancelToken& cancel, TimePoint deadline);
  // Every object whose key starts with `prefix`, in key order, a page at a
  // time (ListObjectsV2 with continuation tokens): memory holds one page.
  using ObjectPageConsumer = std::function<Status(const std::vector<ObjectInfo>& page)>;
  Status ListObjectPages(std::string_view prefix, const ObjectPageConsumer& on_page, const CancelToken& cancel,
                         TimePoint deadline);
  // ListObjectPages, all pages in one vector.
  Result<std::vector<ObjectInfo>> ListObjects(std::string_view prefix, const CancelToken& cancel, TimePoint deadline);

 private:
  explicit ObjectStore(std::unique_ptr<s3::Client> client);
  std::unique_ptr<s3::Client> client_;
};

}  // namespace weir
