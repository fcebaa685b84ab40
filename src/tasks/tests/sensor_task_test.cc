#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "connectors/tests/local_http_server.h"
#include "tasks/tests/task_test_base.h"

namespace weir {
namespace {

using testing::LocalHttpServer;

class SensorTaskTest : public TaskTestBase {
 protected:
  SensorTaskTest() : TaskTestBase("sensor", "wait", "tok-5e4d3c2b1a") {}

  void SetUp() override {
    TaskTestBase::SetUp();
    interval_.start = TimePoint(std::chrono::hours(24 * 19787));  // 2024-03-05T00:00:00Z
    env_.Set("BASE_URL", server_.Url(""));
  }

  void WriteLakeFile(const std::string& relative) {
    std::filesystem::path path = std::filesystem::path(root_) / project_.lake / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << "x\n";
  }

  // Runs the task with a state store (external_task reads other runs).
  Result<std::string> RunWithStore(const TaskDef& task) {
    auto factory = NewTaskRunnerFactory(services_);
    auto runner = factory->RunnerFor(task);
    if (!runner.ok()) return runner.status();
    TaskContext ctx{project_, pipeline_, task, run_, interval_, 1, log_path(), TimePoint::max(), cancel_, store_.get()};
    return (*runner)->Run(ctx);
  }

  void Warehouse(const std::string& sql) {
    auto db = duckdb_.Connect(root_ + "/warehouse.duckdb");
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Execute(sql).ok());
  }

  // A run of pipeline `other` for `ds` whose task `publish` is in `state`.
  void OtherRun(const std::string& ds, TaskState state) {
    Result<RunRecord> run = store_->CreateRun(
        NewRun{"other", ds, ds + "T00:00:00+00:00", "", TimePoint(), {"publish"}});
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    ASSERT_TRUE(store_->SetTaskState(run->id, "publish", state).ok());
  }

  void DefineOtherPipeline() {
    PipelineDef other;
    other.name = "other";
    TaskDef publish;
    publish.id = "publish";
    other.tasks.push_back(publish);
    project_.pipelines.push_back(other);
  }

  static ErrorKind KindOf(const Result<std::string>& r) { return r.ok() ? ErrorKind::kInternal : r.status().kind(); }

  LocalHttpServer server_;
  std::unique_ptr<StateStore> store_ = NewMemoryStateStore();
};

TEST_F(SensorTaskTest, FileSensorWaitsForAFinishedFileMatchingItsGlob) {
  TaskDef task = Task("sensor: file\npath: \"raw/orders/ds={{ ds }}/*.csv\"\n");
  Result<std::string> first = Run(task);
  EXPECT_EQ(KindOf(first), ErrorKind::kNotYet);
  EXPECT_NE(first.status().message().find("raw/orders/ds=2024-03-05/*.csv"), std::string::npos);
  WriteLakeFile("raw/orders/ds=2024-03-04/part-1.csv");  // another day
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);
  WriteLakeFile("raw/orders/ds=2024-03-05/part-2.csv");
  WriteLakeFile("raw/orders/ds=2024-03-05/part-1.csv");
  Result<std::string> met = Run(task);
  ASSERT_TRUE(met.ok()) << met.status().ToString();
  EXPECT_EQ(*met, R"({"matched": 2, "paths": ["raw/orders/ds=2024-03-05/part-1.csv", )"
                  R"("raw/orders/ds=2024-03-05/part-2.csv"]})");
}

TEST_F(SensorTaskTest, FileSensorOnAFolderNeedsAFileInsideAndTheLakeRootIsNoPattern) {
  project_.lake = "la[k]e/";  // would match "lke/" as a pattern
  TaskDef task = Task("sensor: file\npath: raw/ds={{ ds }}\n");
  std::filesystem::create_directories(std::filesystem::path(root_) / "la[k]e/raw/ds=2024-03-05/empty");
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);
  WriteLakeFile("raw/ds=2024-03-05/empty/part.parquet.weir-tmp-1-1");  // still being written
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);
  WriteLakeFile("raw/ds=2024-03-05/empty/deep/_SUCCESS");
  Result<std::string> met = Run(task);
  ASSERT_TRUE(met.ok()) << met.status().ToString();
  EXPECT_EQ(*met, R"({"matched": 1, "paths": ["raw/ds=2024-03-05"]})");
}

TEST_F(SensorTaskTest, FileSensorPathMayNotLeaveTheLake) {
  Result<std::string> out = Run(Task("sensor: file\npath: ../outside/*.csv\n"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), "bad-lake-path");
}

TEST_F(SensorTaskTest, SqlSensorIsMetByATrueOrNonZeroFirstCell) {
  Warehouse("CREATE TABLE batches (ds VARCHAR, done BOOLEAN)");
  TaskDef task = Task("sensor: sql\nsql: \"SELECT done FROM batches WHERE ds = '{{ ds }}'\"\n");
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);  // no rows
  Warehouse("INSERT INTO batches VALUES ('2024-03-05', NULL)");
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);
  Warehouse("UPDATE batches SET done = false");
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);
  Warehouse("UPDATE batches SET done = true");
  Result<std::string> met = Run(task);
  ASSERT_TRUE(met.ok()) << met.status().ToString();
  EXPECT_EQ(*met, R"({"value": "true"})");

  EXPECT_EQ(KindOf(Run(Task("sensor: sql\nsql: SELECT count(*) FROM batches WHERE ds = 'none'\n"))),
            ErrorKind::kNotYet);
  EXPECT_TRUE(Run(Task("sensor: sql\nsql: SELECT 2.5::DECIMAL(4,1)\n")).ok());
  Result<std::string> text = Run(Task("sensor: sql\nsql: SELECT 'yes'\n"));
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), "sensor-bad-value");
  EXPECT_EQ(text.status().where().ToString(), "p.yml:2:6");
}

TEST_F(SensorTaskTest, SqlSensorReadsANamedDuckDbConnection) {
  {
    auto source = duckdb_.Connect(root_ + "/source.duckdb");
    ASSERT_TRUE(source.ok());
    ASSERT_TRUE((*source)->Execute("CREATE TABLE ready AS SELECT 1 AS n").ok());
  }
  project_.connections.emplace("source", ParseYaml("{type: duckdb, path: source.duckdb}", "weir.yml").root);
  Result<std::string> met = Run(Task("sensor: sql\nconnection: source\nsql: SELECT n FROM ready\n"));
  ASSERT_TRUE(met.ok()) << met.status().ToString();
  Result<std::string> unknown = Run(Task("sensor: sql\nconnection: sorce\nsql: SELECT 1\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), "unknown-connection");
  EXPECT_NE(unknown.status().message().find("did you mean 'source'?"), std::string::npos);
}

TEST_F(SensorTaskTest, HttpSensorIsMetBy2xxAndKeepsItsTokenOutOfTheLog) {
  server_.Script("/ready", {{503, "warming up"}, {404, ""}, {204, ""}});
  TaskDef task = Task(R"(sensor: http
url: "{{ env_var('BASE_URL') }}/ready?ds={{ ds }}"
headers: {Authorization: "Bearer {{ secret('api_token') }}"}
)");
  Result<std::string> first = Run(task);
  EXPECT_EQ(KindOf(first), ErrorKind::kNotYet);
  EXPECT_NE(first.status().message().find("answered 503"), std::string::npos) << first.status().message();
  EXPECT_EQ(KindOf(Run(task)), ErrorKind::kNotYet);
  Result<std::string> met = Run(task);
  ASSERT_TRUE(met.ok()) << met.status().ToString();
  EXPECT_EQ(*met, R"({"status": 204})");
  std::vector<LocalHttpServer::Request> received = server_.requests();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[2].method, "GET");
  EXPECT_EQ(received[2].target, "/ready?ds=2024-03-05");
  EXPECT_EQ(received[2].Header("authorization"), "Bearer tok-5e4d3c2b1a");
  std::string log = Slurp(log_path());
  EXPECT_NE(log.find("not yet"), std::string::npos) << log;
  EXPECT_EQ(log.find("tok-5e4d3c2b1a"), std::string::npos) << log;
}

TEST_F(SensorTaskTest, HttpSensorTakesNoAnswerAsNotYet) {
  Result<std::string> refused = Run(Task("sensor: http\nurl: http://127.0.0.1:1/ready\n"));
  EXPECT_EQ(KindOf(refused), ErrorKind::kNotYet) << refused.status().ToString();
  Result<std::string> bad_url = Run(Task("sensor: http\nurl: gopher://x/\n"));
  EXPECT_EQ(KindOf(bad_url), ErrorKind::kUser) << bad_url.status().ToString();
}

TEST_F(SensorTaskTest, ExternalTaskSensorReadsTheLatestRunOfTheSameInterval) {
  DefineOtherPipeline();
  TaskDef task = Task("sensor: external_task\npipeline: other\ntask: publish\n");
  Result<std::string> none = RunWithStore(task);
  EXPECT_EQ(KindOf(none), ErrorKind::kNotYet);
  EXPECT_NE(none.status().message().find("no run of pipeline 'other'"), std::string::npos);
  OtherRun("2024-03-05", TaskState::kFailed);  // failed: keep waiting, as Airflow by default
  EXPECT_EQ(KindOf(RunWithStore(task)), ErrorKind::kNotYet);
  OtherRun("2024-03-04", TaskState::kSuccess);  // another interval
  EXPECT_EQ(KindOf(RunWithStore(task)), ErrorKind::kNotYet);
  OtherRun("2024-03-05", TaskState::kSuccess);  // a newer run of the same interval
  Result<std::string> met = RunWithStore(task);
  ASSERT_TRUE(met.ok()) << met.status().ToString();
  EXPECT_EQ(*met, R"({"run_id": 3, "state": "success"})");
}

TEST_F(SensorTaskTest, ExternalTaskSensorWithDeltaAndFailedStates) {
  DefineOtherPipeline();
  OtherRun("2024-03-04", TaskState::kUpstreamFailed);
  TaskDef task = Task("sensor: external_task\npipeline: other\ntask: publish\ndelta: -1d\n"
                      "failed_states: [failed, upstream_failed]\n");
  Result<std::string> failed = RunWithStore(task);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), "external-task-failed");
  EXPECT_NE(failed.status().message().find("ended upstream_failed in run 1"), std::string::npos)
      << failed.status().message();
  Result<std::string> typo = RunWithStore(Task("sensor: external_task\npipeline: othr\ntask: publish\n"));
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), "unknown-pipeline");
  EXPECT_NE(typo.status().message().find("did you mean 'other'?"), std::string::npos);
  Result<std::string> no_task = RunWithStore(Task("sensor: external_task\npipeline: other\ntask: publsh\n"));
  ASSERT_FALSE(no_task.ok());
  EXPECT_EQ(no_task.status().code(), "unknown-task");
}

}  // namespace
}  // namespace weir
