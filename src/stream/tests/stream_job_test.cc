// Stream jobs against librdkafka's mock cluster (the real protocol on
// loopback, inside this process): W3's reshaping checked event by event,
// dead letters with their reasons, and exactly-once recovery from output
// that a crash cut short in the middle of a batch.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "stream/stream.h"

namespace weir {
namespace {

using Json = nlohmann::json;

// W3 (WORKLOADS.md): the transform, as a user would write it.
constexpr char kW3Transform[] = R"(SELECT id AS event_id, type AS event_type, user_id, "timestamp",
       strftime(CAST(now() AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ') AS processed_at,
       CASE WHEN type = 'purchase' THEN CAST(data->>'amount' AS DOUBLE) END AS amount
FROM batch)";

class StreamJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = KafkaMockCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->CreateTopic("raw-events", 3).ok());
    ASSERT_TRUE(cluster_->CreateTopic("processed-events", 2).ok());
    ASSERT_TRUE(cluster_->CreateTopic("raw-events-dlq", 1).ok());
    settings_.brokers = cluster_->brokers();
    settings_.properties = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
    def_.name = "process_events";
    def_.topics = {"raw-events"};
    def_.group = "event-processor";
    def_.transform = kW3Transform;
    def_.sink.topic = "processed-events";
    def_.sink_key = "event_id";
    def_.dead_letter = StreamDef::Topic{{}, "raw-events-dlq"};
    def_.batch_max_wait = std::chrono::milliseconds(100);
  }

  // W3's events: every third a purchase with an amount (a string in some),
  // every fifth without user_id; `bad` adds one malformed message and one
  // purchase whose amount is no number.
  void ProduceEvents(int count, bool bad) {
    auto producer = KafkaProducer::Open(settings_);
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    for (int i = 0; i < count; ++i) {
      Json e = {{"id", "e" + std::to_string(i)},
                {"type", i % 3 == 2 ? "purchase" : (i % 3 == 1 ? "click" : "view")},
                {"timestamp", "2024-05-01T10:00:" + std::to_string(10 + i % 50) + "Z"}};
      if (i % 5 != 0) e["user_id"] = "u" + std::to_string(i % 7);
      if (i % 3 == 2) e["data"] = {{"amount", i % 2 == 0 ? Json(i * 1.25) : Json(std::to_string(i) + ".5")}};
      events_.push_back(e);
      ASSERT_TRUE((*producer)->Produce("raw-events", "e" + std::to_string(i), e.dump()).ok());
    }
    if (bad) {
      ASSERT_TRUE((*producer)->Produce("raw-events", std::string("bad1"), "{\"id\": \"broken").ok());
      ASSERT_TRUE((*producer)->Produce("raw-events", std::string("bad2"),
                                       R"({"id": "bad2", "type": "purchase", "data": {"amount": "oops"}})").ok());
    }
    ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  }

  Status Run() {
    StreamOptions options;
    options.source = options.sink = options.dead_letter = settings_;
    options.exit_when_idle = std::chrono::seconds(def_.delivery == StreamDef::Delivery::kExactlyOnce ? 2 : 8);
    return RunStream(def_, options, &counters_);
  }

  // Every message of `topic`, read from the start of each partition.
  std::vector<KafkaMessage> ReadTopic(const std::string& topic, size_t at_least) {
    auto consumer = KafkaConsumer::OpenUnsubscribed(settings_, "reader", "earliest");
    EXPECT_TRUE(consumer.ok());
    auto count = (*consumer)->PartitionCount(topic, std::chrono::seconds(5));
    EXPECT_TRUE(count.ok());
    std::vector<KafkaPosition> all;
    for (int32_t p = 0; p < *count; ++p) all.push_back({topic, p, 0});
    EXPECT_TRUE((*consumer)->Assign(all).ok());
    std::vector<KafkaMessage> out;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until || out.size() < at_least) {
      auto batch = (*consumer)->Poll(1000, std::chrono::milliseconds(200));
      EXPECT_TRUE(batch.ok());
      for (KafkaMessage& m : *batch) out.push_back(std::move(m));
      if (std::chrono::steady_clock::now() > until + std::chrono::seconds(20)) break;
    }
    return out;
  }

  // The W3 output of event `e`, worked out from the event itself.
  static void ExpectProcessed(const Json& e, const Json& out) {
    EXPECT_EQ(out["event_id"], e["id"]);
    EXPECT_EQ(out["event_type"], e["type"]);
    EXPECT_EQ(out["user_id"], e.contains("user_id") ? e["user_id"] : Json());
    EXPECT_EQ(out["timestamp"], e["timestamp"]);
    EXPECT_TRUE(std::regex_match(out["processed_at"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
        << out["processed_at"];
    if (e["type"] != "purchase") {
      EXPECT_TRUE(out["amount"].is_null());
      return;
    }
    const Json& amount = e["data"]["amount"];
    double expected = amount.is_string() ? std::stod(amount.get<std::string>()) : amount.get<double>();
    EXPECT_DOUBLE_EQ(out["amount"].get<double>(), expected) << e.dump();
  }

  std::unique_ptr<KafkaMockCluster> cluster_;
  KafkaSettings settings_;
  StreamDef def_;
  StreamCounters counters_;
  std::vector<Json> events_;
};

TEST_F(StreamJobTest, W3ReshapesEveryEventAndSendsTheBadOnesToDeadLetters) {
  ProduceEvents(500, /*bad=*/true);
  Status s = Run();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(counters_.consumed, 502);
  EXPECT_EQ(counters_.produced, 502);
  EXPECT_EQ(counters_.dead_letters, 2);

  std::vector<KafkaMessage> out = ReadTopic("processed-events", 500);
  ASSERT_EQ(out.size(), 500u);
  std::map<std::string, Json> by_id;
  for (const KafkaMessage& m : out) {
    Json j = Json::parse(m.value);
    ASSERT_TRUE(m.key.has_value());
    EXPECT_EQ(*m.key, j["event_id"].get<std::string>());
    EXPECT_EQ(m.partition, KafkaPartitionForKey(*m.key, 2));
    EXPECT_TRUE(by_id.emplace(*m.key, j).second) << "twice: " << *m.key;
  }
  for (const Json& e : events_) {
    auto it = by_id.find(e["id"].get<std::string>());
    ASSERT_NE(it, by_id.end()) << e.dump();
    ExpectProcessed(e, it->second);
  }

  std::vector<KafkaMessage> dead = ReadTopic("raw-events-dlq", 2);
  ASSERT_EQ(dead.size(), 2u);
  std::map<std::string, std::map<std::string, std::string>> headers;  // key -> headers
  for (const KafkaMessage& m : dead) {
    for (const auto& [name, value] : m.headers) headers[*m.key][name] = value;
  }
  EXPECT_EQ(headers["bad1"]["weir.reason"], "parse");
  EXPECT_EQ(headers["bad2"]["weir.reason"], "transform");
  EXPECT_NE(headers["bad2"]["weir.error"].find("oops"), std::string::npos) << headers["bad2"]["weir.error"];
  EXPECT_EQ(headers["bad1"]["weir.topic"], "raw-events");
  EXPECT_EQ(headers["bad1"]["weir.stream"], "process_events");
  EXPECT_EQ(counters_.dead_letters_by_reason, (std::map<std::string, int64_t>{{"parse", 1}, {"transform", 1}}));
  for (const KafkaMessage& m : dead) {  // the original bytes, at the offset the headers give
    if (*m.key == "bad1") EXPECT_EQ(m.value, "{\"id\": \"broken");
  }
}

// After a fix to the SQL, the transform's dead letters go back to where they
// came from and the job produces them; parse errors stay (not asked for); a
// second replay sends nothing.
TEST_F(StreamJobTest, DeadLettersReplayedAfterAFixAreProducedOnce) {
  ProduceEvents(50, /*bad=*/true);
  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(counters_.dead_letters, 2);
  std::string fixed = def_.transform;
  fixed.replace(fixed.find("CAST(data->>'amount' AS DOUBLE)"), 4, "TRY_CAST");
  def_.transform = fixed;
  StreamOptions options;
  options.source = options.sink = options.dead_letter = settings_;
  Result<ReplayCounts> counts = ReplayDeadLetters(def_, options, {"transform"});
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->replayed, 1);
  EXPECT_EQ(counts->skipped, 1);  // bad1, a parse error
  EXPECT_EQ(counts->by_reason, (std::map<std::string, int64_t>{{"transform", 1}}));

  ASSERT_TRUE(Run().ok());
  EXPECT_EQ(counters_.consumed, 53);  // 52, then the one sent back
  std::vector<KafkaMessage> out = ReadTopic("processed-events", 51);
  ASSERT_EQ(out.size(), 51u);
  int bad2 = 0;
  for (const KafkaMessage& m : out) {
    if (m.key != "bad2") continue;
    ++bad2;
    Json j = Json::parse(m.value);
    EXPECT_EQ(j["event_type"], "purchase");
    EXPECT_TRUE(j["amount"].is_null()) << m.value;
  }
  EXPECT_EQ(bad2, 1);

  counts = ReplayDeadLetters(def_, options, {});
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->replayed, 0);  // the replay group has read them all
  def_.dead_letter.reset();
  EXPECT_EQ(ReplayDeadLetters(def_, options, {}).status().code(), "stream-config");
}

TEST_F(StreamJobTest, WithoutADeadLetterTopicABadMessageStopsTheJobSayingWhere) {
  def_.dead_letter.reset();
  auto producer = KafkaProducer::Open(settings_);
  ASSERT_TRUE(producer.ok());
  ASSERT_TRUE((*producer)->Produce("raw-events", std::nullopt, "not json", {}, 1).ok());
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  Status s = Run();
  EXPECT_EQ(s.code(), "stream-dead-letter");
  EXPECT_NE(s.message().find("raw-events/1@0"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("not valid JSON"), std::string::npos) << s.ToString();
}

TEST_F(StreamJobTest, ATransformWhoseSqlIsWrongStopsTheJobAtItsLocation) {
  def_.schema = {{"id", "VARCHAR", {}}};
  def_.transform = "SELECT id, nope FROM batch";
  def_.transform_where = SourceLocation{"streams/e.yml", 4, 12};
  Status s = Run();
  EXPECT_EQ(s.code(), "stream-transform");
  EXPECT_EQ(s.where().ToString(), "streams/e.yml:4:12");
}

// A crash left the first messages of batch 0 in the output: the restarted
// job reads that batch again and produces only what is missing.
TEST_F(StreamJobTest, ExactlyOnceFinishesABatchACrashCutShortWithoutDuplicates) {
  def_.delivery = StreamDef::Delivery::kExactlyOnce;
  def_.batch_max_rows = 100000;  // one batch: all that is there
  ProduceEvents(300, /*bad=*/false);
  // The batch's input, in the order the job sorts it, and its ranges.
  std::vector<KafkaMessage> input = ReadTopic("raw-events", 300);
  std::sort(input.begin(), input.end(), [](const KafkaMessage& a, const KafkaMessage& b) {
    return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
  });
  std::map<int32_t, int64_t> ends;
  for (const KafkaMessage& m : input) ends[m.partition] = std::max(ends[m.partition], m.offset + 1);
  std::string ranges;
  for (const auto& [p, end] : ends) ranges += (ranges.empty() ? "" : ",") + ("raw-events:" + std::to_string(p) + ":0-" + std::to_string(end));
  // What the crashed job had written: outputs 0..119 of batch 0.
  auto producer = KafkaProducer::Open(settings_);
  ASSERT_TRUE(producer.ok());
  for (size_t seq = 0; seq < 120; ++seq) {
    const std::string& id = *input[seq].key;
    std::vector<std::pair<std::string, std::string>> mark = {
        {"weir.batch", "0"}, {"weir.seq", std::to_string(seq)}, {"weir.source", ranges}};
    ASSERT_TRUE((*producer)->Produce("processed-events", id, "{\"event_id\":\"" + id + "\",\"before\":true}", mark,
                                     KafkaPartitionForKey(id, 2)).ok());
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());

  Status s = Run();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(counters_.produced, 180);
  std::vector<KafkaMessage> out = ReadTopic("processed-events", 300);
  std::map<std::string, int> seen;
  for (const KafkaMessage& m : out) ++seen[*m.key];
  ASSERT_EQ(seen.size(), 300u);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;

  // Started again with nothing new: nothing is produced.
  counters_ = {};
  s = Run();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(counters_.produced, 0);
  EXPECT_EQ(ReadTopic("processed-events", 300).size(), 300u);
}

}  // namespace
}  // namespace weir
