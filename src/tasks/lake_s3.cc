// The S3 lake: outputs written locally, then uploaded whole; inputs read
// through a local cache of objects keyed by key and ETag (lake.h).
#include <filesystem>
#include <set>

#include "common/clock.h"
#include "tasks/internal/lake.h"

namespace weir::tasks_internal {
namespace {
namespace fs = std::filesystem;

ObjectStoreAddressing AddressingOf(const std::string& name) {
  if (name == "path") return ObjectStoreAddressing::kPathStyle;
  if (name == "virtual") return ObjectStoreAddressing::kVirtualHost;
  return ObjectStoreAddressing::kAuto;
}

// An ETag as a file name: S3's are hex digits and maybe "-PARTS".
std::string FileNameOf(std::string_view etag) {
  std::string name;
  for (char c : etag) {
    bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    name += plain ? c : '_';
  }
  return name;
}

Status LocalError(std::string_view doing, const std::string& path, const std::error_code& error) {
  return Fault("lake-write", "cannot " + std::string(doing) + " '" + path + "': " + error.message());
}

class S3Lake final : public Lake {
 public:
  explicit S3Lake(S3LakeSettings settings) : s_(std::move(settings)) {}
  ~S3Lake() override {
    std::error_code ignored;
    fs::remove_all(s_.staging, ignored);
  }

  std::string Name(const std::string& relative) const override { return LakeTemplateValue(s_.project) + relative; }

  Result<LakeOutput> Output(const std::string& relative) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(relative));
    std::string path = (fs::path(s_.staging) / "out" / normal).string();
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    if (ec) return LocalError("create the folder of", path, ec);
    return LakeOutput{normal, path};
  }

  Status Publish(const LakeOutput& output) override {
    WEIR_ASSIGN_OR_RETURN(ObjectStore * store, Store());
    WEIR_TRY(store->PutObject(Key(output.relative), output.path, s_.cancel, s_.deadline));
    std::error_code ignored;
    fs::remove(output.path, ignored);
    return OkStatus();
  }

  Result<std::string> Input(const std::string& relative, std::string_view what, const SourceLocation& where) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(relative));
    WEIR_ASSIGN_OR_RETURN(ObjectStore * store, Store());
    Result<ObjectInfo> head = store->HeadObject(Key(normal), s_.cancel, s_.deadline);
    if (!head.ok() && head.status().code() == "s3-not-found") {
      return UserError("input-missing", std::string(what) + " does not exist: " + relative + " (" + Name(normal) + ")",
                       where);
    }
    WEIR_TRY(head.status());
    head->key = Key(normal);
    return Stage(*head, normal);
  }

  Result<std::string> Inputs(const std::string& pattern, const SourceLocation& where) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(pattern));
    if (!HasGlob(normal)) return Input(normal, "the lake file", where);
    int64_t staged = 0;
    WEIR_TRY(ForEachObject(GlobLiteralPrefix(normal), [&](const ObjectInfo& object, const std::string& relative) {
      if (!GlobMatches(normal, relative)) return OkStatus();
      ++staged;
      return Stage(object, relative).status();
    }));
    if (staged == 0) {
      return UserError("input-missing", "nothing in the lake matches '" + pattern + "' (" + Name(normal) + ")", where);
    }
    return (fs::path(InputRoot()) / normal).string();
  }

  std::string InputRoot() const override { return (fs::path(s_.staging) / "in").string(); }

  Result<std::vector<std::string>> Matches(const std::string& pattern) override {
    WEIR_ASSIGN_OR_RETURN(std::string normal, NormalLakePath(pattern));
    std::set<std::string> matches;
    WEIR_TRY(ForEachObject(GlobLiteralPrefix(normal), [&](const ObjectInfo&, const std::string& relative) {
      // The file itself, or the folder (a leading part of its path) it is in.
      for (size_t end = relative.find('/');; end = relative.find('/', end + 1)) {
        std::string path = relative.substr(0, end);
        if (GlobMatches(normal, path)) {
          matches.insert(path);
          break;
        }
        if (end == std::string::npos) break;
      }
      return OkStatus();
    }));
    return std::vector<std::string>(matches.begin(), matches.end());
  }

 private:
  using ObjectVisitor = std::function<Status(const ObjectInfo& object, const std::string& relative)>;

  std::string Key(const std::string& normal) const {
    return s_.uri.prefix.empty() ? normal : s_.uri.prefix + "/" + normal;
  }

  // The store, opened on first use: a project whose tasks never touch the
  // lake needs no credentials.
  Result<ObjectStore*> Store() {
    if (store_) return store_.get();
    const LakeOptions& settings = s_.project.lake_options;
    const Environment& env = s_.services.environment;
    ObjectStoreOptions options;
    options.bucket = s_.uri.bucket;
    options.addressing = AddressingOf(settings.addressing);
    if (settings.part_size > 0) options.part_size = settings.part_size;
    WEIR_ASSIGN_OR_RETURN(options.endpoint, Setting(settings.endpoint, {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}));
    WEIR_ASSIGN_OR_RETURN(std::string region, Setting(settings.region, {"AWS_REGION", "AWS_DEFAULT_REGION"}));
    if (!region.empty()) options.region = region;
    Clock& clock = s_.services.clock != nullptr ? *s_.services.clock : system_clock_;
    Result<std::unique_ptr<ObjectStore>> store = ObjectStore::Open(std::move(options), env, clock);
    if (!store.ok()) return store.status().WithContext("lake " + s_.project.lake);
    store_ = std::move(*store);
    return store_.get();
  }

  // A lake_options value (a template), else the first variable set.
  Result<std::string> Setting(const std::string& written, std::initializer_list<const char*> variables) {
    if (!written.empty()) {
      if (!HasTemplateSyntax(written)) return written;
      return RenderTemplate(written, s_.project.lake_options.where,
                            MakeProjectTemplateContext(s_.project, s_.services));
    }
    for (const char* name : variables) {
      std::optional<std::string> value = s_.services.environment.Get(name);
      if (value && !value->empty()) return *value;
    }
    return std::string();
  }

  // Every object under the lake path `relative_prefix`, a page at a time.
  Status ForEachObject(const std::string& relative_prefix, const ObjectVisitor& visit) {
    WEIR_ASSIGN_OR_RETURN(ObjectStore * store, Store());
    std::string root = s_.uri.prefix.empty() ? "" : s_.uri.prefix + "/";
    return store->ListObjectPages(
        root + relative_prefix,
        [&](const std::vector<ObjectInfo>& page) {
          for (const ObjectInfo& object : page) {
            if (object.key.empty() || object.key.back() == '/') continue;  // a "folder" marker
            WEIR_TRY(visit(object, object.key.substr(root.size())));
          }
          return OkStatus();
        },
        s_.cancel, s_.deadline);
  }

  // The object in the cache (downloaded unless its copy is current), linked
  // into the attempt's input folder at its lake path.
  Result<std::string> Stage(const ObjectInfo& object, const std::string& relative) {
    fs::path folder = fs::path(s_.project.Resolve(".weir/lake-cache")) / s_.uri.bucket / object.key;
    std::string version = "@" + FileNameOf(object.etag) + fs::path(object.key).extension().string();
    std::string cached = (folder / version).string();
    std::string staged = (fs::path(InputRoot()) / relative).string();
    std::error_code ec;
    fs::create_directories(fs::path(staged).parent_path(), ec);
    if (ec) return LocalError("create the folder of", staged, ec);
    // Twice at most: another attempt may replace the cached copy between
    // the download and the link.
    for (int tries = 0;; ++tries) {
      if (object.etag.empty() || tries > 0 || !fs::exists(cached, ec)) {
        WEIR_ASSIGN_OR_RETURN(ObjectStore * store, Store());
        WEIR_TRY(store->GetObject(object.key, cached, s_.cancel, s_.deadline));
        RemoveOtherVersions(folder, cached);
      }
      fs::remove(staged, ec);
      fs::create_hard_link(cached, staged, ec);
      if (ec && ec != std::errc::no_such_file_or_directory) fs::copy_file(cached, staged, ec);  // another filesystem
      if (!ec) return staged;
      if (tries > 0) return LocalError("stage a lake file at", staged, ec);
    }
  }

  // Copies of earlier versions of the object, left by downloads that ended.
  static void RemoveOtherVersions(const fs::path& folder, const std::string& current) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
      std::string name = it->path().filename().string();
      bool version = name.rfind('@', 0) == 0 && name.find(".download-") == std::string::npos;
      std::error_code ignored;
      if (version && it->path() != fs::path(current) && it->is_regular_file(ignored)) fs::remove(it->path(), ignored);
    }
  }

  S3LakeSettings s_;
  SystemClock system_clock_;  // when the services have no clock
  std::unique_ptr<ObjectStore> store_;
};

}  // namespace

std::unique_ptr<Lake> NewS3Lake(S3LakeSettings settings) { return std::make_unique<S3Lake>(std::move(settings)); }

}  // namespace weir::tasks_internal
