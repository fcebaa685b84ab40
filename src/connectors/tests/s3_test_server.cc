#include "connectors/tests/s3_test_server.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>

namespace weir::testing {
namespace {

constexpr std::chrono::seconds kStartTimeout{60};

// A fresh folder under the test build's tmp (WEIR_TEST_TMP, set by CTest).
Result<std::string> NewDataDir() {
  const char* base = std::getenv("WEIR_TEST_TMP");
  std::filesystem::path root = base != nullptr ? base : std::filesystem::temp_directory_path().string();
  std::filesystem::create_directories(root);
  std::string path = (root / "s3rver-XXXXXX").string();
  if (::mkdtemp(path.data()) == nullptr) return InternalError("cannot create a folder for s3rver under " + root.string());
  return path;
}

std::string ReadLog(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

Result<std::unique_ptr<S3rverProcess>> S3rverProcess::Start(const std::string& bucket) {
  if (!std::filesystem::exists(WEIR_S3RVER_SCRIPT)) {
    return UserError("s3rver-missing", std::string("s3rver is not installed at ") + WEIR_S3RVER_SCRIPT +
                                           ": run scripts/setup.sh");
  }
  std::unique_ptr<S3rverProcess> server(new S3rverProcess());
  WEIR_ASSIGN_OR_RETURN(server->data_dir_, NewDataDir());
  ProcessSpec spec;
  // s3rver's continuation tokens are DES-encrypted, which OpenSSL 3 (under
  // Node 18 and later) offers only through its legacy provider.
  spec.argv = {WEIR_NODE,  "--openssl-legacy-provider", WEIR_S3RVER_SCRIPT, "--directory", server->data_dir_,
               "--address", "127.0.0.1", "--port", "0", "--silent", "--configure-bucket", bucket};
  // To a file, not a pipe: nobody reads a pipe once s3rver runs, and a full
  // one would stall it.
  std::string log_path = server->data_dir_ + ".log";
  spec.output_path = log_path;
  WEIR_ASSIGN_OR_RETURN(server->process_, server->launcher_.Start(spec));

  // s3rver prints "S3rver listening on 127.0.0.1:PORT" once it listens.
  const std::regex listening("listening on 127\\.0\\.0\\.1:([0-9]+)");
  TimePoint give_up = std::chrono::system_clock::now() + kStartTimeout;
  std::smatch match;
  std::string output;
  while (!std::regex_search(output, match, listening)) {
    if (std::chrono::system_clock::now() >= give_up) return InternalError("s3rver did not start: " + output);
    // The wait is also the pause between two looks at the log.
    if (server->process_->Wait(std::chrono::system_clock::now() + std::chrono::milliseconds(50), nullptr)) {
      return InternalError("s3rver stopped at once: " + ReadLog(log_path));
    }
    output = ReadLog(log_path);
  }
  server->port_ = std::stoi(match[1].str());
  return server;
}

S3rverProcess::~S3rverProcess() {
  if (process_) process_->KillGroup(std::chrono::seconds(2));
  std::error_code ignored;
  if (data_dir_.empty()) return;
  std::filesystem::remove_all(data_dir_, ignored);
  std::filesystem::remove(data_dir_ + ".log", ignored);
}

}  // namespace weir::testing
