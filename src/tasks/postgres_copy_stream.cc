// DuckDB's CSV streamed into a Postgres COPY through a named pipe. DuckDB
// writes the pipe from a second thread (its COPY TO blocks while the pipe
// is full); this thread reads it and sends each piece to the server. The
// pipe holds at most 1 MiB, so neither side ever holds the CSV whole, and
// the server parses the first rows while DuckDB still reads the file.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>

#include "common/text.h"
#include "tasks/internal/load_stream.h"

namespace weir::tasks_internal {
namespace {

using std::chrono::milliseconds;

constexpr size_t kPiece = 1 << 20;
constexpr int kPipeBytes = 1 << 20;  // Linux's default maximum for an unprivileged pipe
constexpr int kPollMs = 100;

// The pipe, with its read end open before DuckDB opens the write end (so
// that DuckDB's open does not wait); closed and removed when done.
class NamedPipe {
 public:
  static Result<std::unique_ptr<NamedPipe>> Make(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    ::unlink(path.c_str());  // a pipe a killed attempt left
    if (::mkfifo(path.c_str(), 0600) != 0) {
      return Fault("load-stream", "cannot make the named pipe " + path + ": " + std::strerror(errno));
    }
    auto pipe = std::unique_ptr<NamedPipe>(new NamedPipe(path));
    // Non-blocking: the open returns before DuckDB opens its end, and a
    // read never waits (poll does, with a timeout).
    pipe->fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (pipe->fd_ < 0) return Fault("load-stream", "cannot open the named pipe " + path + ": " + std::strerror(errno));
    ::fcntl(pipe->fd_, F_SETPIPE_SZ, kPipeBytes);  // fewer, larger reads; the default 64 KiB also works
    return pipe;
  }

  ~NamedPipe() {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }

 private:
  explicit NamedPipe(std::string path) : path_(std::move(path)) {}
  std::string path_;
  int fd_ = -1;
};

bool Finished(std::future<Status>& writer, milliseconds wait) {
  return writer.wait_for(wait) == std::future_status::ready;
}

// Sends what DuckDB writes into the pipe until DuckDB is done and the pipe
// empty. After a failed send, DuckDB is interrupted and the rest drained
// (so that its blocked write returns); the send's error is returned.
Status Pump(int fd, std::future<Status>& writer, const CsvCopy& copy) {
  std::string piece(kPiece, '\0');
  Status sent;
  for (;;) {
    bool finished = Finished(writer, milliseconds(0));
    pollfd ready{fd, POLLIN, 0};
    // Before DuckDB opens its end, Linux reports neither data nor a hang-up:
    // the timeout bounds the wait. The read below does not block, so poll
    // only saves spinning; should it fail, a plain wait does the same.
    if (!finished && ::poll(&ready, 1, kPollMs) < 0 && errno != EINTR) Finished(writer, milliseconds(kPollMs));
    ssize_t n = ::read(fd, piece.data(), piece.size());
    if (n > 0) {
      if (!sent.ok()) continue;
      sent = copy.pg.WriteCopyData(std::string_view(piece.data(), static_cast<size_t>(n)));
      if (!sent.ok()) copy.compute.Interrupt();
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    // Empty: no writer (0) or no data yet (EAGAIN). DuckDB closes its end
    // before its statement returns, so once it has returned nothing more comes.
    if (finished) return sent;
    if (n == 0) Finished(writer, milliseconds(10));  // not opened yet, or closing: wait for it, not spin
  }
}

}  // namespace

Result<int64_t> CopyQueryIntoPostgres(const CsvCopy& copy) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<NamedPipe> pipe, NamedPipe::Make(copy.pipe_path));
  WEIR_TRY(copy.pg.StartCopyIn(copy.copy_sql));
  std::string sql = "COPY (" + copy.select_sql + ") TO " + SqlString(copy.pipe_path) + " (FORMAT csv, HEADER false)";
  std::future<Status> writer = std::async(std::launch::async, [&copy, sql] {
    return copy.compute.ExecuteUntil(sql, copy.cancel, copy.deadline);
  });
  Status sent = Pump(pipe->fd(), writer, copy);
  Status written = writer.get();
  // A failed send ended the COPY already; DuckDB failed then only because it was stopped.
  WEIR_TRY(sent);
  Result<int64_t> rows = copy.pg.EndCopyIn();  // also when DuckDB failed: the connection leaves COPY
  WEIR_TRY(written);
  return rows;
}

}  // namespace weir::tasks_internal
