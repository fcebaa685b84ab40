// Exactly-once for Kafka to Kafka without transactions: every message the
// job produces carries, in headers, the number of the batch it came from,
// its place in that batch's output, and the source offsets the batch read.
// On start the job reads the last message of each output partition: the
// newest batch there may have been cut short by a crash, so the job reads
// exactly that batch's offsets again and skips what each partition already
// has. A transform that gives the same rows in the same order for the same
// messages (DuckDB with one thread does) makes the replay identical.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "connectors/connectors.h"

namespace weir::stream_internal {

// Offsets [start, end) of a source partition that a batch read.
struct SourceRange {
  std::string topic;
  int32_t partition = 0;
  int64_t start = 0;
  int64_t end = 0;
};

struct BatchMark {
  int64_t batch = -1;
  int64_t seq = -1;  // the message's place in its batch's output
  std::vector<SourceRange> ranges;
};

extern const char kBatchHeader[];
extern const char kSeqHeader[];
extern const char kSourceHeader[];

// The headers that mark message `seq` of batch `batch`; `ranges` encoded once
// per batch with EncodeRanges.
std::vector<std::pair<std::string, std::string>> MarkHeaders(int64_t batch, int64_t seq, const std::string& ranges);
std::string EncodeRanges(const std::vector<SourceRange>& ranges);
// nullopt when the message carries no (or a damaged) mark.
std::optional<BatchMark> ReadMark(const KafkaMessage& message);

// Where the job's output ended: the newest batch with output, and for each
// output partition holding that batch's messages, the highest seq it has.
struct OutputEnd {
  BatchMark newest;  // batch -1: no output has a mark
  std::map<std::pair<std::string, int32_t>, int64_t> written;  // (topic, partition) -> seq
};
OutputEnd FindOutputEnd(const std::vector<KafkaMessage>& last_messages);

}  // namespace weir::stream_internal
