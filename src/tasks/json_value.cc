// JsonValueAt: one value at a path of a payload that arrives in pieces.
#include <simdjson.h>

#include "tasks/internal/json_records.h"

namespace weir::tasks_internal {
namespace {

// The value's text as JsonValueAt::Finish gives it.
Result<std::string> ValueText(std::string_view json, size_t offset) {
  simdjson::dom::parser parser;
  simdjson::dom::element value;
  if (simdjson::error_code error = parser.parse(simdjson::padded_string(json)).get(value); error != simdjson::SUCCESS) {
    return UserError("bad-json", "the payload is not valid JSON: " + std::string(simdjson::error_message(error)) +
                                     " in the value at byte offset " + std::to_string(offset));
  }
  if (value.type() == simdjson::dom::element_type::STRING) return std::string(value.get_string().value_unsafe());
  return simdjson::minify(value);
}

}  // namespace

JsonValueAt::JsonValueAt(RecordsPath path) : path_(path), splitter_(std::move(path), RecordSplitter::Mode::kValue) {}

Status JsonValueAt::Feed(std::string_view piece) {
  if (value_ || !error_.ok()) return splitter_.Feed(piece, found_);  // the structure is still checked
  kept_.append(piece);
  WEIR_TRY(splitter_.Feed(piece, found_));
  if (!found_.empty()) {
    const RecordSpan& span = found_.front();
    Result<std::string> text = ValueText(std::string_view(kept_).substr(span.offset - kept_base_, span.length),
                                         span.offset);
    if (text.ok()) value_ = std::move(*text);
    else error_ = text.status();
    kept_.clear();
    kept_.shrink_to_fit();
    return OkStatus();
  }
  size_t needed = splitter_.needed_from();
  if (needed > kept_base_) {
    kept_.erase(0, std::min(kept_.size(), needed - kept_base_));
    kept_base_ = needed;
  }
  return OkStatus();
}

Result<std::optional<std::string>> JsonValueAt::Finish() {
  Status done = splitter_.Finish();
  if (!done.ok() && done.code() != "records-not-found") return done;
  WEIR_TRY(error_);
  return value_;
}

}  // namespace weir::tasks_internal
