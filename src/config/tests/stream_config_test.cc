// streams/*.yml: a job's source, batch, transform, sink and dead letters,
// and every mistake reported at its file:line:col.
#include <gtest/gtest.h>

#include "config/config.h"
#include "config/tests/load_support.h"

namespace weir {
namespace {

using config_testing::Described;

constexpr char kWeirYml[] = R"(name: shop
connections:
  events: {type: kafka, brokers: "localhost:9092", properties: {security.protocol: plaintext}}
  pg: {type: postgres, host: localhost, dbname: shop}
)";

ProjectLoad LoadStream(const std::string& stream) {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", kWeirYml).ok());
  EXPECT_TRUE(fs.WriteFile("proj/streams/s.yml", stream).ok());
  return LoadProject("proj", fs);
}

TEST(StreamConfigTest, TheDesignExampleLoadsWithEveryValue) {
  ProjectLoad load = LoadStream(R"(stream: process_events
source: {connection: events, topics: [raw-events], group: event-processor, start: earliest, format: json}
batch: {max_rows: 5000, max_wait: 200ms}
transform: |
  SELECT id AS event_id FROM batch
sink: {connection: events, topic: processed-events, key: event_id}
dead_letter: {connection: events, topic: raw-events-dlq}
delivery: exactly_once
)");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  const StreamDef* s = load.project.FindStream("process_events");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->file, "streams/s.yml");
  EXPECT_EQ(s->topics, std::vector<std::string>{"raw-events"});
  EXPECT_EQ(s->group, "event-processor");
  EXPECT_EQ(s->batch_max_rows, 5000);
  EXPECT_EQ(s->batch_max_wait, std::chrono::milliseconds(200));
  EXPECT_EQ(s->transform, "SELECT id AS event_id FROM batch\n");
  EXPECT_EQ(s->transform_where.line, 4);
  EXPECT_EQ(s->sink.topic, "processed-events");
  EXPECT_EQ(s->sink_key, "event_id");
  ASSERT_TRUE(s->dead_letter.has_value());
  EXPECT_EQ(s->dead_letter->topic, "raw-events-dlq");
  EXPECT_EQ(s->delivery, StreamDef::Delivery::kExactlyOnce);
}

TEST(StreamConfigTest, DefaultsAreAtLeastOnceAndAGroupNamedAfterTheStream) {
  ProjectLoad load = LoadStream(R"(stream: copy
source:
  connection: events
  topics: a
  schema: {id: BIGINT, at: TIMESTAMP}
transform: SELECT * FROM batch
sink: {connection: events, topic: b}
)");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  const StreamDef& s = load.project.streams.at(0);
  EXPECT_EQ(s.group, "weir-copy");
  EXPECT_EQ(s.start, "earliest");
  EXPECT_EQ(s.delivery, StreamDef::Delivery::kAtLeastOnce);
  ASSERT_EQ(s.schema.size(), 2u);
  EXPECT_EQ(s.schema[1].name, "at");
  EXPECT_EQ(s.schema[1].type, "TIMESTAMP");
  EXPECT_FALSE(s.dead_letter.has_value());
  EXPECT_EQ(s.batch_max_rows, 10000);
}

TEST(StreamConfigTest, MistakesAreReportedWhereTheyAre) {
  ProjectLoad load = LoadStream(R"(stream: bad
source: {connection: evnts, topics: [], start: beginning, format: avro, schema: {_offset: BIGINT}}
batch: {max_rows: 0, max_wait: soon}
transform: SELECT 1
sink: {connection: pg, topic: out, partition: 3}
dead_letter: {connection: events, topic: dlq, key: id}
delivery: twice
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{
                                 "streams/s.yml:2:37 wrong-type",  // no topics
                                 "streams/s.yml:2:48 bad-value",   // start: beginning
                                 "streams/s.yml:2:67 bad-value",   // format: avro
                                 "streams/s.yml:2:82 bad-column",  // _offset is the message's
                                 "streams/s.yml:3:19 out-of-range",
                                 "streams/s.yml:3:32 bad-duration",
                                 "streams/s.yml:5:36 unknown-key",  // partition
                                 "streams/s.yml:6:47 unknown-key",  // a dead letter has no key
                                 "streams/s.yml:7:11 bad-value",
                                 "streams/s.yml:2:22 unknown-connection",  // evnts
                                 "streams/s.yml:5:20 wrong-connection",    // pg is postgres
                             }));
}

TEST(StreamConfigTest, WindowsOfEachKindLoadWithTheirTimesAndKeys) {
  auto window_of = [](const std::string& window) {
    ProjectLoad load = LoadStream("stream: w\nsource: {connection: events, topics: [a]}\nwindow: " + window +
                                  "\ntransform: SELECT 1\nsink: {connection: events, topic: b}\n");
    EXPECT_TRUE(load.errors.empty()) << Described(load).front();
    return load.project.streams.at(0).window.value_or(StreamDef::Window{});
  };
  StreamDef::Window tumbling = window_of("{type: tumbling, size: 1m, time: ts, lateness: 10s}");
  EXPECT_EQ(tumbling.kind, StreamDef::Window::Kind::kTumbling);
  EXPECT_EQ(tumbling.size, std::chrono::minutes(1));
  EXPECT_EQ(tumbling.slide, std::chrono::minutes(1));
  EXPECT_EQ(tumbling.time, "ts");
  EXPECT_EQ(tumbling.lateness, std::chrono::seconds(10));
  StreamDef::Window hopping = window_of("{type: hopping, size: 10s, slide: 4s}");
  EXPECT_EQ(hopping.slide, std::chrono::seconds(4));
  EXPECT_EQ(hopping.time, "_timestamp");
  EXPECT_EQ(hopping.lateness, std::chrono::milliseconds(0));
  StreamDef::Window session = window_of("{type: session, gap: 30s, by: [user_id, \"lower(country)\"]}");
  EXPECT_EQ(session.kind, StreamDef::Window::Kind::kSession);
  EXPECT_EQ(session.gap, std::chrono::seconds(30));
  EXPECT_EQ(session.by, (std::vector<std::string>{"user_id", "lower(country)"}));
}

TEST(StreamConfigTest, WindowMistakesAreReportedWhereTheyAre) {
  auto errors_of = [](const std::string& window) {
    return Described(LoadStream("stream: w\nsource: {connection: events, topics: [a]}\nwindow: " + window +
                                "\ntransform: SELECT 1\nsink: {connection: events, topic: b}\n"));
  };
  using Lines = std::vector<std::string>;
  EXPECT_EQ(errors_of("{type: sliding, size: 1m}"), (Lines{"streams/s.yml:3:16 bad-value"}));
  EXPECT_EQ(errors_of("{size: 1m}"), (Lines{"streams/s.yml:3:9 missing-key"}));
  EXPECT_EQ(errors_of("{type: tumbling}"), (Lines{"streams/s.yml:3:9 missing-key"}));
  EXPECT_EQ(errors_of("{type: tumbling, size: 0s}"), (Lines{"streams/s.yml:3:32 out-of-range"}));
  EXPECT_EQ(errors_of("{type: hopping, size: 10s, slide: 20s}"), (Lines{"streams/s.yml:3:43 out-of-range"}));
  EXPECT_EQ(errors_of("{type: tumbling, size: 1m, gap: 5s}"), (Lines{"streams/s.yml:3:41 unknown-key"}));
  EXPECT_EQ(errors_of("{type: session, gap: 5s, size: 1m}"), (Lines{"streams/s.yml:3:40 unknown-key"}));
  EXPECT_EQ(errors_of("{type: session, gap: 5s, lateness: soon}"), (Lines{"streams/s.yml:3:44 bad-duration"}));
}

TEST(StreamConfigTest, ACsvSourceNeedsItsSchemaAndATableSinkIsNotBuiltYet) {
  ProjectLoad load = LoadStream(R"(stream: c
source: {connection: events, topics: [a], format: csv}
transform: SELECT * FROM batch
sink: {table: analytics.events}
)");
  EXPECT_EQ(Described(load), (std::vector<std::string>{"streams/s.yml:2:9 missing-key", "streams/s.yml:4:15 not-built"}));
}

TEST(StreamConfigTest, AKafkaConnectionNeedsBrokersAndStringProperties) {
  FakeFilesystem fs;
  ASSERT_TRUE(fs.WriteFile("proj/weir.yml", R"(name: shop
connections:
  k: {type: kafka, properties: {acks: [all]}}
)").ok());
  ProjectLoad load = LoadProject("proj", fs);
  EXPECT_EQ(Described(load), (std::vector<std::string>{"weir.yml:3:6 missing-key", "weir.yml:3:39 wrong-type"}));
}

TEST(StreamConfigTest, TwoStreamsWithOneNameAreAnError) {
  FakeFilesystem fs;
  ASSERT_TRUE(fs.WriteFile("proj/weir.yml", kWeirYml).ok());
  const char* stream = "stream: s\nsource: {connection: events, topics: [a]}\ntransform: SELECT 1\n"
                       "sink: {connection: events, topic: b}\n";
  ASSERT_TRUE(fs.WriteFile("proj/streams/a.yml", stream).ok());
  ASSERT_TRUE(fs.WriteFile("proj/streams/b.yml", stream).ok());
  ProjectLoad load = LoadProject("proj", fs);
  EXPECT_EQ(Described(load), (std::vector<std::string>{"streams/b.yml:1:9 duplicate-stream"}));
}

}  // namespace
}  // namespace weir
