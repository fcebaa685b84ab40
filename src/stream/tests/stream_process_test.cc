// `weir stream` as a process, killed at the points where a crash could lose
// or duplicate (mid-batch, after producing and before committing, after
// committing) and started again: every event is in the output exactly once.
// The mock cluster lives in this test process; the job reaches it over
// loopback like any broker.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "stream/stream.h"
#include "stream/tests/topic_reader.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

class StreamProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = KafkaMockCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->CreateTopic("raw-events", 2).ok());
    ASSERT_TRUE(cluster_->CreateTopic("processed-events", 3).ok());
    ASSERT_TRUE(cluster_->CreateTopic("raw-events-dlq", 1).ok());
    settings_.brokers = cluster_->brokers();
    dir_ = fs::temp_directory_path() / ("weir-stream-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "streams");
    // The mock cluster keeps a group its last member left "joining" for
    // session.timeout.ms - 1 s: a short session lets the next run in soon.
    std::ofstream(dir_ / "weir.yml") << "name: events\nconnections:\n  events: {type: kafka, brokers: \""
                                     << settings_.brokers
                                     << "\", properties: {session.timeout.ms: 6000, heartbeat.interval.ms: 500}}\n";
    std::ofstream(dir_ / "streams" / "events.yml") << R"(stream: process_events
source: {connection: events, topics: [raw-events], group: event-processor, start: earliest}
batch: {max_rows: 150, max_wait: 50ms}
transform: |
  SELECT id AS event_id, type AS event_type, user_id,
         CASE WHEN type = 'purchase' THEN CAST(data->>'amount' AS DOUBLE) END AS amount
  FROM batch
sink: {connection: events, topic: processed-events, key: event_id}
dead_letter: {connection: events, topic: raw-events-dlq}
delivery: exactly_once
)";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Produce(int from, int to) {
    auto producer = KafkaProducer::Open(settings_);
    ASSERT_TRUE(producer.ok());
    for (int i = from; i < to; ++i) {
      Json e = {{"id", "e" + std::to_string(i)}, {"type", i % 4 == 0 ? "purchase" : "view"}};
      if (i % 4 == 0) e["data"] = {{"amount", i / 4.0}};
      if (i % 97 == 0) e = "not an object";  // a dead letter every 97
      ASSERT_TRUE((*producer)->Produce("raw-events", "k" + std::to_string(i), e.dump()).ok());
    }
    ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  }

  // The exit code of `weir stream` with WEIR_STREAM_CRASH_AT=`crash`.
  int RunWeir(const std::string& crash, const std::string& options = "") {
    std::string command = "cd '" + dir_.string() + "' && " + (crash.empty() ? "" : "WEIR_STREAM_CRASH_AT=" + crash + " ") +
                          WEIR_BINARY " stream process_events --exit-when-idle 2s " + options + " > out.txt 2>&1";
    int code = ExitCodeOf(command);
    std::ifstream out(dir_ / "out.txt");
    last_output_.assign(std::istreambuf_iterator<char>(out), std::istreambuf_iterator<char>());
    return code;
  }

  std::vector<KafkaMessage> ReadTopic(const std::string& topic) { return ReadWholeTopic(settings_, topic); }

  std::unique_ptr<KafkaMockCluster> cluster_;
  KafkaSettings settings_;
  fs::path dir_;
  std::string last_output_;  // what the last `weir stream` printed
};

TEST_F(StreamProcessTest, KilledAtEveryPointAndRestartedEveryEventIsProducedExactlyOnce) {
  constexpr int kEvents = 1500;
  Produce(0, kEvents / 2);
  EXPECT_EQ(RunWeir("mid-batch:2"), 137);
  EXPECT_EQ(RunWeir("after-produce:1"), 137);
  Produce(kEvents / 2, kEvents);  // more arrive while it is down
  EXPECT_EQ(RunWeir("after-commit:2"), 137);
  EXPECT_EQ(RunWeir("mid-batch:1"), 137);
  ASSERT_EQ(RunWeir(""), 0);

  std::map<std::string, int> seen;
  for (const KafkaMessage& m : ReadTopic("processed-events")) {
    Json out = Json::parse(m.value);
    ++seen[out["event_id"].get<std::string>()];
    int i = std::stoi(out["event_id"].get<std::string>().substr(1));
    EXPECT_EQ(out["event_type"], i % 4 == 0 ? "purchase" : "view");
    if (i % 4 == 0) EXPECT_DOUBLE_EQ(out["amount"].get<double>(), i / 4.0);
  }
  std::map<std::string, int> dead;
  for (const KafkaMessage& m : ReadTopic("raw-events-dlq")) ++dead[*m.key];
  for (int i = 0; i < kEvents; ++i) {
    std::string id = "e" + std::to_string(i);
    if (i % 97 == 0) {
      EXPECT_EQ(dead["k" + std::to_string(i)], 1) << i;
      EXPECT_EQ(seen.count(id), 0u);
    } else {
      EXPECT_EQ(seen[id], 1) << id;
    }
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kEvents - (kEvents + 96) / 97));

  // `weir stream replay-dead-letters` reads them all; asked for another
  // reason, it sends none back.
  std::string replay = "cd '" + dir_.string() + "' && " WEIR_BINARY
                       " stream replay-dead-letters process_events --reason cast > out.txt 2>&1";
  ASSERT_EQ(ExitCodeOf(replay), 0);
  std::ifstream out(dir_ / "out.txt");
  std::string said((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
  EXPECT_EQ(said, "stream process_events: 0 dead letters sent back to their topics; " +
                      std::to_string((kEvents + 96) / 97) + " left alone\n");
}

// --metrics-port 0: the job says where its /metrics is, and what is served
// there reaches what the job has read: 300 messages, 4 dead letters.
TEST_F(StreamProcessTest, MetricsPortServesTheJobsCounters) {
  Produce(0, 300);
  std::ofstream(dir_ / "scrape.py") << R"py(import re, sys, time, urllib.request
deadline = time.time() + 60
url = None
while url is None and time.time() < deadline:
    m = re.search(r"metrics on (http://\S+)", open("out.txt").read())
    url = m and m.group(1)
    time.sleep(0.05)
text = ""
while time.time() < deadline:
    text = urllib.request.urlopen(url).read().decode()
    if 'weir_stream_messages_consumed_total{stream="process_events"} 300' in text:
        break
    time.sleep(0.1)
open("metrics.txt", "w").write(text)
)py";
  std::string command = "cd '" + dir_.string() + "' && touch out.txt && { " WEIR_BINARY
                        " stream process_events --exit-when-idle 3s --metrics-port 0 > out.txt 2>&1 & "
                        "pid=$!; python3 scrape.py; rc=$?; wait $pid || exit 9; exit $rc; }";
  ASSERT_EQ(ExitCodeOf(command), 0);
  std::ifstream in(dir_ / "metrics.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("weir_stream_messages_consumed_total{stream=\"process_events\"} 300\n"), std::string::npos) << text;
  EXPECT_NE(text.find("weir_stream_messages_produced_total{stream=\"process_events\"} 300\n"), std::string::npos) << text;
  int64_t dead = 0;
  for (size_t at = text.find("weir_stream_dead_letters_total{"); at != std::string::npos;
       at = text.find("weir_stream_dead_letters_total{", at + 1)) {
    dead += std::stoll(text.substr(text.find("} ", at) + 2));
  }
  EXPECT_EQ(dead, 4);  // 0, 97, 194 and 291 are not objects
}

// At least once, a job that reads from where its group is: again from the
// start after --reset-offsets earliest, nothing after latest.
TEST_F(StreamProcessTest, ResetOffsetsMovesAnAtLeastOnceJobsGroup) {
  std::string path = (dir_ / "streams" / "events.yml").string();
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text.replace(text.find("exactly_once"), 12, "at_least_once");
  std::ofstream(path) << text;
  Produce(0, 300);
  ASSERT_EQ(RunWeir(""), 0);
  EXPECT_EQ(ReadTopic("processed-events").size(), 296u);  // 4 of 300 are dead letters (0, 97, 194, 291)
  ASSERT_EQ(RunWeir("", "--reset-offsets earliest"), 0) << last_output_;
  EXPECT_EQ(ReadTopic("processed-events").size(), 2 * 296u);
  Produce(300, 400);
  ASSERT_EQ(RunWeir("", "--reset-offsets latest"), 0);  // the 100 new ones are skipped
  EXPECT_EQ(ReadTopic("processed-events").size(), 2 * 296u);
  EXPECT_NE(RunWeir("", "--reset-offsets yesterday"), 0);
}

}  // namespace
}  // namespace weir
