// Internals of the object store client (s3_*.cc): how a call becomes a
// signed HTTP request, retries, the answers' XML, and files read and
// written in pieces. Not for use outside src/connectors.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/status.h"
#include "connectors/connectors.h"

namespace weir::s3 {

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

// AWS's URI encoding for Signature V4: the unreserved bytes (A-Z a-z 0-9
// - . _ ~) stay, every other byte becomes %XY (upper-case hex); '/' stays
// too when `keep_slash` (an object key in a path).
std::string UriEncode(std::string_view text, bool keep_slash);

// The query as SigV4 canonicalises it: names and values encoded, pairs
// sorted by name then value, "name=value" joined by '&' (an empty value
// keeps its '='). libcurl 7.88 signs the query as it is given, so this is
// also the query sent.
std::string CanonicalQuery(QueryParameters parameters);

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

// One request to the bucket, before it is addressed and signed.
struct Call {
  std::string method = "GET";
  std::string key;  // empty: the bucket itself
  QueryParameters query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // a small body in memory (XML), signed with its hash
  // A streamed body (a file or part of one), opened afresh for each try.
  std::function<Result<HttpBodySource>()> open_upload;
  uint64_t upload_bytes = 0;
  // CompleteMultipartUpload may answer 200 with an <Error> document.
  bool error_may_come_with_200 = false;
  // A non-2xx status the caller handles itself (default: none).
  int accept_status = 0;
  // What the call does, for messages: "reading s3://bucket/key".
  std::string what;
};

// Takes a streamed response body; Begin() starts each try afresh.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual Status Begin() = 0;
  virtual Status Write(std::string_view piece) = 0;
};

// Validated options with the endpoint taken apart.
struct Target {
  std::string scheme;  // "http" or "https"
  std::string host;    // "127.0.0.1:9000" (with the port when one was given)
  bool virtual_host = false;
};

// The endpoint's scheme and host, and which addressing applies; UserError
// "s3-config" for a bad endpoint, bucket or region.
Result<Target> ResolveTarget(const ObjectStoreOptions& options);

// The signed HttpRequest for `call` (no streamed body attached yet).
HttpRequest SignedRequest(const ObjectStoreOptions& options, const Target& target,
                          const ObjectStoreCredentials& credentials, const Call& call);

// "s3://bucket/key".
std::string ObjectName(std::string_view bucket, std::string_view key);

// S3's <Error> document: its Code and Message (empty when absent).
struct ErrorReply {
  std::string code;
  std::string message;
};
ErrorReply ParseErrorReply(std::string_view body);

// OK for a 2xx status; else the error S3's answer means (see ObjectStore).
Status ResponseError(int status, const ErrorReply& reply, std::string_view what);

// Sends calls with retries. Thread-safe.
class Client {
 public:
  Client(ObjectStoreOptions options, Target target, ObjectStoreCredentials credentials, Clock& clock);

  const ObjectStoreOptions& options() const { return options_; }

  // Sends `call`, trying faults again with backoff up to max_attempts, and
  // returns the successful response. With a `sink`, a 2xx body streams to
  // it instead of into the response.
  Result<HttpResponse> Send(const Call& call, ResponseSink* sink, const CancelToken& cancel, TimePoint deadline);

 private:
  Result<HttpResponse> SendOnce(const Call& call, ResponseSink* sink, const CancelToken& cancel, TimePoint deadline);
  std::chrono::milliseconds RetryDelay(int attempt, const Status& error) const;
  Status WaitBeforeRetry(std::chrono::milliseconds delay, const CancelToken& cancel);

  const ObjectStoreOptions options_;
  const Target target_;
  const ObjectStoreCredentials credentials_;
  Clock& clock_;
};

// --- XML (S3's answers are small documents of known shape) ---

// The raw text inside each <tag>...</tag> (or <tag/>, empty) in `xml`, in
// order; an element of this name must not nest in another of the same name.
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag);
// The first <tag>'s text with entities decoded; none when absent.
std::optional<std::string> XmlValue(std::string_view xml, std::string_view tag);
std::string XmlUnescape(std::string_view text);
std::string XmlEscape(std::string_view text);

// --- Files ---

// A local file open for reading, shared by the parts read from it at once.
class ReadableFile {
 public:
  static Result<std::shared_ptr<ReadableFile>> Open(const std::string& path);
  ~ReadableFile();
  ReadableFile(const ReadableFile&) = delete;
  ReadableFile& operator=(const ReadableFile&) = delete;

  uint64_t size() const { return size_; }
  // A body of `length` bytes from `offset`; a file that turns out shorter
  // is an error (it changed during the upload).
  HttpBodySource Range(uint64_t offset, uint64_t length) const;

 private:
  ReadableFile(std::string path, int fd, uint64_t size) : path_(std::move(path)), fd_(fd), size_(size) {}
  std::string path_;
  int fd_;
  uint64_t size_;
};

// Streams a download into a temporary file beside `path` (its folder made
// if missing), renamed over `path` by Commit(); removed if never committed.
class DownloadFile final : public ResponseSink {
 public:
  static Result<std::unique_ptr<DownloadFile>> Create(const std::string& path);
  ~DownloadFile() override;

  Status Begin() override;
  Status Write(std::string_view piece) override;
  Status Commit();

 private:
  DownloadFile(std::string path, std::string temporary, int fd)
      : path_(std::move(path)), temporary_(std::move(temporary)), fd_(fd) {}
  Status FileError(std::string_view doing, int error) const;

  std::string path_;
  std::string temporary_;
  int fd_;
  bool committed_ = false;
};

// Multipart upload of `file` as `key` (s3_multipart.cc).
Status UploadInParts(Client& client, std::string_view key, std::shared_ptr<ReadableFile> file,
                     const CancelToken& cancel, TimePoint deadline);

}  // namespace weir::s3
