// weir.yml's `lake:` (a local folder, file://, or s3://bucket/prefix) and
// `lake_options:` (how an S3 lake is reached), checked when the project
// loads so that `weir validate` points at a bad URI or option.
#include <cctype>
#include <limits>

#include "config/internal/fields.h"
#include "config/internal/project_settings.h"
#include "config/internal/template_check.h"
#include "template/template.h"

namespace weir {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t kSmallestPart = 5 * kMiB;        // S3's smallest part but the last
constexpr uint64_t kLargestPart = 5 * 1024 * kMiB;  // and its largest

// S3's rules for new buckets: 3 to 63 lowercase letters, digits, dots and
// hyphens, starting and ending with a letter or digit.
bool IsBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-') return false;
  }
  return alnum(name.front()) && alnum(name.back());
}

std::string_view Trimmed(std::string_view text, char c) {
  while (!text.empty() && text.front() == c) text.remove_prefix(1);
  while (!text.empty() && text.back() == c) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<LakeUri> ParseLakeUri(std::string_view lake) {
  LakeUri uri;
  size_t scheme_end = lake.find("://");
  if (scheme_end == std::string_view::npos) {
    uri.folder = std::string(lake);
    return uri;
  }
  std::string_view scheme = lake.substr(0, scheme_end);
  std::string_view rest = lake.substr(scheme_end + 3);
  if (scheme == "file") {
    uri.folder = std::string(rest);
    if (uri.folder.empty()) return UserError("bad-lake", "lake 'file://' names no folder");
    return uri;
  }
  if (scheme != "s3") {
    return UserError("bad-lake", "lake '" + std::string(lake) + "' is neither a local folder nor an s3:// URI (" +
                                     std::string(scheme) + ":// is not supported)");
  }
  size_t slash = rest.find('/');
  uri.s3 = true;
  uri.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) uri.prefix = std::string(Trimmed(rest.substr(slash + 1), '/'));
  if (!IsBucketName(uri.bucket)) {
    return UserError("bad-lake", "lake '" + std::string(lake) + "': '" + uri.bucket +
                                     "' is not an S3 bucket name (3 to 63 lowercase letters, digits, dots and "
                                     "hyphens): write s3://BUCKET/PREFIX");
  }
  return uri;
}

Result<uint64_t> ParseByteSize(std::string_view text, const SourceLocation& where) {
  auto bad = [&] {
    return UserError("bad-size", "'" + std::string(text) + "' is not a size: write a number of bytes, or one with "
                                                            "a unit such as 16MiB, 8MB or 1GiB", where);
  };
  size_t digits = 0;
  uint64_t number = 0;
  for (; digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])); ++digits) {
    if (number > std::numeric_limits<uint64_t>::max() / 10) return bad();
    number = number * 10 + static_cast<uint64_t>(text[digits] - '0');
  }
  if (digits == 0) return bad();
  std::string unit;
  for (char c : text.substr(digits)) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, uint64_t> kUnits[] = {
      {"", 1},         {"b", 1},           {"kb", 1000},       {"mb", 1000 * 1000}, {"gb", 1000 * 1000 * 1000},
      {"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", uint64_t{1} << 30}};
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    if (number > std::numeric_limits<uint64_t>::max() / scale) return bad();
    return number * scale;
  }
  return bad();
}

namespace config_internal {
namespace {

const std::vector<std::string> kLakeOptionKeys = {"endpoint", "region", "addressing", "part_size"};

// The names weir.yml's templates can use (tasks' MakeProjectTemplateContext).
const std::vector<std::string> kProjectTemplateNames = {"project_dir", "var", "env_var", "secret"};

// An endpoint is a scheme, a host and maybe a port: the store's URL root.
void CheckEndpoint(const ConfigNode& node, std::vector<Status>& errors) {
  const std::string& text = node.scalar();
  if (HasTemplateSyntax(text)) return;  // checked once rendered
  size_t host = text.rfind("http://", 0) == 0 ? 7 : text.rfind("https://", 0) == 0 ? 8 : 0;
  size_t path = host == 0 ? std::string::npos : text.find('/', host);
  if (host == 0 || host == text.size() || (path != std::string::npos && path + 1 != text.size())) {
    errors.push_back(UserError("bad-value", "'endpoint' must be http:// or https:// with a host and maybe a port "
                                            "(http://127.0.0.1:9000), and no path; got '" + text + "'",
                               node.where()));
  }
}

void ReadLakeOptions(const ConfigNode& node, LakeOptions& options, std::vector<Status>& errors) {
  MapFields fields(node, "'lake_options'", kLakeOptionKeys, errors);
  options.where = node.where();
  if (!fields.is_map()) return;
  for (const char* key : {"endpoint", "region"}) {
    std::optional<std::string> text = fields.String(key);
    if (!text) continue;
    CheckTemplateNode(*fields.Get(key), kProjectTemplateNames, errors);
    (std::string_view(key) == "endpoint" ? options.endpoint : options.region) = *text;
  }
  if (const ConfigNode* endpoint = fields.Get("endpoint"); endpoint != nullptr && endpoint->is_scalar()) {
    CheckEndpoint(*endpoint, errors);
  }
  if (auto addressing = fields.Choice("addressing", {"path", "virtual", "auto"})) options.addressing = *addressing;
  const ConfigNode* part_size = fields.Get("part_size");
  if (part_size == nullptr || !part_size->is_scalar()) return;
  Result<uint64_t> bytes = ParseByteSize(part_size->scalar(), part_size->where());
  if (bytes.ok() && (*bytes < kSmallestPart || *bytes > kLargestPart)) {
    bytes = UserError("out-of-range", "'part_size' must be between 5MiB and 5GiB (S3's limits on a part), got '" +
                                          part_size->scalar() + "'", part_size->where());
  }
  fields.Add(bytes.status());
  if (bytes.ok()) options.part_size = *bytes;
}

}  // namespace

void ReadLake(const ConfigNode* lake, const ConfigNode* options, ProjectDef& project, std::vector<Status>& errors) {
  if (lake != nullptr && lake->is_scalar()) {
    project.lake = lake->scalar();
    project.lake_where = lake->where();
  }
  Result<LakeUri> uri = ParseLakeUri(project.lake);
  if (!uri.ok()) errors.push_back(uri.status().At(project.lake_where));
  if (options == nullptr) return;
  if (uri.ok() && !uri->s3) {
    errors.push_back(UserError("bad-lake", "'lake_options' are for an s3:// lake; lake '" + project.lake +
                                               "' is a local folder", options->where()));
    return;
  }
  ReadLakeOptions(*options, project.lake_options, errors);
}

}  // namespace config_internal
}  // namespace weir
