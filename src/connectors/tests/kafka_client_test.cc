// The Kafka consumer and producer against librdkafka's mock cluster (the
// real protocol on loopback, inside the test process).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "connectors/connectors.h"

namespace weir {
namespace {

class KafkaClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = KafkaMockCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->CreateTopic("events", 3).ok());
    settings_.brokers = cluster_->brokers();
    // The mock cluster holds a group's rebalance until a departed member's
    // session expires: a short session lets the second consumer in soon.
    settings_.properties = {{"session.timeout.ms", "6000"}, {"heartbeat.interval.ms", "500"}};
  }

  // Every message of the group until `count` arrived (or 20 s passed).
  std::vector<KafkaMessage> ReadAll(KafkaConsumer& consumer, size_t count) {
    std::vector<KafkaMessage> all;
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (all.size() < count && std::chrono::steady_clock::now() < until) {
      auto batch = consumer.Poll(500, std::chrono::milliseconds(200));
      EXPECT_TRUE(batch.ok()) << batch.status().ToString();
      if (!batch.ok()) break;
      for (KafkaMessage& m : *batch) all.push_back(std::move(m));
    }
    return all;
  }

  std::unique_ptr<KafkaMockCluster> cluster_;
  KafkaSettings settings_;
};

TEST_F(KafkaClientTest, WhatIsProducedIsConsumedOnceWithKeysHeadersAndOffsets) {
  auto producer = KafkaProducer::Open(settings_);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  for (int i = 0; i < 300; ++i) {
    std::optional<std::string> key = i % 10 == 0 ? std::nullopt : std::optional<std::string>("k" + std::to_string(i));
    ASSERT_TRUE((*producer)->Produce("events", key, "{\"n\": " + std::to_string(i) + "}", {{"source", "test"}}).ok());
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());

  auto consumer = KafkaConsumer::Open(settings_, "g1", {"events"}, "earliest");
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  std::vector<KafkaMessage> all = ReadAll(**consumer, 300);
  ASSERT_EQ(all.size(), 300u);
  std::set<std::string> values;
  std::map<int32_t, int64_t> last_offset;
  for (const KafkaMessage& m : all) {
    values.insert(m.value);
    EXPECT_EQ(m.topic, "events");
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0], (std::pair<std::string, std::string>{"source", "test"}));
    // Offsets grow by one within a partition.
    auto seen = last_offset.find(m.partition);
    EXPECT_EQ(m.offset, seen == last_offset.end() ? 0 : seen->second + 1);
    last_offset[m.partition] = m.offset;
    EXPECT_GT(m.timestamp_ms, 0);
  }
  EXPECT_EQ(values.size(), 300u);  // each once
  size_t keyless = std::count_if(all.begin(), all.end(), [](const KafkaMessage& m) { return !m.key; });
  EXPECT_EQ(keyless, 30u);
}

TEST_F(KafkaClientTest, ACommittedPositionIsWhereTheGroupGoesOn) {
  auto producer = KafkaProducer::Open(settings_);
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 100; ++i) ASSERT_TRUE((*producer)->Produce("events", "same-key", std::to_string(i)).ok());
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  int32_t partition = 0;
  {
    auto consumer = KafkaConsumer::Open(settings_, "g2", {"events"}, "earliest");
    ASSERT_TRUE(consumer.ok());
    std::vector<KafkaMessage> all = ReadAll(**consumer, 100);
    ASSERT_EQ(all.size(), 100u);  // one key: one partition, in order
    partition = all[0].partition;
    EXPECT_EQ(all[39].value, "39");
    ASSERT_TRUE((*consumer)->Commit({{"events", partition, 40}}).ok());
  }
  auto again = KafkaConsumer::Open(settings_, "g2", {"events"}, "earliest");
  ASSERT_TRUE(again.ok());
  std::vector<KafkaMessage> rest = ReadAll(**again, 60);
  ASSERT_EQ(rest.size(), 60u);
  EXPECT_EQ(rest.front().value, "40");
  EXPECT_EQ(rest.front().offset, 40);
  EXPECT_EQ(rest.back().value, "99");
}

TEST_F(KafkaClientTest, BadSettingsAreUserErrorsNamingTheSetting) {
  KafkaSettings bad = settings_;
  bad.properties.emplace_back("no.such.setting", "secret-looking-value");
  auto producer = KafkaProducer::Open(bad);
  ASSERT_FALSE(producer.ok());
  EXPECT_EQ(producer.status().code(), "kafka-config");
  EXPECT_NE(producer.status().message().find("'no.such.setting'"), std::string::npos);
  EXPECT_EQ(producer.status().message().find("secret-looking-value"), std::string::npos);
  auto consumer = KafkaConsumer::Open(settings_, "g3", {"events"}, "middle");
  ASSERT_FALSE(consumer.ok());
  EXPECT_EQ(consumer.status().code(), "kafka-config");
}

TEST_F(KafkaClientTest, AnAssignedConsumerReadsFromChosenOffsetsAndTheLastMessagesAreFound) {
  auto producer = KafkaProducer::Open(settings_);
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  // 10 messages to each partition, placed by hand; the value names both.
  for (int32_t p = 0; p < 3; ++p) {
    for (int i = 0; i < 10; ++i) {
      std::string value = std::to_string(p) + "/" + std::to_string(i);
      ASSERT_TRUE((*producer)->Produce("events", std::nullopt, value, {{"n", std::to_string(i)}}, p).ok());
    }
  }
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());

  auto last = KafkaReadLastMessages(settings_, "events", std::chrono::seconds(10));
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_EQ(last->size(), 3u);
  for (const KafkaMessage& m : *last) {
    EXPECT_EQ(m.offset, 9);
    EXPECT_EQ(m.value, std::to_string(m.partition) + "/9");
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0].second, "9");
  }

  auto consumer = KafkaConsumer::OpenUnsubscribed(settings_, "g3", "earliest");
  ASSERT_TRUE(consumer.ok()) << consumer.status().ToString();
  auto count = (*consumer)->PartitionCount("events", std::chrono::seconds(5));
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 3);
  ASSERT_TRUE((*consumer)->Commit({{"events", 0, 4}}).ok());
  auto committed = (*consumer)->Committed({{"events", 0, 0}, {"events", 1, 0}}, std::chrono::seconds(5));
  ASSERT_TRUE(committed.ok()) << committed.status().ToString();
  EXPECT_EQ((*committed)[0].next_offset, 4);
  EXPECT_EQ((*committed)[1].next_offset, -1);
  // Partition 0 from its committed offset (4), partition 2 from 7.
  ASSERT_TRUE((*consumer)->Assign({{"events", 0, KafkaConsumer::kCommittedOffset}, {"events", 2, 7}}).ok());
  std::vector<KafkaMessage> read = ReadAll(**consumer, 9);
  std::multiset<std::string> values;
  for (const KafkaMessage& m : read) values.insert(m.value);
  EXPECT_EQ(values, (std::multiset<std::string>{"0/4", "0/5", "0/6", "0/7", "0/8", "0/9", "2/7", "2/8", "2/9"}));
}

TEST_F(KafkaClientTest, AGroupsOffsetsAreResetToTheStartOrTheEnd) {
  auto producer = KafkaProducer::Open(settings_);
  ASSERT_TRUE(producer.ok());
  for (int i = 0; i < 12; ++i) ASSERT_TRUE((*producer)->Produce("events", std::nullopt, "m", {}, i % 3).ok());
  ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  auto committed = [&] {
    auto consumer = KafkaConsumer::OpenUnsubscribed(settings_, "g5", "earliest");
    EXPECT_TRUE(consumer.ok());
    auto c = (*consumer)->Committed({{"events", 0, 0}, {"events", 1, 0}, {"events", 2, 0}}, std::chrono::seconds(5));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    std::vector<int64_t> out;
    for (const KafkaPosition& p : *c) out.push_back(p.next_offset);
    return out;
  };
  auto reset = KafkaResetGroupOffsets(settings_, "g5", {"events"}, "latest", std::nullopt, std::chrono::seconds(5));
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  EXPECT_EQ(*reset, 3);
  EXPECT_EQ(committed(), (std::vector<int64_t>{4, 4, 4}));
  ASSERT_TRUE(KafkaResetGroupOffsets(settings_, "g5", {"events"}, "earliest", std::nullopt, std::chrono::seconds(5)).ok());
  EXPECT_EQ(committed(), (std::vector<int64_t>{0, 0, 0}));
  // A time is looked up by the broker (ListOffsets by timestamp), which
  // librdkafka's mock cluster does not implement: not testable here.
}

TEST(KafkaPartitionerTest, KeysArePlacedAsJavasDefaultPartitionerPlacesThem) {
  // murmur2 of the key, made positive, modulo the partition count, as
  // Kafka's DefaultPartitioner does; the values were computed by a Python
  // transcription of Kafka's Utils.murmur2.
  EXPECT_EQ(KafkaPartitionForKey("a", 100), 24);
  EXPECT_EQ(KafkaPartitionForKey("user-42", 100), 60);
  EXPECT_EQ(KafkaPartitionForKey("event_000001", 7), 0);
  EXPECT_EQ(KafkaPartitionForKey("x", 7), 4);
  EXPECT_EQ(KafkaPartitionForKey("", 1), 0);
  for (int n : {1, 3, 7}) {
    for (std::string key : {"x", "user-42", "event_000001"}) {
      int32_t p = KafkaPartitionForKey(key, n);
      EXPECT_GE(p, 0);
      EXPECT_LT(p, n);
      EXPECT_EQ(p, KafkaPartitionForKey(key, n));
    }
  }
}

}  // namespace
}  // namespace weir
