// A windowed stream's state: the rows of its open windows and its
// watermark (the newest event time read minus `lateness`, the oldest of the
// source partitions' so that one read ahead makes no other's events late), kept in a DuckDB
// file next to the project's state so that a restarted job goes on where
// the last committed batch left it. Each batch adds its rows, and the
// windows whose end the watermark passes close: their rows, with
// window_start and window_end, are what the transform sees as `batch`.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connectors.h"
#include "stream/internal/batch_table.h"
#include "stream/internal/delivery_marks.h"

namespace weir::stream_internal {

class StreamWindows {
 public:
  StreamWindows(DuckDbConnection& db, BatchTable& table, const StreamDef& stream);

  // Attaches the state file at `path` (made when missing) and reads it.
  Status Open(const std::string& path);

  // The last batch the state holds (-1: none yet), and where each source
  // partition goes on after it (empty: nothing read yet).
  int64_t batch() const { return batch_; }
  const std::vector<KafkaPosition>& positions() const { return positions_; }

  // With the batch's `messages` loaded in `batch`: their event times
  // (a message without one is a dead letter "time"), the ones behind the
  // watermark (dead letters "late"), the new watermark, and the windows it
  // closes. Their rows' messages are put in `closing` (in window order) and
  // `_weir_windows` says which windows each belongs to, for the view that
  // BatchTable::LoadWindows makes.
  Status Advance(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead,
                 std::vector<KafkaMessage>* closing);

  // Stores what Advance computed, in one transaction: the batch's rows in,
  // the closed windows' rows out, the watermark, `batch` and where `ranges`
  // end.
  Status Commit(int64_t batch, const std::vector<SourceRange>& ranges);

 private:
  Status CheckDefinition(const std::string& path);
  Status EventTimes(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead);
  Result<std::string> EventTimeSql();
  Status DropLate(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead);
  Status Close(std::vector<KafkaMessage>* closing);
  Status AdvanceWatermark();
  std::string LastWindowEnd(const std::string& t) const;

  DuckDbConnection& db_;
  BatchTable& table_;
  const StreamDef& stream_;
  const StreamDef::Window& window_;
  int64_t batch_ = -1;
  std::vector<KafkaPosition> positions_;
  // The newest event time read from each source partition (epoch ms).
  using NewestTimes = std::map<std::pair<std::string, int64_t>, int64_t>;
  NewestTimes newest_;
  NewestTimes next_newest_;                // what Commit records
  std::optional<int64_t> watermark_;       // epoch ms; none before the first event
  std::optional<int64_t> next_watermark_;  // what Commit records
};

}  // namespace weir::stream_internal
