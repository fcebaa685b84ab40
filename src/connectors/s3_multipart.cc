// Multipart upload: initiate, upload the parts (a few at once, each read
// from the file as it goes), complete with the parts' ETags; on any
// failure, abort, so that the store keeps no half object and no parts.
#include <algorithm>
#include <thread>

#include "common/mutex.h"
#include "connectors/internal/s3_client.h"

namespace weir::s3 {
namespace {

constexpr uint64_t kMaxParts = 10000;  // S3's limit
constexpr uint64_t kMiB = uint64_t{1} << 20;
// Aborting gets its own time: it must run even when the upload was
// cancelled or ran out of time.
constexpr std::chrono::seconds kAbortTimeout{30};

// The configured part size, grown (to whole MiB) when the file would need
// more than S3's 10,000 parts.
uint64_t PartSizeFor(uint64_t file_size, uint64_t part_size) {
  uint64_t needed = (file_size + kMaxParts - 1) / kMaxParts;
  if (needed <= part_size) return part_size;
  return (needed + kMiB - 1) / kMiB * kMiB;
}

struct Part {
  int number = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string etag;  // as the store sent it, quotes kept
};

// Which part goes next, shared by the uploading threads; after the first
// error no part starts.
class PartQueue {
 public:
  explicit PartQueue(size_t count) : count_(count) {}

  std::optional<size_t> Next() {
    MutexLock lock(mu_);
    if (!error_.ok() || next_ == count_) return std::nullopt;
    return next_++;
  }
  void Fail(Status error) {
    MutexLock lock(mu_);
    if (error_.ok()) error_ = std::move(error);
  }
  Status error() {
    MutexLock lock(mu_);
    return error_;
  }

 private:
  Mutex mu_;
  const size_t count_;
  size_t next_ WEIR_GUARDED_BY(mu_) = 0;
  Status error_ WEIR_GUARDED_BY(mu_);
};

class MultipartUpload {
 public:
  MultipartUpload(Client& client, std::string_view key, std::shared_ptr<ReadableFile> file)
      : client_(client), key_(key), file_(std::move(file)),
        name_(ObjectName(client.options().bucket, key)) {}

  Status Run(const CancelToken& cancel, TimePoint deadline) {
    SplitIntoParts();
    WEIR_TRY(Initiate(cancel, deadline));
    Status result = UploadParts(cancel, deadline);
    if (result.ok()) result = Complete(cancel, deadline);
    if (!result.ok()) return WithAbort(result);
    return OkStatus();
  }

 private:
  void SplitIntoParts() {
    uint64_t part_size = PartSizeFor(file_->size(), client_.options().part_size);
    for (uint64_t offset = 0; offset < file_->size(); offset += part_size) {
      Part part;
      part.number = static_cast<int>(parts_.size()) + 1;
      part.offset = offset;
      part.length = std::min(part_size, file_->size() - offset);
      parts_.push_back(part);
    }
  }

  Call NewCall(std::string method, std::string what) const {
    Call call;
    call.method = std::move(method);
    call.key = key_;
    call.what = std::move(what) + " " + name_;
    return call;
  }

  Status Initiate(const CancelToken& cancel, TimePoint deadline) {
    Call call = NewCall("POST", "starting a multipart upload to");
    call.query = {{"uploads", ""}};
    // The object gets the Content-Type sent here (libcurl would send a form's).
    call.headers.emplace_back("Content-Type", "application/octet-stream");
    WEIR_ASSIGN_OR_RETURN(HttpResponse response, client_.Send(call, nullptr, cancel, deadline));
    std::optional<std::string> upload_id = XmlValue(response.body, "UploadId");
    if (!upload_id || upload_id->empty()) {
      return Fault("s3-bad-response", call.what + " failed: the store sent no UploadId");
    }
    upload_id_ = std::move(*upload_id);
    return OkStatus();
  }

  // Parts go up from `upload_parallelism` threads (this one included), each
  // taking the next part until none is left or one has failed.
  Status UploadParts(const CancelToken& cancel, TimePoint deadline) {
    PartQueue queue(parts_.size());
    auto work = [&] {
      while (std::optional<size_t> index = queue.Next()) {
        Status status = UploadPart(parts_[*index], cancel, deadline);
        if (!status.ok()) queue.Fail(std::move(status));
      }
    };
    size_t threads = std::min<size_t>(static_cast<size_t>(client_.options().upload_parallelism), parts_.size());
    std::vector<std::thread> helpers;
    for (size_t i = 1; i < threads; ++i) helpers.emplace_back(work);
    work();
    for (std::thread& helper : helpers) helper.join();
    return queue.error();
  }

  Status UploadPart(Part& part, const CancelToken& cancel, TimePoint deadline) const {
    Call call = NewCall("PUT", "uploading part " + std::to_string(part.number) + " of " +
                                   std::to_string(parts_.size()) + " to");
    call.query = {{"partNumber", std::to_string(part.number)}, {"uploadId", upload_id_}};
    call.upload_bytes = part.length;
    std::shared_ptr<ReadableFile> file = file_;
    call.open_upload = [file, offset = part.offset, length = part.length]() -> Result<HttpBodySource> {
      return file->Range(offset, length);
    };
    WEIR_ASSIGN_OR_RETURN(HttpResponse response, client_.Send(call, nullptr, cancel, deadline));
    std::optional<std::string> etag = response.Header("etag");
    if (!etag || etag->empty()) return Fault("s3-bad-response", call.what + " failed: the store sent no ETag");
    part.etag = std::move(*etag);
    return OkStatus();
  }

  Status Complete(const CancelToken& cancel, TimePoint deadline) {
    Call call = NewCall("POST", "completing the multipart upload to");
    call.query = {{"uploadId", upload_id_}};
    call.headers.emplace_back("Content-Type", "application/xml");
    call.body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    for (const Part& part : parts_) {
      call.body += "<Part><PartNumber>" + std::to_string(part.number) + "</PartNumber><ETag>" +
                   XmlEscape(part.etag) + "</ETag></Part>";
    }
    call.body += "</CompleteMultipartUpload>";
    call.error_may_come_with_200 = true;
    return client_.Send(call, nullptr, cancel, deadline).status();
  }

  // `error`, after the upload was aborted (or with why it could not be).
  Status WithAbort(const Status& error) {
    Call call = NewCall("DELETE", "aborting the multipart upload to");
    call.query = {{"uploadId", upload_id_}};
    CancelToken own_cancel;
    Status aborted = client_.Send(call, nullptr, own_cancel, std::chrono::system_clock::now() + kAbortTimeout).status();
    if (aborted.ok()) return error;
    return Status(error.kind(), error.code(),
                  error.message() + "; the upload could not be aborted either (" + aborted.message() +
                      "): its parts stay until a lifecycle rule for incomplete multipart uploads removes them",
                  error.where());
  }

  Client& client_;
  const std::string key_;
  const std::shared_ptr<ReadableFile> file_;
  const std::string name_;
  std::string upload_id_;
  std::vector<Part> parts_;
};

}  // namespace

Status UploadInParts(Client& client, std::string_view key, std::shared_ptr<ReadableFile> file,
                     const CancelToken& cancel, TimePoint deadline) {
  return MultipartUpload(client, key, std::move(file)).Run(cancel, deadline);
}

}  // namespace weir::s3
