#include "stream/internal/delivery_marks.h"

#include <charconv>

namespace weir::stream_internal {

const char kBatchHeader[] = "weir.batch";
const char kSeqHeader[] = "weir.seq";
const char kSourceHeader[] = "weir.source";

namespace {

bool ParseInt(std::string_view text, int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

// "topic:partition:start-end"
std::optional<SourceRange> ParseRange(std::string_view text) {
  size_t dash = text.rfind('-');
  size_t second = text.rfind(':', dash);
  size_t first = second == std::string_view::npos ? second : text.rfind(':', second - 1);
  if (dash == std::string_view::npos || second == std::string_view::npos || first == std::string_view::npos) {
    return std::nullopt;
  }
  SourceRange range;
  range.topic = std::string(text.substr(0, first));
  int64_t partition = 0;
  if (!ParseInt(text.substr(first + 1, second - first - 1), partition) ||
      !ParseInt(text.substr(second + 1, dash - second - 1), range.start) || !ParseInt(text.substr(dash + 1), range.end)) {
    return std::nullopt;
  }
  range.partition = static_cast<int32_t>(partition);
  return range;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> MarkHeaders(int64_t batch, int64_t seq, const std::string& ranges) {
  return {{kBatchHeader, std::to_string(batch)}, {kSeqHeader, std::to_string(seq)}, {kSourceHeader, ranges}};
}

std::string EncodeRanges(const std::vector<SourceRange>& ranges) {
  std::string out;
  for (const SourceRange& r : ranges) {
    if (!out.empty()) out += ',';
    out += r.topic + ":" + std::to_string(r.partition) + ":" + std::to_string(r.start) + "-" + std::to_string(r.end);
  }
  return out;
}

std::optional<BatchMark> ReadMark(const KafkaMessage& message) {
  BatchMark mark;
  bool has_batch = false, has_seq = false, has_source = false;
  for (const auto& [name, value] : message.headers) {
    if (name == kBatchHeader) has_batch = ParseInt(value, mark.batch);
    if (name == kSeqHeader) has_seq = ParseInt(value, mark.seq);
    if (name != kSourceHeader) continue;
    has_source = true;
    size_t start = 0;
    while (start < value.size()) {
      size_t comma = std::min(value.find(',', start), value.size());
      std::optional<SourceRange> range = ParseRange(std::string_view(value).substr(start, comma - start));
      if (!range) return std::nullopt;
      mark.ranges.push_back(*range);
      start = comma + 1;
    }
  }
  if (!has_batch || !has_seq || !has_source) return std::nullopt;
  return mark;
}

OutputEnd FindOutputEnd(const std::vector<KafkaMessage>& last_messages) {
  OutputEnd end;
  for (const KafkaMessage& m : last_messages) {
    std::optional<BatchMark> mark = ReadMark(m);
    if (!mark) continue;
    if (mark->batch > end.newest.batch) {
      end.newest = *mark;
      end.written.clear();
    }
    if (mark->batch == end.newest.batch) end.written[{m.topic, m.partition}] = mark->seq;
  }
  return end;
}

}  // namespace weir::stream_internal
