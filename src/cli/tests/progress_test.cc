#include <cstdio>
#include <gtest/gtest.h>

#include "cli/progress.h"

namespace weir::cli {
namespace {

class ProgressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pipeline_.name = "p";
    for (const char* id : {"extract", "load"}) {
      TaskDef t;
      t.id = id;
      t.kind = {"shell", {}};
      pipeline_.tasks.push_back(t);
    }
    pipeline_.tasks[1].after.push_back({"extract", {}});
    std::vector<Status> errors;
    graph_ = std::make_unique<PipelineGraph>(PipelineGraph::Build(pipeline_, errors));
    out_ = open_memstream(&buffer_, &size_);
  }
  void TearDown() override { std::free(buffer_); }

  std::string Output() {
    std::fflush(out_);
    std::string text(buffer_, size_);
    std::fclose(out_);
    out_ = nullptr;
    return text;
  }

  PipelineDef pipeline_;
  std::unique_ptr<PipelineGraph> graph_;
  FakeClock clock_{TimePoint(std::chrono::seconds(1700000000))};
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* out_ = nullptr;
};

TEST_F(ProgressTest, PlainModePrintsOneTimestampedLinePerChange) {
  Progress progress(*graph_, clock_, false, out_);
  progress.TaskChanged("extract", TaskState::kRunning, 1, OkStatus(), std::nullopt);
  clock_.Advance(std::chrono::seconds(2));
  progress.TaskChanged("extract", TaskState::kUpForRetry, 1, Fault("http-503", "service unavailable"),
                       clock_.Now() + std::chrono::seconds(30));
  std::string text = Output();
  EXPECT_NE(text.find("2023-11-14T22:13:20Z  extract"), std::string::npos) << text;
  EXPECT_NE(text.find("running         attempt 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("2023-11-14T22:13:22Z  extract"), std::string::npos) << text;
  EXPECT_NE(text.find("up_for_retry    attempt 1  service unavailable (next attempt in 30.0s)"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no terminal codes when not live";
}

TEST_F(ProgressTest, LiveModeRedrawsTheTableInPlace) {
  Progress progress(*graph_, clock_, true, out_);
  progress.TaskChanged("extract", TaskState::kRunning, 1, OkStatus(), std::nullopt);
  clock_.Advance(std::chrono::milliseconds(1500));
  progress.TaskChanged("extract", TaskState::kSuccess, 1, OkStatus(), std::nullopt);
  std::string text = Output();
  // The second drawing first moves the cursor up over the two task rows.
  size_t up = text.find("\x1b[2A");
  ASSERT_NE(up, std::string::npos) << text;
  std::string first = text.substr(0, up);
  std::string second = text.substr(up);
  EXPECT_NE(first.find("extract                        running"), std::string::npos) << first;
  EXPECT_NE(first.find("load                           pending"), std::string::npos) << first;
  EXPECT_NE(second.find("extract                        success"), std::string::npos) << second;
  EXPECT_EQ(text.find("\x1b[3A"), std::string::npos);
}

TEST(FormatTest, ElapsedAndUtc) {
  EXPECT_EQ(FormatElapsed(std::chrono::milliseconds(1234)), "1.2s");
  EXPECT_EQ(FormatElapsed(std::chrono::milliseconds(184000)), "3m04s");
  EXPECT_EQ(FormatUtc(TimePoint(std::chrono::seconds(0))), "1970-01-01T00:00:00Z");
}

}  // namespace
}  // namespace weir::cli
