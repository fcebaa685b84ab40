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

}  // namespace
}  // namespace weir
