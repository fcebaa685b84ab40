// Local files for the object store, read and written a piece at a time:
// uploads read ranges with pread (parts of one file go up at once), and
// downloads go to a temporary file renamed into place when complete.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "connectors/internal/s3_client.h"

namespace weir::s3 {
namespace {

Status LocalFileError(std::string_view doing, const std::string& path, int error) {
  std::string message = "cannot " + std::string(doing) + " '" + path + "': " + std::strerror(error);
  if (error == ENOENT || error == EACCES || error == EISDIR || error == ENOTDIR || error == ENOSPC) {
    return UserError("s3-local-file", message);
  }
  return Fault("s3-local-file", message);
}

}  // namespace

Result<std::shared_ptr<ReadableFile>> ReadableFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return LocalFileError("read", path, errno);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    int error = S_ISDIR(info.st_mode) ? EISDIR : errno;
    ::close(fd);
    return LocalFileError("read", path, error);
  }
  return std::shared_ptr<ReadableFile>(new ReadableFile(path, fd, static_cast<uint64_t>(info.st_size)));
}

ReadableFile::~ReadableFile() { ::close(fd_); }

HttpBodySource ReadableFile::Range(uint64_t offset, uint64_t length) const {
  uint64_t end = offset + length;
  return [this, offset, end](char* buffer, size_t capacity) mutable -> Result<size_t> {
    size_t wanted = static_cast<size_t>(std::min<uint64_t>(capacity, end - offset));
    if (wanted == 0) return size_t{0};
    ssize_t n;
    do {
      n = ::pread(fd_, buffer, wanted, static_cast<off_t>(offset));
    } while (n < 0 && errno == EINTR);
    if (n < 0) return LocalFileError("read", path_, errno);
    if (n == 0) return UserError("s3-local-file", "the file '" + path_ + "' shrank while it was being uploaded");
    offset += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  };
}

Result<std::unique_ptr<DownloadFile>> DownloadFile::Create(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code error;
    std::filesystem::create_directories(parent, error);
    if (error) return LocalFileError("create the folder of", path, error.value());
  }
  std::string temporary = path + ".download-XXXXXX";
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) return LocalFileError("write", path, errno);
  return std::unique_ptr<DownloadFile>(new DownloadFile(path, std::move(temporary), fd));
}

DownloadFile::~DownloadFile() {
  ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

Status DownloadFile::Begin() {
  // Each try writes the whole object again.
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) != 0) return FileError("write", errno);
  return OkStatus();
}

Status DownloadFile::Write(std::string_view piece) {
  while (!piece.empty()) {
    ssize_t n = ::write(fd_, piece.data(), piece.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return FileError("write", errno);
    piece.remove_prefix(static_cast<size_t>(n));
  }
  return OkStatus();
}

Status DownloadFile::Commit() {
  // mkstemp makes the file 0600; a downloaded file gets the usual mode
  // (the umask cannot be read without changing it for every thread).
  if (::fchmod(fd_, 0644) != 0) return FileError("write", errno);
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) return FileError("write", errno);
  committed_ = true;
  return OkStatus();
}

Status DownloadFile::FileError(std::string_view doing, int error) const {
  return LocalFileError(doing, path_, error);
}

}  // namespace weir::s3
