// The stream job's loop: read a batch, load it, transform it, produce the
// output and the dead letters, wait until Kafka has them, commit.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <tuple>

#include "stream/internal/batch_table.h"
#include "stream/internal/delivery_marks.h"
#include "stream/internal/transform.h"
#include "stream/internal/windows.h"
#include "stream/stream.h"

namespace weir {
namespace {

using namespace stream_internal;  // NOLINT: this file is the subsystem's core

constexpr auto kKafkaWait = std::chrono::seconds(10);
constexpr auto kFlushWait = std::chrono::seconds(60);
constexpr auto kReplayWait = std::chrono::seconds(60);
constexpr int kMaxMissingColumns = 256;

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Output {
  const std::string* topic = nullptr;
  std::optional<std::string> key;
  std::string value;
  Headers headers;
};

// Test hook (docs/streams.md#testing-a-crash): WEIR_STREAM_CRASH_AT=POINT[:N]
// ends the process as kill -9 would at POINT of the Nth batch.
class CrashPoints {
 public:
  CrashPoints() {
    const char* spec = std::getenv("WEIR_STREAM_CRASH_AT");
    if (spec == nullptr) return;
    std::string text = spec;
    size_t colon = text.find(':');
    point_ = text.substr(0, colon);
    if (colon != std::string::npos) batch_ = std::atoi(text.c_str() + colon + 1);
  }
  // From the Nth batch on: the process ends at the first, except where a
  // batch cannot reach the point (mid-batch needs two outputs).
  bool Armed(const char* point, int64_t batches_done) const { return point_ == point && batches_done + 1 >= batch_; }
  void At(const char* point, int64_t batches_done) const {
    if (Armed(point, batches_done)) std::_Exit(137);
  }

 private:
  std::string point_;
  int64_t batch_ = 1;
};

std::vector<SourceRange> RangesOf(const std::vector<KafkaMessage>& batch) {
  std::map<std::pair<std::string, int32_t>, SourceRange> ranges;
  for (const KafkaMessage& m : batch) {
    auto [it, added] = ranges.try_emplace({m.topic, m.partition}, SourceRange{m.topic, m.partition, m.offset, m.offset + 1});
    it->second.start = std::min(it->second.start, m.offset);
    it->second.end = std::max(it->second.end, m.offset + 1);
  }
  std::vector<SourceRange> out;
  for (auto& [key, range] : ranges) out.push_back(range);
  return out;
}

class StreamJob {
 public:
  StreamJob(const StreamDef& stream, const StreamOptions& options, StreamCounters* counters)
      : def_(stream), options_(options), counters_(*counters) {}

  Status Run();

 private:
  Status Open();
  Status CheckSchema();
  Result<OutputEnd> ReadOutputEnd();
  Status Recover();
  Status RecoverWindows();
  Status AssignAll(const std::function<int64_t(const KafkaPosition&)>& start);
  Status OpenOutputs();
  Result<std::vector<KafkaMessage>> NextBatch();
  Result<std::vector<KafkaMessage>> ReplayBatch();
  Status Transform(const std::vector<const KafkaMessage*>& messages, std::vector<OutputRow>& rows,
                   std::vector<DeadLetter>& dead);
  Status ProcessBatch(std::vector<KafkaMessage>& batch);
  Status TransformWindows(const std::vector<const KafkaMessage*>& messages, std::vector<OutputRow>& rows,
                          std::vector<DeadLetter>& dead);
  Result<std::vector<Output>> Outputs(std::vector<OutputRow>& rows, const std::vector<DeadLetter>& dead);
  Status Deliver(std::vector<Output>& outputs, const std::vector<SourceRange>& ranges);
  Result<int32_t> PartitionOf(const std::string& topic, const std::optional<std::string>& key, int64_t seq);
  KafkaProducer& ProducerFor(const std::string& topic);
  bool exactly_once() const { return def_.delivery == StreamDef::Delivery::kExactlyOnce; }
  bool stopping() const { return options_.stop != nullptr && options_.stop->cancelled(); }

  const StreamDef& def_;
  const StreamOptions& options_;
  StreamCounters& counters_;
  CrashPoints crash_;
  std::unique_ptr<DuckDbConnection> db_;
  std::unique_ptr<BatchTable> table_;
  std::unique_ptr<StreamTransform> transform_;
  std::unique_ptr<StreamWindows> windows_;        // null: the job has no window
  std::vector<KafkaMessage> closing_;             // the rows of the windows a batch closes
  std::unique_ptr<KafkaConsumer> consumer_;
  std::unique_ptr<KafkaProducer> sink_producer_;
  std::unique_ptr<KafkaProducer> dead_producer_;  // null when it is the sink's
  std::map<std::string, int32_t> partitions_;     // output topic -> partition count
  std::deque<KafkaMessage> pending_;              // read, not yet in a batch
  int64_t next_batch_ = 0;
  OutputEnd replay_;                              // batch -1: nothing to read again
};

Status StreamJob::Open() {
  if (exactly_once()) {
    for (const std::string& topic : def_.topics) {
      if (!topic.empty() && topic[0] == '^') {
        return UserError("stream-config", "exactly_once reads named topics; '" + topic +
                                              "' is a pattern (use at_least_once, or name the topics)", def_.where);
      }
    }
  }
  WEIR_ASSIGN_OR_RETURN(db_, DuckDbConnection::Open(":memory:"));
  // One thread: the same batch gives the same rows in the same order, which
  // exactly-once's replay relies on; jobs scale by partitions instead.
  WEIR_TRY(db_->Execute("SET threads = 1"));
  if (!options_.temp_directory.empty()) WEIR_TRY(db_->Execute("SET temp_directory = " + SqlString(options_.temp_directory)));
  table_ = std::make_unique<BatchTable>(*db_, def_);
  transform_ = std::make_unique<StreamTransform>(*db_, def_);
  if (def_.window) {
    if (options_.state_path.empty()) return Fault("stream", "a windowed stream needs a file for its state");
    windows_ = std::make_unique<StreamWindows>(*db_, *table_, def_);
    WEIR_TRY(windows_->Open(options_.state_path));
  }
  WEIR_TRY(CheckSchema());
  WEIR_TRY(OpenOutputs());
  if (windows_ != nullptr) return RecoverWindows();
  if (exactly_once()) return Recover();
  WEIR_ASSIGN_OR_RETURN(consumer_, KafkaConsumer::Open(options_.source, def_.group, def_.topics, def_.start));
  return OkStatus();
}

// A schema's types and the transform over an empty batch are checked before
// anything is read (a schemaless batch only has its columns once it is read).
Status StreamJob::CheckSchema() {
  for (const StreamDef::Column& c : def_.schema) {
    Status s = db_->Execute("SELECT CAST(NULL AS " + c.type + ")");
    if (!s.ok()) return UserError("stream-schema", "column '" + c.name + "': '" + c.type + "' is not a DuckDB type", c.where);
  }
  if (def_.schema.empty() && def_.format == StreamDef::Format::kJson) return OkStatus();
  std::vector<DeadLetter> none;
  table_->SetWindowed(windows_ != nullptr);
  WEIR_TRY(table_->Load({}, &none));
  table_->SetWindowed(false);
  std::vector<OutputRow> rows;
  TransformError error;
  if (transform_->Run(rows, error)) return OkStatus();
  return UserError("stream-transform", "stream '" + def_.name + "': the transform fails: " + error.status.message(),
                   def_.transform_where);
}

Status StreamJob::OpenOutputs() {
  WEIR_ASSIGN_OR_RETURN(sink_producer_, KafkaProducer::Open(options_.sink));
  if (def_.dead_letter && def_.dead_letter->connection.value != def_.sink.connection.value) {
    WEIR_ASSIGN_OR_RETURN(dead_producer_, KafkaProducer::Open(options_.dead_letter));
  }
  // Partition counts come from a consumer's metadata requests.
  WEIR_ASSIGN_OR_RETURN(auto probe, KafkaConsumer::OpenUnsubscribed(options_.sink, def_.group, "earliest"));
  WEIR_ASSIGN_OR_RETURN(partitions_[def_.sink.topic], probe->PartitionCount(def_.sink.topic, kKafkaWait));
  if (def_.dead_letter) {
    WEIR_ASSIGN_OR_RETURN(auto dead_probe, KafkaConsumer::OpenUnsubscribed(options_.dead_letter, def_.group, "earliest"));
    WEIR_ASSIGN_OR_RETURN(partitions_[def_.dead_letter->topic],
                          dead_probe->PartitionCount(def_.dead_letter->topic, kKafkaWait));
  }
  return OkStatus();
}

// Where the output ends: the marks of the last messages of the sink's and
// the dead-letter topic's partitions.
Result<OutputEnd> StreamJob::ReadOutputEnd() {
  WEIR_ASSIGN_OR_RETURN(std::vector<KafkaMessage> last, KafkaReadLastMessages(options_.sink, def_.sink.topic, kKafkaWait));
  if (def_.dead_letter) {
    WEIR_ASSIGN_OR_RETURN(auto dead_last, KafkaReadLastMessages(options_.dead_letter, def_.dead_letter->topic, kKafkaWait));
    last.insert(last.end(), dead_last.begin(), dead_last.end());
  }
  return FindOutputEnd(last);
}

// Exactly-once: the last marks of the output say which batch was last and
// what it read; the source partitions are assigned at the group's committed
// offsets, or at that batch's start when the commit did not get past it.
Status StreamJob::Recover() {
  WEIR_ASSIGN_OR_RETURN(OutputEnd end, ReadOutputEnd());
  next_batch_ = end.newest.batch + 1;
  WEIR_ASSIGN_OR_RETURN(consumer_, KafkaConsumer::OpenUnsubscribed(options_.source, def_.group, def_.start));
  std::vector<KafkaPosition> partitions;
  for (const std::string& topic : def_.topics) {
    WEIR_ASSIGN_OR_RETURN(int count, consumer_->PartitionCount(topic, kKafkaWait));
    for (int32_t p = 0; p < count; ++p) partitions.push_back({topic, p, 0});
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<KafkaPosition> committed, consumer_->Committed(partitions, kKafkaWait));
  bool incomplete = false;
  for (const SourceRange& r : end.newest.ranges) {
    for (const KafkaPosition& c : committed) {
      if (c.topic == r.topic && c.partition == r.partition && c.next_offset < r.end) incomplete = true;
    }
  }
  for (KafkaPosition& c : committed) {
    if (c.next_offset < 0) c.next_offset = KafkaConsumer::kCommittedOffset;  // none: where the source starts
    for (const SourceRange& r : end.newest.ranges) {
      if (incomplete && c.topic == r.topic && c.partition == r.partition) c.next_offset = r.start;
    }
  }
  if (incomplete) {
    replay_ = end;
    next_batch_ = end.newest.batch;
  }
  return consumer_->Assign(committed);
}

// Every partition of the source topics, assigned at `start` of it.
Status StreamJob::AssignAll(const std::function<int64_t(const KafkaPosition&)>& start) {
  WEIR_ASSIGN_OR_RETURN(consumer_, KafkaConsumer::OpenUnsubscribed(options_.source, def_.group, def_.start));
  std::vector<KafkaPosition> partitions;
  for (const std::string& topic : def_.topics) {
    if (!topic.empty() && topic[0] == '^') {
      return UserError("stream-config", "a windowed stream reads named topics; '" + topic + "' is a pattern", def_.where);
    }
    WEIR_ASSIGN_OR_RETURN(int count, consumer_->PartitionCount(topic, kKafkaWait));
    for (int32_t p = 0; p < count; ++p) partitions.push_back({topic, p, 0});
  }
  for (KafkaPosition& p : partitions) p.next_offset = start(p);
  return consumer_->Assign(partitions);
}

// A windowed job goes on where its state says. With exactly_once, output
// marked with the batch after the state's is that batch cut short before
// its state was committed: it is read again exactly, and what of its
// output Kafka has is not produced twice.
Status StreamJob::RecoverWindows() {
  next_batch_ = windows_->batch() + 1;
  if (exactly_once()) {
    WEIR_ASSIGN_OR_RETURN(OutputEnd end, ReadOutputEnd());
    if (end.newest.batch == next_batch_) replay_ = end;
  }
  return AssignAll([&](const KafkaPosition& p) {
    for (const SourceRange& r : replay_.newest.ranges) {
      if (r.topic == p.topic && r.partition == p.partition) return r.start;
    }
    for (const KafkaPosition& at : windows_->positions()) {
      if (at.topic == p.topic && at.partition == p.partition) return at.next_offset;
    }
    return KafkaConsumer::kCommittedOffset;  // not read yet: the group's offset, or where the source starts
  });
}

// The batch that may have been cut short, read again exactly: the offsets its
// mark names; what else arrives waits in `pending_`.
Result<std::vector<KafkaMessage>> StreamJob::ReplayBatch() {
  std::vector<KafkaMessage> batch;
  std::map<std::pair<std::string, int32_t>, int64_t> want;  // partition -> end
  for (const SourceRange& r : replay_.newest.ranges) want[{r.topic, r.partition}] = r.end;
  std::map<std::pair<std::string, int32_t>, bool> done;
  auto until = std::chrono::steady_clock::now() + kReplayWait;
  while (done.size() < want.size()) {
    if (std::chrono::steady_clock::now() > until) {
      return Fault("stream", "cannot read again the offsets " + EncodeRanges(replay_.newest.ranges) +
                                 " of the batch a stop cut short (are they past the topic's retention?)");
    }
    WEIR_ASSIGN_OR_RETURN(std::vector<KafkaMessage> read, consumer_->Poll(def_.batch_max_rows, std::chrono::milliseconds(200)));
    for (KafkaMessage& m : read) {
      auto it = want.find({m.topic, m.partition});
      if (it == want.end() || m.offset >= it->second) {
        pending_.push_back(std::move(m));
        continue;
      }
      if (m.offset + 1 >= it->second) done[it->first] = true;
      batch.push_back(std::move(m));
    }
  }
  return batch;
}

Result<std::vector<KafkaMessage>> StreamJob::NextBatch() {
  if (replay_.newest.batch >= 0) return ReplayBatch();
  std::vector<KafkaMessage> batch;
  size_t max = static_cast<size_t>(def_.batch_max_rows);
  while (!pending_.empty() && batch.size() < max) {
    batch.push_back(std::move(pending_.front()));
    pending_.pop_front();
  }
  if (batch.size() < max) {
    auto wait = batch.empty() ? std::min<std::chrono::milliseconds>(def_.batch_max_wait, std::chrono::milliseconds(500))
                              : std::chrono::milliseconds(0);
    WEIR_ASSIGN_OR_RETURN(std::vector<KafkaMessage> read, consumer_->Poll(max - batch.size(), wait));
    for (KafkaMessage& m : read) batch.push_back(std::move(m));
  }
  return batch;
}

// Loads and transforms `messages`; a value error is narrowed down by halves
// to the messages that cause it, which become dead letters.
Status StreamJob::Transform(const std::vector<const KafkaMessage*>& messages, std::vector<OutputRow>& rows,
                            std::vector<DeadLetter>& dead) {
  std::vector<DeadLetter> unreadable;
  WEIR_TRY(table_->Load(messages, &unreadable));
  dead.insert(dead.end(), unreadable.begin(), unreadable.end());
  for (int added = 0;; ++added) {
    TransformError error;
    if (transform_->Run(rows, error)) return OkStatus();
    if (error.kind == TransformFailure::kMissingColumn && def_.schema.empty() && added < kMaxMissingColumns) {
      table_->AddMissingColumn(error.missing_column);
      WEIR_TRY(table_->RefreshView());
      continue;
    }
    std::vector<const KafkaMessage*> loaded;
    for (const KafkaMessage* m : messages) {
      auto same = [&](const DeadLetter& d) { return d.message == m; };
      if (std::none_of(unreadable.begin(), unreadable.end(), same)) loaded.push_back(m);
    }
    if (error.kind != TransformFailure::kData || loaded.empty()) {
      return UserError("stream-transform", "stream '" + def_.name + "': the transform fails: " + error.status.message(),
                       def_.transform_where);
    }
    if (loaded.size() == 1) {
      dead.push_back({loaded[0], "transform", error.status.message()});
      return OkStatus();
    }
    size_t half = loaded.size() / 2;
    WEIR_TRY(Transform({loaded.begin(), loaded.begin() + static_cast<ptrdiff_t>(half)}, rows, dead));
    return Transform({loaded.begin() + static_cast<ptrdiff_t>(half), loaded.end()}, rows, dead);
  }
}

// A windowed batch: its messages' event times, then the transform over the
// rows of the windows that close, if any.
Status StreamJob::TransformWindows(const std::vector<const KafkaMessage*>& messages, std::vector<OutputRow>& rows,
                                   std::vector<DeadLetter>& dead) {
  WEIR_TRY(table_->Load(messages, &dead));
  closing_.clear();
  WEIR_TRY(windows_->Advance(messages, &dead, &closing_));
  if (closing_.empty()) return OkStatus();
  std::vector<const KafkaMessage*> closing;
  closing.reserve(closing_.size());
  for (const KafkaMessage& m : closing_) closing.push_back(&m);
  table_->SetWindowed(true);
  Status done = Transform(closing, rows, dead);
  table_->SetWindowed(false);
  return done;
}

Result<int32_t> StreamJob::PartitionOf(const std::string& topic, const std::optional<std::string>& key, int64_t seq) {
  int32_t count = partitions_.at(topic);
  if (count <= 0) return UserError("kafka", "topic " + topic + " has no partitions");
  if (key) return KafkaPartitionForKey(*key, count);
  return static_cast<int32_t>(seq % count);  // no key: spread, but the same way on a replay
}

KafkaProducer& StreamJob::ProducerFor(const std::string& topic) {
  return dead_producer_ != nullptr && topic != def_.sink.topic ? *dead_producer_ : *sink_producer_;
}

Result<std::vector<Output>> StreamJob::Outputs(std::vector<OutputRow>& rows, const std::vector<DeadLetter>& dead) {
  std::vector<Output> outputs;
  outputs.reserve(rows.size() + dead.size());
  for (OutputRow& row : rows) outputs.push_back({&def_.sink.topic, std::move(row.key), std::move(row.value), {}});
  for (const DeadLetter& d : dead) {
    ++counters_.dead_letters_by_reason[d.reason];
    if (!def_.dead_letter) {
      return UserError("stream-dead-letter", "stream '" + def_.name + "': the message at " + d.message->topic + "/" +
                                                 std::to_string(d.message->partition) + "@" +
                                                 std::to_string(d.message->offset) + " cannot be processed (" +
                                                 d.reason + ": " + d.error + ") and the stream has no 'dead_letter:'",
                       def_.where);
    }
    Headers headers = {{"weir.reason", d.reason},
                       {"weir.error", d.error},
                       {"weir.stream", def_.name},
                       {"weir.topic", d.message->topic},
                       {"weir.partition", std::to_string(d.message->partition)},
                       {"weir.offset", std::to_string(d.message->offset)}};
    outputs.push_back({&def_.dead_letter->topic, d.message->key, d.message->value, std::move(headers)});
  }
  counters_.dead_letters += static_cast<int64_t>(dead.size());
  return outputs;
}

Status StreamJob::Deliver(std::vector<Output>& outputs, const std::vector<SourceRange>& ranges) {
  std::string marks = exactly_once() ? EncodeRanges(ranges) : "";
  bool replaying = replay_.newest.batch >= 0;
  size_t half = outputs.size() / 2;
  for (size_t seq = 0; seq < outputs.size(); ++seq) {
    Output& o = outputs[seq];
    WEIR_ASSIGN_OR_RETURN(int32_t partition, PartitionOf(*o.topic, o.key, static_cast<int64_t>(seq)));
    if (replaying) {
      auto written = replay_.written.find({*o.topic, partition});
      if (written != replay_.written.end() && static_cast<int64_t>(seq) <= written->second) continue;
    }
    if (exactly_once()) {
      Headers mark = MarkHeaders(next_batch_, static_cast<int64_t>(seq), marks);
      o.headers.insert(o.headers.end(), mark.begin(), mark.end());
    }
    WEIR_TRY(ProducerFor(*o.topic).Produce(*o.topic, o.key, o.value, o.headers, partition));
    ++counters_.produced;
    if (seq + 1 == half && crash_.Armed("mid-batch", counters_.batches)) {
      WEIR_TRY(ProducerFor(*o.topic).Flush(kFlushWait));  // so that the crash leaves half the output behind
      crash_.At("mid-batch", counters_.batches);
    }
  }
  WEIR_TRY(sink_producer_->Flush(kFlushWait));
  if (dead_producer_ != nullptr) WEIR_TRY(dead_producer_->Flush(kFlushWait));
  return OkStatus();
}

Status StreamJob::ProcessBatch(std::vector<KafkaMessage>& batch) {
  // One order for the same messages however they arrived, so that a replay
  // gives the same output in the same order.
  std::sort(batch.begin(), batch.end(), [](const KafkaMessage& a, const KafkaMessage& b) {
    return std::tie(a.topic, a.partition, a.offset) < std::tie(b.topic, b.partition, b.offset);
  });
  std::vector<const KafkaMessage*> messages;
  messages.reserve(batch.size());
  for (const KafkaMessage& m : batch) messages.push_back(&m);
  std::vector<OutputRow> rows;
  std::vector<DeadLetter> dead;
  WEIR_TRY(windows_ != nullptr ? TransformWindows(messages, rows, dead) : Transform(messages, rows, dead));
  WEIR_ASSIGN_OR_RETURN(std::vector<Output> outputs, Outputs(rows, dead));
  std::vector<SourceRange> ranges = replay_.newest.batch >= 0 ? replay_.newest.ranges : RangesOf(batch);
  WEIR_TRY(Deliver(outputs, ranges));
  crash_.At("after-produce", counters_.batches);
  if (windows_ != nullptr) WEIR_TRY(windows_->Commit(next_batch_, ranges));
  std::vector<KafkaPosition> positions;
  for (const SourceRange& r : ranges) positions.push_back({r.topic, r.partition, r.end});
  // The marks say where the output ended; a failed commit (a rebalance, a
  // broker gone) only means reading again what the marks or at-least-once allow.
  if (!consumer_->Commit(positions).ok()) ++counters_.commit_failures;
  crash_.At("after-commit", counters_.batches);
  replay_ = OutputEnd{};
  ++next_batch_;
  counters_.consumed += static_cast<int64_t>(batch.size());
  ++counters_.batches;
  return OkStatus();
}

Status StreamJob::Run() {
  WEIR_TRY(Open());
  auto last_message = std::chrono::steady_clock::now();
  while (!stopping()) {
    WEIR_ASSIGN_OR_RETURN(std::vector<KafkaMessage> batch, NextBatch());
    if (batch.empty()) {
      // Idle time counts from when the group has given this job partitions.
      if (options_.exit_when_idle && consumer_->Lag().empty()) last_message = std::chrono::steady_clock::now();
      bool idle = options_.exit_when_idle && std::chrono::steady_clock::now() - last_message >= *options_.exit_when_idle;
      if (idle) break;
      continue;
    }
    last_message = std::chrono::steady_clock::now();
    WEIR_TRY(ProcessBatch(batch));
    counters_.lag = consumer_->Lag();
    if (options_.on_batch) options_.on_batch(counters_);
  }
  return OkStatus();
}

}  // namespace

Status RunStream(const StreamDef& stream, const StreamOptions& options, StreamCounters* counters) {
  StreamJob job(stream, options, counters);
  return job.Run();
}

}  // namespace weir
