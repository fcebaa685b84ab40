#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <map>

#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

class NoopTaskTest : public TaskTestBase {
 protected:
  NoopTaskTest() : TaskTestBase("noop", "n", "unused-secret") {}

  void WriteFile(const std::string& relative, const std::string& text) {
    std::filesystem::path path = std::filesystem::path(root_) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }

  ProjectLoad LoadPipeline(const std::string& tasks_yaml) {
    WriteFile("weir.yml", "name: noop_test\n");
    WriteFile("pipelines/p.yml", "pipeline: p\ntasks:\n" + tasks_yaml);
    return LoadProject(root_, files_);
  }
};

// Hears nothing: the test reads the outcome back from the state store.
class IgnoredEvents final : public EventSink {
 public:
  void TaskChanged(const std::string&, TaskState, int, const Status&, std::optional<TimePoint>) override {}
};

TEST_F(NoopTaskTest, SucceedsWithNoOutputAndWritesNoLog) {
  Result<std::string> out = Run(Task("{}\n"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "");
  EXPECT_FALSE(std::filesystem::exists(log_path()));
}

TEST_F(NoopTaskTest, TakesOnlyTheKeysEveryTaskTakes) {
  ProjectLoad ok = LoadPipeline("  - {id: a, kind: noop, retries: 2, description: joins}\n");
  EXPECT_TRUE(ok.ok()) << ok.errors[0].ToString();
  ProjectLoad bad = LoadPipeline("  - id: a\n    kind: noop\n    command: \"true\"\n");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_EQ(bad.errors[0].code(), "unknown-key");
  EXPECT_EQ(bad.errors[0].where().ToString(), "pipelines/p.yml:5:5");
}

TEST_F(NoopTaskTest, FollowsTriggerRulesAndSkipsLikeAnyKind) {
  ProjectLoad load = LoadPipeline(
      "  - {id: fails, kind: shell, command: exit 3}\n"
      "  - {id: skips, kind: shell, command: exit 99}\n"
      "  - {id: ok, kind: shell, command: \"true\"}\n"
      "  - {id: join_all_done, kind: noop, after: [fails, ok], trigger_rule: all_done}\n"
      "  - {id: join_all_success, kind: noop, after: [fails, ok]}\n"
      "  - {id: after_skip, kind: noop, after: [skips]}\n"
      "  - {id: after_noop, kind: noop, after: [join_all_done]}\n");
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  load.project.root = root_;
  const PipelineDef& pipeline = load.project.pipelines.at(0);
  std::vector<Status> errors;
  PipelineGraph graph = PipelineGraph::Build(pipeline, errors);
  ASSERT_TRUE(errors.empty());

  std::unique_ptr<StateStore> store = NewMemoryStateStore();
  FakeClock clock(TimePoint(std::chrono::hours(24 * 20000)));
  NewRun new_run{"p", "2024-03-05", interval_.start_iso, interval_.end_iso, clock.Now(), {}};
  for (const TaskDef& t : pipeline.tasks) new_run.task_ids.push_back(t.id);
  Result<RunRecord> run = store->CreateRun(new_run);
  ASSERT_TRUE(run.ok());
  auto factory = NewTaskRunnerFactory(services_);
  IgnoredEvents events;
  RunExecutor executor(load.project, graph, *store, *factory, clock, events,
                       ExecutorOptions{2, root_ + "/logs", std::nullopt, 42});
  Result<RunState> state = executor.Execute(*run, interval_);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(*state, RunState::kFailed);

  Result<std::vector<TaskInstanceRecord>> instances = store->TaskInstances(run->id);
  ASSERT_TRUE(instances.ok());
  std::map<std::string, std::string> states;
  for (const TaskInstanceRecord& r : *instances) states[r.task_id] = TaskStateName(r.state);
  EXPECT_EQ(states, (std::map<std::string, std::string>{{"fails", "failed"},
                                                        {"skips", "skipped"},
                                                        {"ok", "success"},
                                                        {"join_all_done", "success"},
                                                        {"join_all_success", "upstream_failed"},
                                                        {"after_skip", "skipped"},
                                                        {"after_noop", "success"}}));
  // A noop that ran has one successful attempt with an empty output; one
  // its trigger rule held back has none.
  std::vector<AttemptRecord> ran = *store->Attempts(run->id, "join_all_done");
  ASSERT_EQ(ran.size(), 1u);
  EXPECT_EQ(ran[0].state, AttemptState::kSuccess);
  EXPECT_EQ(ran[0].output_json, "");
  EXPECT_TRUE(store->Attempts(run->id, "join_all_success")->empty());
}

}  // namespace
}  // namespace weir
