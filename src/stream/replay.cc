// `weir stream replay-dead-letters`: a stream's dead letters back to the
// partitions they came from, so that the job, fixed, reads them again.
// A consumer group of its own remembers how far the dead-letter topic has
// been replayed: each dead letter goes back once (at least once: a crash
// between the flush and the commit sends the last ones again).
#include <algorithm>
#include <charconv>
#include <functional>
#include <map>

#include "stream/stream.h"

namespace weir {
namespace {

constexpr auto kKafkaWait = std::chrono::seconds(10);
constexpr auto kQuiet = std::chrono::seconds(30);  // nothing read for this long: a fault

std::map<std::string, std::string> HeadersOf(const KafkaMessage& m) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : m.headers) out[name] = value;
  return out;
}

// Reads the dead-letter topic from where the replay group stopped up to
// where it ends now; `each` sees every message, in order per partition.
// Returns the offsets to commit.
Result<std::vector<KafkaPosition>> ReadToEnd(KafkaConsumer& consumer, const KafkaSettings& settings,
                                             const std::string& topic,
                                             const std::function<Status(const KafkaMessage&)>& each) {
  WEIR_ASSIGN_OR_RETURN(std::vector<KafkaMessage> last, KafkaReadLastMessages(settings, topic, kKafkaWait));
  std::map<int32_t, int64_t> end;  // partition -> offset after its last message now
  std::vector<KafkaPosition> partitions;
  for (const KafkaMessage& m : last) {
    end[m.partition] = m.offset + 1;
    partitions.push_back({topic, m.partition, 0});
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<KafkaPosition> committed, consumer.Committed(partitions, kKafkaWait));
  std::map<int32_t, int64_t> next;  // partition -> offset after the last read
  for (KafkaPosition& c : committed) {
    if (c.next_offset >= end[c.partition]) end.erase(c.partition);  // replayed to its end already
    if (c.next_offset < 0) c.next_offset = KafkaConsumer::kCommittedOffset;  // none: from the start
  }
  WEIR_TRY(consumer.Assign(committed));
  auto last_read = std::chrono::steady_clock::now();
  auto unfinished = [&] {
    for (const auto& [partition, offset] : end) {
      if (next.count(partition) == 0 || next[partition] < offset) return true;
    }
    return false;
  };
  while (unfinished()) {
    if (std::chrono::steady_clock::now() - last_read > kQuiet) {
      return Fault("kafka", "cannot read " + topic + " to its end (nothing arrived for 30 s)");
    }
    WEIR_ASSIGN_OR_RETURN(std::vector<KafkaMessage> read, consumer.Poll(1000, std::chrono::milliseconds(200)));
    if (!read.empty()) last_read = std::chrono::steady_clock::now();
    for (const KafkaMessage& m : read) {
      auto it = end.find(m.partition);
      if (it == end.end() || m.offset >= it->second) continue;  // arrived after the start: next time
      WEIR_TRY(each(m));
      next[m.partition] = m.offset + 1;
    }
  }
  std::vector<KafkaPosition> done;
  for (const auto& [partition, offset] : next) done.push_back({topic, partition, offset});
  return done;
}

}  // namespace

Result<ReplayCounts> ReplayDeadLetters(const StreamDef& stream, const StreamOptions& options,
                                       const std::vector<std::string>& reasons) {
  if (!stream.dead_letter) {
    return UserError("stream-config", "stream '" + stream.name + "' has no 'dead_letter:' topic to replay", stream.where);
  }
  WEIR_ASSIGN_OR_RETURN(auto consumer,
                        KafkaConsumer::OpenUnsubscribed(options.dead_letter, stream.group + "-replay", "earliest"));
  WEIR_ASSIGN_OR_RETURN(auto producer, KafkaProducer::Open(options.source));
  ReplayCounts counts;
  const std::string& dead_topic = stream.dead_letter->topic;
  auto replay = [&](const KafkaMessage& m) -> Status {
    std::map<std::string, std::string> h = HeadersOf(m);
    bool wanted = h["weir.stream"] == stream.name &&
                  (reasons.empty() || std::find(reasons.begin(), reasons.end(), h["weir.reason"]) != reasons.end());
    if (!wanted || h["weir.topic"].empty()) {
      ++counts.skipped;
      return OkStatus();
    }
    const std::string& at = h["weir.partition"];
    int32_t partition = -1;  // a header that is no number: the partitioner decides
    if (std::from_chars(at.data(), at.data() + at.size(), partition).ec != std::errc()) partition = -1;
    std::string from = dead_topic + "/" + std::to_string(m.partition) + "@" + std::to_string(m.offset);
    WEIR_TRY(producer->Produce(h["weir.topic"], m.key, m.value, {{"weir.replayed_from", from}}, partition));
    ++counts.replayed;
    ++counts.by_reason[h["weir.reason"]];
    return OkStatus();
  };
  WEIR_ASSIGN_OR_RETURN(std::vector<KafkaPosition> done, ReadToEnd(*consumer, options.dead_letter, dead_topic, replay));
  WEIR_TRY(producer->Flush(std::chrono::seconds(60)));
  WEIR_TRY(consumer->Commit(done));
  return counts;
}

}  // namespace weir
