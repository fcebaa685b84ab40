#include "common/files.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace weir {
namespace fs = std::filesystem;

namespace {
bool HasSuffix(std::string_view name, const std::vector<std::string>& suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](const std::string& s) {
    return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
  });
}
}  // namespace

Result<std::string> LocalFilesystem::ReadFile(const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UserError("file-not-found", "cannot read file: " + std::string(std::strerror(errno)),
                     SourceLocation{path});
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

Status LocalFilesystem::WriteFile(const std::string& path, std::string_view content) {
  std::error_code ec;
  fs::path target(path);
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) return Fault("write-failed", "cannot write file", SourceLocation{tmp});
  }
  fs::rename(tmp, target, ec);
  if (ec) return Fault("write-failed", "cannot rename into place: " + ec.message(), SourceLocation{path});
  return OkStatus();
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
