// ObjectStore: the object operations of one bucket, each a call (or a few)
// sent through s3::Client.
#include <algorithm>

#include "common/files.h"
#include "connectors/internal/s3_client.h"

namespace weir {
namespace {

constexpr uint64_t kMinPartSize = uint64_t{5} << 20;  // S3's smallest part but the last
constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;  // and its largest
constexpr size_t kMaxKeyBytes = 1024;

Status CheckKey(std::string_view key) {
  if (key.empty()) return UserError("s3-config", "an S3 object key cannot be empty");
  if (key.size() > kMaxKeyBytes) {
    return UserError("s3-config", "an S3 object key is at most 1024 bytes, not " + std::to_string(key.size()));
  }
  return OkStatus();
}

Status CheckOptions(const ObjectStoreOptions& options) {
  if (options.part_size < kMinPartSize || options.part_size > kMaxPartSize) {
    return UserError("s3-config", "the S3 part size must be between 5 MiB and 5 GiB, not " +
                                      std::to_string(options.part_size) + " bytes");
  }
  if (options.upload_parallelism < 1 || options.upload_parallelism > 16) {
    return UserError("s3-config", "the S3 upload parallelism must be between 1 and 16, not " +
                                      std::to_string(options.upload_parallelism));
  }
  if (options.list_page_size < 1 || options.list_page_size > 1000) {
    return UserError("s3-config", "the S3 list page size must be between 1 and 1000, not " +
                                      std::to_string(options.list_page_size));
  }
  if (options.max_attempts < 1) return UserError("s3-config", "S3 requests need at least one attempt");
  return OkStatus();
}

std::string Unquoted(std::string etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return etag;
}

Result<uint64_t> ParseSize(const std::optional<std::string>& text, std::string_view what) {
  char* end = nullptr;
  if (text && !text->empty()) {
    unsigned long long value = std::strtoull(text->c_str(), &end, 10);
    if (*end == '\0') return static_cast<uint64_t>(value);
  }
  return Fault("s3-bad-response", std::string(what) + " failed: S3 gave no readable object size");
}

// One page of ListObjectsV2's answer.
Status ParseListPage(std::string_view xml, std::string_view what, std::vector<ObjectInfo>& objects,
                     std::optional<std::string>& next_token) {
  for (std::string_view contents : s3::XmlElements(xml, "Contents")) {
    ObjectInfo object;
    std::optional<std::string> key = s3::XmlValue(contents, "Key");
    if (!key) return Fault("s3-bad-response", std::string(what) + " failed: a listed object has no key");
    object.key = std::move(*key);
    WEIR_ASSIGN_OR_RETURN(object.size, ParseSize(s3::XmlValue(contents, "Size"), what));
    object.etag = Unquoted(s3::XmlValue(contents, "ETag").value_or(""));
    object.last_modified = s3::XmlValue(contents, "LastModified").value_or("");
    objects.push_back(std::move(object));
  }
  next_token.reset();
  if (s3::XmlValue(xml, "IsTruncated").value_or("false") == "true") {
    next_token = s3::XmlValue(xml, "NextContinuationToken");
    if (!next_token || next_token->empty()) {
      return Fault("s3-bad-response", std::string(what) + " failed: a truncated page came with no continuation token");
    }
  }
  return OkStatus();
}

}  // namespace

Result<ObjectStoreCredentials> ObjectStoreCredentialsFromEnvironment(const Environment& env) {
  ObjectStoreCredentials credentials;
  credentials.access_key_id = env.Get("AWS_ACCESS_KEY_ID").value_or("");
  credentials.secret_access_key = env.Get("AWS_SECRET_ACCESS_KEY").value_or("");
  credentials.session_token = env.Get("AWS_SESSION_TOKEN").value_or("");
  std::vector<std::string> missing;
  if (credentials.access_key_id.empty()) missing.push_back("AWS_ACCESS_KEY_ID");
  if (credentials.secret_access_key.empty()) missing.push_back("AWS_SECRET_ACCESS_KEY");
  if (!missing.empty()) {
    return UserError("s3-credentials", "no S3 credentials: set " +
                                           (missing.size() == 2 ? missing[0] + " and " + missing[1] : missing[0]) +
                                           " in the environment");
  }
  return credentials;
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(ObjectStoreOptions options, const Environment& env,
                                                       Clock& clock) {
  WEIR_TRY(CheckOptions(options));
  WEIR_ASSIGN_OR_RETURN(s3::Target target, s3::ResolveTarget(options));
  ObjectStoreCredentials credentials;
  if (options.credentials) {
    credentials = *options.credentials;
    if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
      return UserError("s3-credentials", "S3 credentials need both an access key id and a secret access key");
    }
  } else {
    WEIR_ASSIGN_OR_RETURN(credentials, ObjectStoreCredentialsFromEnvironment(env));
  }
  auto client = std::make_unique<s3::Client>(std::move(options), std::move(target), std::move(credentials), clock);
  return std::unique_ptr<ObjectStore>(new ObjectStore(std::move(client)));
}

ObjectStore::ObjectStore(std::unique_ptr<s3::Client> client) : client_(std::move(client)) {}
ObjectStore::~ObjectStore() = default;

Status ObjectStore::PutObject(std::string_view key, const std::string& local_path, const CancelToken& cancel,
                              TimePoint deadline) {
  WEIR_TRY(CheckKey(key));
  WEIR_ASSIGN_OR_RETURN(std::shared_ptr<s3::ReadableFile> file, s3::ReadableFile::Open(local_path));
  if (file->size() > client_->options().part_size) {
    return s3::UploadInParts(*client_, key, std::move(file), cancel, deadline);
  }
  s3::Call call;
  call.method = "PUT";
  call.key = key;
  call.upload_bytes = file->size();
  call.open_upload = [file]() -> Result<HttpBodySource> { return file->Range(0, file->size()); };
  call.what = "uploading to " + s3::ObjectName(client_->options().bucket, key);
  return client_->Send(call, nullptr, cancel, deadline).status();
}

Status ObjectStore::GetObject(std::string_view key, const std::string& local_path, const CancelToken& cancel,
                              TimePoint deadline) {
  WEIR_TRY(CheckKey(key));
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<s3::DownloadFile> file, s3::DownloadFile::Create(local_path));
  s3::Call call;
  call.key = key;
  call.what = "reading " + s3::ObjectName(client_->options().bucket, key);
  WEIR_TRY(client_->Send(call, file.get(), cancel, deadline).status());
  return file->Commit();
}

Result<std::string> ObjectStore::ReadRange(std::string_view key, uint64_t offset, uint64_t length,
                                           const CancelToken& cancel, TimePoint deadline) {
  WEIR_TRY(CheckKey(key));
  if (length == 0) return std::string();
  s3::Call call;
  call.key = key;
  call.headers.emplace_back("Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
  call.accept_status = 416;  // the range starts at or past the end, which holds nothing
  call.what = "reading " + s3::ObjectName(client_->options().bucket, key);
  WEIR_ASSIGN_OR_RETURN(HttpResponse response, client_->Send(call, nullptr, cancel, deadline));
  if (response.status == 416) return std::string();
  // A server that ignores Range sends the whole object (200, not 206).
  if (response.status == 200) return response.body.substr(std::min<uint64_t>(offset, response.body.size()), length);
  return std::move(response.body);
}

Result<ObjectInfo> ObjectStore::HeadObject(std::string_view key, const CancelToken& cancel, TimePoint deadline) {
  WEIR_TRY(CheckKey(key));
  s3::Call call;
  call.method = "HEAD";
  call.key = key;
  call.what = "looking up " + s3::ObjectName(client_->options().bucket, key);
  WEIR_ASSIGN_OR_RETURN(HttpResponse response, client_->Send(call, nullptr, cancel, deadline));
  ObjectInfo object;
  object.key = key;
  WEIR_ASSIGN_OR_RETURN(object.size, ParseSize(response.Header("content-length"), call.what));
  object.etag = Unquoted(response.Header("etag").value_or(""));
  object.last_modified = response.Header("last-modified").value_or("");
  return object;
}

Status ObjectStore::DeleteObject(std::string_view key, const CancelToken& cancel, TimePoint deadline) {
  WEIR_TRY(CheckKey(key));
  s3::Call call;
  call.method = "DELETE";
  call.key = key;
  call.what = "deleting " + s3::ObjectName(client_->options().bucket, key);
  return client_->Send(call, nullptr, cancel, deadline).status();
}

Status ObjectStore::ListObjectPages(std::string_view prefix, const ObjectPageConsumer& on_page,
                                    const CancelToken& cancel, TimePoint deadline) {
  std::optional<std::string> token;
  const std::string what = "listing " + s3::ObjectName(client_->options().bucket, prefix);
  for (;;) {
    s3::Call call;
    call.query = {{"list-type", "2"}, {"max-keys", std::to_string(client_->options().list_page_size)}};
    if (!prefix.empty()) call.query.emplace_back("prefix", std::string(prefix));
    if (token) call.query.emplace_back("continuation-token", *token);
    call.what = what;
    WEIR_ASSIGN_OR_RETURN(HttpResponse response, client_->Send(call, nullptr, cancel, deadline));
    std::vector<ObjectInfo> page;
    std::optional<std::string> next_token;
    WEIR_TRY(ParseListPage(response.body, what, page, next_token));
    if (!page.empty()) WEIR_TRY(on_page(page));
    if (!next_token) return OkStatus();
    if (next_token == token) return Fault("s3-bad-response", what + " failed: the store repeated a continuation token");
    token = std::move(next_token);
  }
}

Result<std::vector<ObjectInfo>> ObjectStore::ListObjects(std::string_view prefix, const CancelToken& cancel,
                                                         TimePoint deadline) {
  std::vector<ObjectInfo> objects;
  auto append = [&objects](const std::vector<ObjectInfo>& page) {
    objects.insert(objects.end(), page.begin(), page.end());
    return OkStatus();
  };
  WEIR_TRY(ListObjectPages(prefix, append, cancel, deadline));
  return objects;
}

}  // namespace weir
