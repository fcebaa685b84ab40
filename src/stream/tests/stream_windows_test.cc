// Windowed stream jobs on librdkafka's mock cluster: out-of-order and late
// events through tumbling, hopping and session windows, each job's output
// compared with window_oracle.py, which works the windows out offline from
// the same events; and a job stopped and started again goes on from its
// state file without losing or repeating a window, also when killed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "stream/stream.h"
#include "stream/tests/topic_reader.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr int64_t kStart = 1714557600000;  // 2024-05-01T10:00:00Z
constexpr int kBatchRows = 50;             // window_oracle.py's BATCH_ROWS

std::string Iso(int64_t ms) {
  time_t seconds = static_cast<time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return text;
}

class StreamWindowsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = KafkaMockCluster::Start(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(*cluster);
    ASSERT_TRUE(cluster_->CreateTopic("clicks", 1).ok());
    ASSERT_TRUE(cluster_->CreateTopic("windows", 2).ok());
    ASSERT_TRUE(cluster_->CreateTopic("clicks-dlq", 1).ok());
    settings_.brokers = cluster_->brokers();
    dir_ = fs::temp_directory_path() / ("weir-windows-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    def_.name = "click_windows";
    def_.topics = {"clicks"};
    def_.group = "click-windows";
    def_.transform = "SELECT user_id, window_start, window_end, count(*) AS n, sum(amount) AS total\n"
                     "FROM batch GROUP BY ALL";
    def_.sink.topic = "windows";
    def_.sink_key = "user_id";
    def_.dead_letter = StreamDef::Topic{{}, "clicks-dlq"};
    def_.batch_max_rows = kBatchRows;
    def_.batch_max_wait = std::chrono::milliseconds(50);
    def_.delivery = StreamDef::Delivery::kExactlyOnce;
    def_.window = StreamDef::Window{};
    def_.window->time = "ts";
    def_.window->lateness = std::chrono::seconds(5);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Events a second apart in event time, each moved by up to 3 s either way
  // (less than the lateness: never late), and from the 100th on every 37th
  // two minutes behind (late whatever the batches). One partition: the
  // order they are read in is the order they were produced in.
  void ProduceClicks(int from, int to) {
    auto producer = KafkaProducer::Open(settings_);
    ASSERT_TRUE(producer.ok());
    std::ofstream events(dir_ / "events.jsonl", std::ios::app);
    uint64_t seed = 12345 + static_cast<uint64_t>(from);
    for (int i = from; i < to; ++i) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      int64_t jitter = static_cast<int64_t>((seed >> 33) % 6001) - 3000;
      int64_t t = kStart + i * 1000 + (i >= 100 && i % 37 == 0 ? -120000 : jitter);
      Json e = {{"user_id", "u" + std::to_string((seed >> 20) % 4)}, {"ts", Iso(t)}, {"amount", i % 10 + 1}};
      events << e.dump() << "\n";
      ASSERT_TRUE((*producer)->Produce("clicks", std::nullopt, e.dump()).ok());
    }
    ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  }

  Status Run() {
    StreamOptions options;
    options.source = options.sink = options.dead_letter = settings_;
    options.exit_when_idle = std::chrono::seconds(2);
    options.state_path = (dir_ / "state.duckdb").string();
    return RunStream(def_, options, &counters_);
  }

  std::vector<Json> ReadTopic(const std::string& topic) {
    std::vector<Json> out;
    for (const KafkaMessage& m : ReadWholeTopic(settings_, topic)) {
      out.push_back(topic == "windows" ? Json::parse(m.value) : Json(m.value));
    }
    return out;
  }

  // window_oracle.py's windows, as sorted JSON texts; `late` gets its count.
  std::vector<std::string> Oracle(const char* kind, int64_t* late) {
    const StreamDef::Window& w = *def_.window;
    std::string command = "python3 " WEIR_SOURCE_DIR "/src/stream/tests/window_oracle.py '" +
                          (dir_ / "events.jsonl").string() + "' " + kind + " " + std::to_string(w.size.count()) + " " +
                          std::to_string(w.slide.count()) + " " + std::to_string(w.gap.count()) + " " +
                          std::to_string(w.lateness.count());
    std::vector<std::string> rows;
    FILE* pipe = popen(command.c_str(), "r");
    char line[4096];
    while (pipe != nullptr && std::fgets(line, sizeof line, pipe) != nullptr) {
      Json row = Json::parse(line);
      if (row.contains("late")) {
        *late = row["late"].get<int64_t>();
      } else {
        rows.push_back(row.dump());
      }
    }
    EXPECT_EQ(pipe != nullptr ? pclose(pipe) : -1, 0) << command;
    return rows;
  }

  // The job's windows, in the oracle's form and order.
  std::vector<std::string> Emitted() {
    std::vector<std::string> rows;
    for (const Json& out : ReadTopic("windows")) rows.push_back(out.dump());
    std::sort(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) {
      Json x = Json::parse(a);
      Json y = Json::parse(b);
      return std::tie(x["window_start"], x["window_end"], x["user_id"]) <
             std::tie(y["window_start"], y["window_end"], y["user_id"]);
    });
    return rows;
  }

  // `counted`: the job ran in this process, so its counters can be checked.
  void ExpectOracle(const char* kind, bool counted = true) {
    int64_t late = -1;
    std::vector<std::string> expected = Oracle(kind, &late);
    ASSERT_GT(expected.size(), 10u);
    ASSERT_GT(late, 0);
    EXPECT_EQ(Emitted(), expected);
    if (counted) EXPECT_EQ(counters_.dead_letters_by_reason["late"], late);
    EXPECT_EQ(ReadTopic("clicks-dlq").size(), static_cast<size_t>(late));
  }

  // `weir stream click_windows` on a project with def_'s job, as a process
  // ended as kill -9 would at `crash` (see docs/streams.md); its exit code.
  int RunWeir(const std::string& crash) {
    if (!fs::exists(dir_ / "project" / "weir.yml")) {
      fs::create_directories(dir_ / "project" / "streams");
      std::ofstream(dir_ / "project" / "weir.yml")
          << "name: clicks\nconnections:\n  events: {type: kafka, brokers: \"" << settings_.brokers << "\"}\n";
      std::ofstream(dir_ / "project" / "streams" / "clicks.yml") << R"(stream: click_windows
source: {connection: events, topics: [clicks], group: click-windows}
batch: {max_rows: 50, max_wait: 50ms}
window: {type: tumbling, size: 10s, time: ts, lateness: 5s}
transform: |
  SELECT user_id, window_start, window_end, count(*) AS n, sum(amount) AS total
  FROM batch GROUP BY ALL
sink: {connection: events, topic: windows, key: user_id}
dead_letter: {connection: events, topic: clicks-dlq}
delivery: exactly_once
)";
    }
    std::string command = "cd '" + (dir_ / "project").string() + "' && " +
                          (crash.empty() ? "" : "WEIR_STREAM_CRASH_AT=" + crash + " ") + WEIR_BINARY +
                          " stream click_windows --exit-when-idle 2s > out.txt 2>&1";
    return ExitCodeOf(command);
  }

  std::unique_ptr<KafkaMockCluster> cluster_;
  KafkaSettings settings_;
  StreamDef def_;
  StreamCounters counters_;
  fs::path dir_;
};

TEST_F(StreamWindowsTest, TumblingWindowsMatchTheOracleWithLateEventsAsDeadLetters) {
  def_.window->kind = StreamDef::Window::Kind::kTumbling;
  def_.window->size = def_.window->slide = std::chrono::seconds(10);
  ProduceClicks(0, 600);
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  ExpectOracle("tumbling");
}

TEST_F(StreamWindowsTest, HoppingWindowsMatchTheOracle) {
  def_.window->kind = StreamDef::Window::Kind::kHopping;
  def_.window->size = std::chrono::seconds(10);
  def_.window->slide = std::chrono::seconds(4);
  ProduceClicks(0, 600);
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  ExpectOracle("hopping");
}

TEST_F(StreamWindowsTest, SessionWindowsPerUserMatchTheOracle) {
  def_.window->kind = StreamDef::Window::Kind::kSession;
  def_.window->gap = std::chrono::milliseconds(2500);
  def_.window->by = {"user_id"};
  ProduceClicks(0, 600);
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  ExpectOracle("session");
}

// Stopped after each part of the input and started again, the job keeps
// its open windows in its state file: the windows come out as from one run.
TEST_F(StreamWindowsTest, AJobStartedAgainGoesOnFromItsStateFile) {
  def_.window->kind = StreamDef::Window::Kind::kTumbling;
  def_.window->size = def_.window->slide = std::chrono::seconds(10);
  for (int part = 0; part < 3; ++part) {
    ProduceClicks(part * 200, (part + 1) * 200);
    { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  }
  ExpectOracle("tumbling");
}

// An event older than the watermark allows on its own still joins an open
// session of its user that it reaches (as Flink merges it before it asks
// whether the window is late); one that reaches none is late.
TEST_F(StreamWindowsTest, AnOldEventReachingAnOpenSessionJoinsIt) {
  def_.window->kind = StreamDef::Window::Kind::kSession;
  def_.window->gap = std::chrono::seconds(10);
  def_.window->by = {"user_id"};
  def_.window->lateness = std::chrono::milliseconds(0);
  auto produce = [&](const std::vector<std::pair<std::string, int64_t>>& events) {
    auto producer = KafkaProducer::Open(settings_);
    ASSERT_TRUE(producer.ok());
    for (const auto& [user, seconds] : events) {
      Json e = {{"user_id", user}, {"ts", Iso(kStart + seconds * 1000)}, {"amount", 1}};
      ASSERT_TRUE((*producer)->Produce("clicks", std::nullopt, e.dump()).ok());
    }
    ASSERT_TRUE((*producer)->Flush(std::chrono::seconds(10)).ok());
  };
  produce({{"u0", 100}, {"u1", 105}});  // watermark 105: u0's session [100, 110) is open
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  produce({{"u0", 94}, {"u2", 50}});  // 94 + 10 <= 105, but it reaches u0's session; u2 reaches none
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  produce({{"u1", 200}});  // watermark 200 closes everything before
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  std::vector<std::string> expected = {
      Json{{"user_id", "u0"}, {"window_start", "2024-05-01 10:01:34"}, {"window_end", "2024-05-01 10:01:50"},
           {"n", 2}, {"total", 2}}.dump(),
      Json{{"user_id", "u1"}, {"window_start", "2024-05-01 10:01:45"}, {"window_end", "2024-05-01 10:01:55"},
           {"n", 1}, {"total", 1}}.dump()};
  EXPECT_EQ(Emitted(), expected);
  EXPECT_EQ(counters_.dead_letters_by_reason["late"], 1);
}

// A state file written under another window is refused, not misread.
TEST_F(StreamWindowsTest, AStateFileOfAnotherWindowIsRefused) {
  def_.window->kind = StreamDef::Window::Kind::kTumbling;
  def_.window->size = def_.window->slide = std::chrono::seconds(10);
  ProduceClicks(0, 100);
  { Status run = Run(); ASSERT_TRUE(run.ok()) << run.ToString(); }
  def_.window->size = def_.window->slide = std::chrono::seconds(20);
  Status changed = Run();
  EXPECT_EQ(changed.code(), "stream-window");
  EXPECT_NE(changed.message().find("then: type tumbling, size 10000 ms"), std::string::npos) << changed.ToString();
  EXPECT_NE(changed.message().find("now: type tumbling, size 20000 ms"), std::string::npos) << changed.ToString();
  fs::remove(dir_ / "state.duckdb");
  { Status run = Run(); EXPECT_TRUE(run.ok()) << run.ToString(); }
}

// `weir stream` killed at each point where a crash could lose or repeat
// output, and started again: every window comes out once, as the oracle says.
TEST_F(StreamWindowsTest, KilledAtEveryPointEachWindowComesOutOnce) {
  def_.window->kind = StreamDef::Window::Kind::kTumbling;
  def_.window->size = def_.window->slide = std::chrono::seconds(10);
  ProduceClicks(0, 300);
  EXPECT_EQ(RunWeir("mid-batch:3"), 137);
  EXPECT_EQ(RunWeir("after-produce:2"), 137);
  ProduceClicks(300, 600);
  EXPECT_EQ(RunWeir("after-commit:2"), 137);
  EXPECT_EQ(RunWeir("mid-batch:1"), 137);
  ASSERT_EQ(RunWeir(""), 0);
  ExpectOracle("tumbling", /*counted=*/false);
}

}  // namespace
}  // namespace weir
