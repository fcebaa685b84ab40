// What the server tests share: a small project loaded from memory, an
// in-memory state store, a fake clock and scheduler, and calls to
// Api::Handle with their answers parsed.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "common/files.h"
#include "engine/run_control.h"
#include "server/internal/api.h"

namespace weir::server_test {

using server_internal::Api;
using server_internal::HttpRequest;
using server_internal::HttpResponse;

// A scheduler as a test says it is; records what it was asked to cancel.
class FakeScheduler final : public SchedulerView {
 public:
  std::optional<TimePoint> LastTick() const override { return last_tick; }
  int64_t Ticks() const override { return ticks; }
  std::chrono::milliseconds Poll() const override { return poll; }
  void Cancel(RunId run) override { cancelled.push_back(run.value); }

  std::optional<TimePoint> last_tick;
  int64_t ticks = 0;
  std::chrono::milliseconds poll{1000};
  std::vector<int64_t> cancelled;
};

inline TimePoint Utc(const char* iso) {
  std::istringstream in(iso);
  std::tm tm{};
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// An attempt that failed with `message` (error code "exit") at `ended` and
// will be tried again.
inline AttemptEnd FailedForRetry(const char* ended, const char* message) {
  AttemptEnd end;
  end.state = AttemptState::kFailed;
  end.task_state = TaskState::kUpForRetry;
  end.ended_at = Utc(ended);
  end.error_code = "exit";
  end.error_message = message;
  return end;
}

// `chain`: extract.a -> b -> c and `side`, daily at 06:00 UTC, with two
// parameters; `manual`: one task, no schedule.
inline constexpr const char* kChainYaml = R"(pipeline: chain
description: a chain
schedule: "0 6 * * *"
start_date: 2024-01-01
tags: [demo]
params: {who: nobody, n: 1}
tasks:
  - {id: extract.a, kind: shell, command: "true"}
  - {id: b, kind: shell, after: [extract], command: "true"}
  - {id: c, kind: shell, after: [b], command: "true"}
  - {id: side, kind: shell, command: "true"}
)";
inline constexpr const char* kManualYaml = R"(pipeline: manual
tasks:
  - {id: work, kind: shell, command: "true"}
)";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeFilesystem fs;
    ASSERT_TRUE(fs.WriteFile("proj/weir.yml", "name: t\n").ok());
    ASSERT_TRUE(fs.WriteFile("proj/pipelines/chain.yml", kChainYaml).ok());
    ASSERT_TRUE(fs.WriteFile("proj/pipelines/manual.yml", kManualYaml).ok());
    AddProjectFiles(fs);
    ProjectLoad load = LoadProject("proj", fs);
    ASSERT_TRUE(load.ok()) << load.errors.front().ToString();
    project_ = std::move(load.project);
    for (const PipelineDef& pipeline : project_.pipelines) {
      std::vector<Status> errors;
      graphs_.push_back(std::make_unique<PipelineGraph>(PipelineGraph::Build(pipeline, errors)));
      ASSERT_TRUE(errors.empty());
    }
    api_ = std::make_unique<Api>(Context(&scheduler_));
  }

  // More files of the project, for a test suite that needs them.
  virtual void AddProjectFiles(FakeFilesystem& fs) { (void)fs; }

  ServerContext Context(SchedulerView* scheduler) {
    ServerContext context;
    context.project = &project_;
    for (const auto& graph : graphs_) context.graphs.push_back(graph.get());
    context.store = store_.get();
    context.clock = &clock_;
    context.scheduler = scheduler;
    return context;
  }

  HttpResponse Call(const std::string& method, const std::string& target, const std::string& body = "") {
    HttpRequest request;
    request.method = method;
    size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) {
      std::string query = target.substr(question + 1);
      for (size_t start = 0; start <= query.size();) {
        size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        std::string pair = query.substr(start, end - start);
        size_t eq = pair.find('=');
        request.query.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
        start = end + 1;
      }
    }
    request.body = body;
    return api_->Handle(request);
  }

  // The answer's JSON; a failed expectation (and null) when it is not JSON.
  static nlohmann::json JsonOf(const HttpResponse& response) {
    nlohmann::json json = nlohmann::json::parse(response.body, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << response.body;
    return json;
  }
  static std::string ErrorCode(const HttpResponse& response) {
    nlohmann::json json = JsonOf(response);
    return json.contains("error") ? json["error"].value("code", "") : "(no error) " + response.body;
  }

  // A run of `pipeline` for `ds` with every task of its graph, as the
  // scheduler creates them.
  RunRecord CreateRun(const std::string& pipeline, const std::string& ds, bool queued = false) {
    const PipelineGraph* graph = nullptr;
    for (const auto& g : graphs_) {
      if (g->pipeline().name == pipeline) graph = g.get();
    }
    Result<DataInterval> interval = IntervalFor(graph->pipeline(), ds, clock_);
    EXPECT_TRUE(interval.ok()) << interval.status().ToString();
    NewRun run{pipeline, ds, interval->start_iso, interval->end_iso, clock_.Now(), {}};
    for (int i : graph->order()) run.task_ids.push_back(graph->id(i));
    run.queued = queued;
    Result<RunRecord> created = store_->CreateRun(run);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    clock_.Advance(std::chrono::seconds(1));  // runs list by start: one second apart
    return *created;
  }

  ProjectDef project_;
  std::vector<std::unique_ptr<PipelineGraph>> graphs_;
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
  FakeClock clock_{Utc("2024-03-10T12:00:00")};
  FakeScheduler scheduler_;
  std::unique_ptr<Api> api_;
};

// A fresh folder per test for log files; removed when the test ends.
class TempFolder {
 public:
  TempFolder() {
    const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("weir-server-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" + test->name());
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    std::string path = (path_ / name).string();
    std::ofstream(path) << text;
    return path;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace weir::server_test
