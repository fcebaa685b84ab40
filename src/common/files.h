// Filesystem and environment seams. Config loading and tasks read files and
// variables only through these, so tests can run on an in-memory project.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace weir {

class Filesystem {
 public:
  virtual ~Filesystem() = default;
  virtual Result<std::string> ReadFile(const std::string& path) const = 0;
  // Writes through a temporary file and rename, so readers never see half.
  virtual Status WriteFile(const std::string& path, std::string_view content) = 0;
  // For generated outputs nobody reads while they are written (compiled
  // SQL): leaves a file with the same content alone, else removes it and
  // writes a new one. Replacing or truncating a file makes ext4 flush it to
  // disk (auto_da_alloc), which costs milliseconds a file.
  virtual Status WriteFileInPlace(const std::string& path, std::string_view content) = 0;
  virtual bool Exists(const std::string& path) const = 0;
  virtual bool IsDirectory(const std::string& path) const = 0;
  // Regular files directly in `dir` whose names end with one of `suffixes`,
  // sorted by name; an absent directory lists nothing.
  virtual std::vector<std::string> ListFiles(const std::string& dir,
                                             const std::vector<std::string>& suffixes) const = 0;
  // Directories directly in `dir` (paths, sorted by name); hidden ones
  // (".git") are left out. An absent directory lists nothing.
  virtual std::vector<std::string> ListDirectories(const std::string& dir) const = 0;
  virtual Status CreateDirectories(const std::string& path) = 0;
};

class Environment {
 public:
  virtual ~Environment() = default;
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
};

class LocalFilesystem final : public Filesystem {
 public:
  Result<std::string> ReadFile(const std::string& path) const override;
  Status WriteFile(const std::string& path, std::string_view content) override;
  Status WriteFileInPlace(const std::string& path, std::string_view content) override;
  bool Exists(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::vector<std::string>& suffixes) const override;
  std::vector<std::string> ListDirectories(const std::string& dir) const override;
  Status CreateDirectories(const std::string& path) override;
};

class ProcessEnvironment final : public Environment {
 public:
  std::optional<std::string> Get(const std::string& name) const override;
};

// In-memory filesystem for tests; paths are plain strings ("a/b.yml"),
// directories exist implicitly. Thread-safe.
class FakeFilesystem final : public Filesystem {
 public:
  Result<std::string> ReadFile(const std::string& path) const override;
  Status WriteFile(const std::string& path, std::string_view content) override;
  Status WriteFileInPlace(const std::string& path, std::string_view content) override;
  bool Exists(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  std::vector<std::string> ListFiles(const std::string& dir,
                                     const std::vector<std::string>& suffixes) const override;
  std::vector<std::string> ListDirectories(const std::string& dir) const override;
  Status CreateDirectories(const std::string& path) override;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> files_;
};

class FakeEnvironment final : public Environment {
 public:
  explicit FakeEnvironment(std::map<std::string, std::string> vars = {}) : vars_(std::move(vars)) {}
  std::optional<std::string> Get(const std::string& name) const override;
  void Set(const std::string& name, std::string value) { vars_[name] = std::move(value); }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace weir
