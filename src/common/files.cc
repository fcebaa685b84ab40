#include "common/files.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace weir {
namespace fs = std::filesystem;

namespace {
bool HasSuffix(std::string_view name, const std::vector<std::string>& suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const std::string& s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  });
}
Status WriteError(const std::string& path) {
  return Fault("write-failed", "cannot write file: " + std::string(std::strerror(errno)), SourceLocation{path});
}

// Creates or truncates `path` and writes all of `content` to it.
Status WriteWhole(const std::string& path, std::string_view content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return WriteError(path);
  for (size_t done = 0; done < content.size();) {
    ssize_t wrote = ::write(fd, content.data() + done, content.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      Status error = WriteError(path);
      ::close(fd);
      return error;
    }
    done += static_cast<size_t>(wrote);
  }
  if (::close(fd) != 0) return WriteError(path);
  return OkStatus();
}

}  // namespace

Result<std::string> LocalFilesystem::ReadFile(const std::string& path) const {
  // POSIX calls: a project of 10,000 models reads 10,000 files, and
  // iostreams cost more than the reading.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return UserError("file-not-found", "cannot read file: " + std::string(std::strerror(errno)),
                     SourceLocation{path});
  }
  std::string text;
  struct stat info {};
  if (::fstat(fd, &info) == 0 && info.st_size > 0) text.reserve(static_cast<size_t>(info.st_size));
  char buffer[65536];
  ssize_t got;
  while ((got = ::read(fd, buffer, sizeof buffer)) != 0) {
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      std::string reason = std::strerror(errno);
      ::close(fd);
      return UserError("file-not-found", "cannot read file: " + reason, SourceLocation{path});
    }
    text.append(buffer, static_cast<size_t>(got));
  }
  ::close(fd);
  return text;
}

Status LocalFilesystem::WriteFile(const std::string& path, std::string_view content) {
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  Status written = WriteWhole(tmp, content);
  if (!written.ok()) return written;
  fs::rename(tmp, target, ec);
  if (ec) return Fault("write-failed", "cannot rename into place: " + ec.message(), SourceLocation{path});
  return OkStatus();
}

Status LocalFilesystem::WriteFileInPlace(const std::string& path, std::string_view content) {
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  Result<std::string> existing = ReadFile(path);
  if (existing.ok()) {
    if (*existing == content) return OkStatus();
    fs::remove(target, ec);
  }
  return WriteWhole(path, content);
}

bool LocalFilesystem::Exists(const std::string& path) const {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool LocalFilesystem::IsDirectory(const std::string& path) const {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::vector<std::string> LocalFilesystem::ListFiles(const std::string& dir,
                                                    const std::vector<std::string>& suffixes) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (HasSuffix(name, suffixes)) out.push_back((fs::path(dir) / name).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> LocalFilesystem::ListDirectories(const std::string& dir) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || !it->is_directory(ec)) continue;
    out.push_back((fs::path(dir) / name).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status LocalFilesystem::CreateDirectories(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return Fault("mkdir-failed", "cannot create directory: " + ec.message(), SourceLocation{path});
  return OkStatus();
}

std::optional<std::string> ProcessEnvironment::Get(const std::string& name) const {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

Result<std::string> FakeFilesystem::ReadFile(const std::string& path) const {
  std::lock_guard<std::mutex> guard(mu_);
  auto it = files_.find(path);
  if (it == files_.end()) return UserError("file-not-found", "cannot read file: no such file", SourceLocation{path});
  return it->second;
}

Status FakeFilesystem::WriteFile(const std::string& path, std::string_view content) {
  std::lock_guard<std::mutex> guard(mu_);
  files_[path] = std::string(content);
  return OkStatus();
}

Status FakeFilesystem::WriteFileInPlace(const std::string& path, std::string_view content) {
  return WriteFile(path, content);
}

bool FakeFilesystem::Exists(const std::string& path) const {
  return FakeFilesystem::IsDirectory(path) || [&] {
    std::lock_guard<std::mutex> guard(mu_);
    return files_.count(path) > 0;
  }();
}

bool FakeFilesystem::IsDirectory(const std::string& path) const {
  std::lock_guard<std::mutex> guard(mu_);
  std::string prefix = path.empty() || path.back() == '/' ? path : path + "/";
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && it->first.compare(0, prefix.size(), prefix) == 0;
}

std::vector<std::string> FakeFilesystem::ListFiles(const std::string& dir,
                                                   const std::vector<std::string>& suffixes) const {
  std::lock_guard<std::mutex> guard(mu_);
  std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  std::vector<std::string> out;
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    if (rest.find('/') == std::string_view::npos && HasSuffix(rest, suffixes)) out.push_back(it->first);
  }
  return out;
}

std::vector<std::string> FakeFilesystem::ListDirectories(const std::string& dir) const {
  std::lock_guard<std::mutex> guard(mu_);
  std::string prefix = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  std::vector<std::string> out;
  for (auto it = files_.lower_bound(prefix); it != files_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    std::string_view rest = std::string_view(it->first).substr(prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos || rest[0] == '.') continue;
    std::string sub = prefix + std::string(rest.substr(0, slash));
    if (out.empty() || out.back() != sub) out.push_back(sub);
  }
  return out;
}

Status FakeFilesystem::CreateDirectories(const std::string&) { return OkStatus(); }

std::optional<std::string> FakeEnvironment::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

}  // namespace weir
