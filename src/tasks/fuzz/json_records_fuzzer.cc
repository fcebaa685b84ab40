// libFuzzer target: bytes as an http task's payload, through the record
// splitter and the loader (simdjson per batch and per record, schema
// inference, rows through a table function), as `records: $` and `$.data`.
// Errors are expected; crashes, sanitizer reports and these disagreeing are
// not: the splitter fed the payload whole or in small pieces, and the loader
// with tiny batches (the columns often changing after the first) or one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "tasks/internal/json_records.h"

namespace {

namespace ti = weir::tasks_internal;

weir::DuckDbConnection& Database() {
  static auto db = std::move(weir::DuckDbConnection::Open(":memory:").value());
  return *db;
}

weir::DuckDbConnection& RejectsDatabase() {
  static auto db = std::move(weir::DuckDbConnection::Open(":memory:").value());
  return *db;
}

// The payload fed in pieces of 1 to 7 bytes, their sizes taken from its bytes.
void CheckPiecewiseSplit(const std::string& payload, const ti::RecordsPath& path) {
  weir::Result<ti::RecordSpans> whole = ti::SplitRecords(payload, path);
  ti::RecordSplitter splitter(path);
  std::vector<ti::RecordSpan> spans;
  weir::Status status;
  for (size_t at = 0; at < payload.size() && status.ok();) {
    size_t size = 1 + static_cast<unsigned char>(payload[at]) % 7;
    status = splitter.Feed(std::string_view(payload).substr(at, size), spans);
    at += size;
  }
  if (status.ok()) status = splitter.Finish();
  if (status.ok() != whole.ok()) std::abort();
  if (!status.ok()) {
    if (status.message() != whole.status().message()) std::abort();
    return;
  }
  if (spans.size() != whole->records.size() || splitter.from_array() != whole->from_array) std::abort();
  for (size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].offset != whole->records[i].offset || spans[i].length != whole->records[i].length) std::abort();
  }
}

// Tiny batches, the columns taken after the first (so that later records
// often change them and the rows are written twice), or one batch.
int64_t Load(const std::string& payload, const ti::RecordsPath& path, bool small) {
  ti::RecordsLoadOptions options;
  options.batch = small ? 2 : 1 << 20;
  options.schema_batches = 1;
  options.table = small ? "small" : "whole";
  options.rejects_table = options.table + "_rejects";
  static int loads = 0;  // a table function per load: a name is registered once per database
  options.function = options.table + "_rows_" + std::to_string(loads++);
  weir::CancelToken cancel;
  auto load = ti::LoadRecords(Database(), RejectsDatabase(), payload, path, options, cancel, weir::TimePoint::max());
  return load.ok() ? load->rows : -1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string payload(reinterpret_cast<const char*>(data), size);
  for (const char* text : {"$", "$.data"}) {
    auto path = ti::ParseRecordsPath(text, {});
    CheckPiecewiseSplit(payload, *path);
    int64_t small = Load(payload, *path, true);
    int64_t whole = Load(payload, *path, false);
    if (small != whole) std::abort();
    if (small >= 0) {
      auto differ = Database().QueryValue(
          "SELECT (SELECT count(*) FROM (SELECT * FROM small EXCEPT ALL SELECT * FROM whole)) + "
          "(SELECT count(*) FROM (SELECT * FROM whole EXCEPT ALL SELECT * FROM small))");
      if (differ.ok() && *differ != std::optional<std::string>("0")) std::abort();
    }
    Database().Execute("DROP TABLE IF EXISTS small; DROP TABLE IF EXISTS whole").IgnoreError();
    RejectsDatabase().Execute("DROP TABLE IF EXISTS small_rejects; DROP TABLE IF EXISTS whole_rejects").IgnoreError();
  }
  return 0;
}
