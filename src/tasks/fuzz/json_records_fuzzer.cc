// libFuzzer target: bytes as an http task's payload, through the record
// splitter and the loader (simdjson per record, schema inference, both
// appenders), as `records: $` and `records: $.data`. Errors are expected;
// crashes, sanitizer reports and the two appenders disagreeing are not.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tasks/internal/json_records.h"

namespace {

weir::DuckDbConnection& Database() {
  static auto db = std::move(weir::DuckDbConnection::Open(":memory:").value());
  return *db;
}

int64_t Load(const std::string& payload, const weir::tasks_internal::RecordsPath& path, bool chunked) {
  weir::tasks_internal::RecordsLoadOptions options;
  options.chunked = chunked;
  options.table = chunked ? "chunked" : "rowwise";
  options.rejects_table = options.table + "_rejects";
  weir::CancelToken cancel;
  auto load = weir::tasks_internal::LoadRecords(Database(), payload, path, options, cancel, weir::TimePoint::max());
  return load.ok() ? load->rows : -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string payload(reinterpret_cast<const char*>(data), size);
  for (const char* text : {"$", "$.data"}) {
    auto path = weir::tasks_internal::ParseRecordsPath(text, {});
    (void)weir::tasks_internal::SplitRecords(payload, *path);
    int64_t chunked = Load(payload, *path, true);
    int64_t rowwise = Load(payload, *path, false);
    if (chunked != rowwise) std::abort();
    if (chunked >= 0) {
      auto differ = Database().QueryValue(
          "SELECT (SELECT count(*) FROM (SELECT * FROM chunked EXCEPT ALL SELECT * FROM rowwise)) + "
          "(SELECT count(*) FROM (SELECT * FROM rowwise EXCEPT ALL SELECT * FROM chunked))");
      if (differ.ok() && *differ != std::optional<std::string>("0")) std::abort();
    }
    Database().Execute("DROP TABLE IF EXISTS chunked; DROP TABLE IF EXISTS rowwise; "
                       "DROP TABLE IF EXISTS chunked_rejects; DROP TABLE IF EXISTS rowwise_rejects").IgnoreError();
  }
  return 0;
}
