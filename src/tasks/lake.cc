// Opening the lake, the local-folder lake, and lake paths and globs.
#include "tasks/internal/lake.h"

#include <fnmatch.h>
#include <glob.h>

#include <atomic>
#include <filesystem>
#include <unistd.h>

namespace weir::tasks_internal {
namespace {
namespace fs = std::filesystem;

// The folder's own characters match only themselves in a glob pattern.
std::string GlobEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// A file, or a folder with a file somewhere inside (Airflow's FileSensor).
// A file still being written (our temporary names) does not count.
bool HasFile(const std::string& path) {
  std::error_code ec;
  auto is_done_file = [](const fs::path& p, std::error_code& e) {
    return fs::is_regular_file(p, e) && p.filename().string().find(".weir-tmp-") == std::string::npos;
  };
  if (!fs::is_directory(path, ec)) return is_done_file(path, ec);
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (is_done_file(it->path(), ec)) return true;
  }
  return false;
}

// Every existing path `pattern` (a glob: * ? [...]) matches, sorted.
Result<std::vector<std::string>> Glob(const std::string& pattern) {
  glob_t found{};
  int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
  std::vector<std::string> paths;
  if (rc == 0) {
    for (size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  }
  ::globfree(&found);
  if (rc != 0 && rc != GLOB_NOMATCH) return Fault("lake-read", "cannot list the lake's files for '" + pattern + "'");
  return paths;
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

bool MatchParts(const std::vector<std::string_view>& pattern, size_t i, const std::vector<std::string_view>& path,
                size_t j) {
  if (i == pattern.size()) return j == path.size();
  if (pattern[i] == "**") {
    for (size_t k = j; k <= path.size(); ++k) {
      if (MatchParts(pattern, i + 1, path, k)) return true;
    }
    return false;
  }
  if (j == path.size()) return false;
  std::string name_pattern(pattern[i]);
  std::string name(path[j]);
  return ::fnmatch(name_pattern.c_str(), name.c_str(), FNM_PERIOD) == 0 && MatchParts(pattern, i + 1, path, j + 1);
}

// A lake in a folder of this machine: tasks read and write its files.
class LocalLake final : public Lake {
 public:
  LocalLake(std::string root, const Filesystem& files) : root_(std::move(root)), files_(files) {}

  std::string Name(const std::string& relative) const override { return Path(relative); }

  Result<LakeOutput> Output(const std::string& relative) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(relative));
    return LakeOutput{normal, Path(normal)};
  }
  Status Publish(const LakeOutput&) override { return OkStatus(); }

  Result<std::string> Input(const std::string& relative, std::string_view what, const SourceLocation& where) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(relative));
    std::string path = Path(normal);
    if (!files_.Exists(path)) {
      return UserError("input-missing", std::string(what) + " does not exist: " + relative, where);
    }
    return path;
  }
  Result<std::string> Inputs(const std::string& pattern, const SourceLocation&) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(pattern));
    return Path(normal);  // DuckDB's readers expand the glob
  }
  std::string InputRoot() const override { return Path(""); }

  Result<std::vector<std::string>> Matches(const std::string& pattern) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(pattern));
    std::string root = Path("");
    if (root.empty() || root.back() != '/') root += '/';
    WEIR_ASSIGN_OR_RETURN(std::vector<std::string> found, Glob(GlobEscaped(root) + normal));
    std::vector<std::string> matches;
    for (const std::string& path : found) {
      if (HasFile(path)) matches.push_back(path.substr(root.size()));
    }
    return matches;
  }

 private:
  std::string Path(const std::string& normal) const { return (fs::path(root_) / normal).lexically_normal().string(); }

  std::string root_;
  const Filesystem& files_;
};

// A folder of its own under .weir/tmp/ for each lake opened by this process.
std::string StagingFolder(const ProjectDef& project) {
  static std::atomic<int> counter{0};
  return project.Resolve(".weir/tmp/lake-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
}

}  // namespace

bool HasGlob(std::string_view text) { return text.find_first_of("*?[\\") != std::string_view::npos; }

std::string GlobLiteralPrefix(std::string_view pattern) {
  return std::string(pattern.substr(0, pattern.find_first_of("*?[\\")));
}

bool GlobMatches(std::string_view pattern, std::string_view path) {
  return MatchParts(SplitPath(pattern), 0, SplitPath(path), 0);
}

Result<std::string> NormalLakePath(const std::string& relative) {
  fs::path path(relative);
  if (path.is_absolute()) {
    return UserError("bad-lake-path", "lake paths are relative to the lake root, got the absolute path '" +
                                          relative + "'");
  }
  for (const fs::path& part : path) {
    if (part == "..") return UserError("bad-lake-path", "lake paths may not leave the lake ('..'): '" + relative + "'");
  }
  std::string normal = path.lexically_normal().generic_string();
  return normal == "." ? std::string() : normal;
}

std::string LakeTemplateValue(const ProjectDef& project) {
  Result<LakeUri> uri = ParseLakeUri(project.lake);
  if (!uri.ok()) return project.Resolve(project.lake);
  if (!uri->s3) return project.Resolve(uri->folder);
  return "s3://" + uri->bucket + "/" + (uri->prefix.empty() ? "" : uri->prefix + "/");
}

Result<std::unique_ptr<Lake>> OpenLake(const ProjectDef& project, const TaskServices& services,
                                       const CancelToken& cancel, TimePoint deadline) {
  Result<LakeUri> uri = ParseLakeUri(project.lake);
  if (!uri.ok()) return uri.status().At(project.lake_where);
  if (!uri->s3) return std::unique_ptr<Lake>(new LocalLake(project.Resolve(uri->folder), services.files));
  return NewS3Lake(S3LakeSettings{project, std::move(*uri), services, cancel, deadline, StagingFolder(project)});
}

Result<std::unique_ptr<Lake>> OpenLake(const TaskContext& context, const TaskServices& services) {
  return OpenLake(context.project, services, context.cancel, context.deadline);
}

}  // namespace weir::tasks_internal

namespace weir {

Result<std::unique_ptr<LakeFiles>> LakeFiles::Open(const ProjectDef& project, const TaskServices& services) {
  std::unique_ptr<LakeFiles> files(new LakeFiles());
  WEIR_ASSIGN_OR_RETURN(files->lake_, tasks_internal::OpenLake(project, services, files->never_cancelled_,
                                                               TimePoint::max()));
  return files;
}

LakeFiles::~LakeFiles() = default;

std::string LakeFiles::LocalRoot() const { return lake_->InputRoot(); }

Status LakeFiles::Stage(const std::string& pattern, const SourceLocation& where) {
  return lake_->Inputs(pattern, where).status();
}

}  // namespace weir
