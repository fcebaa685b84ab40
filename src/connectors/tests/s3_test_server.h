// S3rverProcess: the s3rver fake S3 (npm, installed by scripts/setup.sh) on
// 127.0.0.1 for tests, on a port the kernel picks, with a fresh data folder
// and one bucket; stopped, and its folder removed, by the destructor. It
// takes requests signed with the key pair kAccessKeyId/kSecretAccessKey
// (any other key id is refused) but checks no Signature V4 signature.
#pragma once

#include <memory>
#include <string>

#include "common/process.h"
#include "common/status.h"

namespace weir::testing {

class S3rverProcess {
 public:
  static constexpr const char* kAccessKeyId = "S3RVER";
  static constexpr const char* kSecretAccessKey = "S3RVER";

  // Starts s3rver with `bucket` and waits until it listens.
  static Result<std::unique_ptr<S3rverProcess>> Start(const std::string& bucket);
  ~S3rverProcess();

  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  S3rverProcess() = default;

  PosixProcessLauncher launcher_;
  std::unique_ptr<Process> process_;
  std::string data_dir_;
  int port_ = 0;
};

}  // namespace weir::testing
