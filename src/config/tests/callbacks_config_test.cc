// Callback keys (on_failure, on_retry, on_success, on_sla_miss), `sla` and
// weir.yml's `smtp:` as the loader reads and checks them.
#include <gtest/gtest.h>

#include "config/config.h"

namespace weir {
namespace {

constexpr char kSmtpProject[] =
    "name: p\nsmtp: {url: \"smtp://127.0.0.1:2525\", from: weir@localhost, password: \"{{ secret('smtp') }}\"}\n";

ProjectLoad Load(const std::string& project, const std::string& pipeline) {
  FakeFilesystem fs;
  EXPECT_TRUE(fs.WriteFile("proj/weir.yml", project).ok());
  EXPECT_TRUE(fs.WriteFile("proj/pipelines/p.yml", pipeline).ok());
  return LoadProject("proj", fs);
}

std::vector<std::string> Describe(const ProjectLoad& load) {
  std::vector<std::string> out;
  for (const Status& s : load.errors) out.push_back(s.where().ToString() + " " + s.code());
  return out;
}

const std::vector<CallbackAction>& Actions(const CallbackMap& map, CallbackEvent event) {
  static const std::vector<CallbackAction> kNone;
  auto it = map.find(event);
  return it == map.end() ? kNone : it->second;
}

TEST(CallbacksConfigTest, TasksTakeCallbacksAndSlaFromDefaultsKeyByKey) {
  constexpr char kPipeline[] = R"(pipeline: p
on_failure: {shell: "echo run failed {{ run_id }}"}
on_success: [{webhook: "http://hooks/{{ pipeline }}"}]
defaults:
  sla: 30m
  on_failure: {email: [ops@example.com, "{{ var('oncall') }}"], subject: "{{ task_id }} {{ state }}"}
  on_retry: {webhook: "http://hooks/retry", headers: {Authorization: "Bearer {{ secret('hook') }}"}}
tasks:
  - id: a
    kind: shell
    command: "true"
  - id: b
    kind: shell
    command: "true"
    sla: 1h
    on_failure: []
    on_sla_miss: {shell: "echo late {{ error }} {{ log_path }} {{ attempt }}"}
)";
  ProjectLoad load = Load(kSmtpProject, kPipeline);
  ASSERT_TRUE(load.ok()) << load.errors[0].ToString();
  const PipelineDef& p = load.project.pipelines[0];
  ASSERT_EQ(Actions(p.callbacks, CallbackEvent::kFailure).size(), 1u);
  EXPECT_EQ(Actions(p.callbacks, CallbackEvent::kFailure)[0].kind, CallbackAction::Kind::kShell);
  EXPECT_EQ(Actions(p.callbacks, CallbackEvent::kSuccess)[0].target.scalar(), "http://hooks/{{ pipeline }}");

  const TaskDef& a = p.tasks[0];
  EXPECT_EQ(a.sla, std::chrono::minutes(30));
  ASSERT_EQ(Actions(a.callbacks, CallbackEvent::kFailure).size(), 1u);
  const CallbackAction& email = Actions(a.callbacks, CallbackEvent::kFailure)[0];
  EXPECT_EQ(email.kind, CallbackAction::Kind::kEmail);
  EXPECT_EQ(email.target.items().size(), 2u);
  EXPECT_EQ(email.subject->scalar(), "{{ task_id }} {{ state }}");
  EXPECT_EQ(email.where.ToString(), "pipelines/p.yml:6:15");
  const CallbackAction& retry = Actions(a.callbacks, CallbackEvent::kRetry)[0];
  ASSERT_EQ(retry.headers.size(), 1u);
  EXPECT_EQ(retry.headers[0].first, "Authorization");
  EXPECT_TRUE(a.params.count("on_failure") == 0 && a.params.count("sla") == 0);  // not kind keys

  const TaskDef& b = p.tasks[1];
  EXPECT_EQ(b.sla, std::chrono::hours(1));
  EXPECT_TRUE(Actions(b.callbacks, CallbackEvent::kFailure).empty());  // [] turns the default off
  EXPECT_EQ(Actions(b.callbacks, CallbackEvent::kRetry).size(), 1u);   // still the default
  EXPECT_EQ(Actions(b.callbacks, CallbackEvent::kSlaMiss).size(), 1u);

  ASSERT_TRUE(load.project.smtp);
  EXPECT_EQ(load.project.smtp->url.scalar(), "smtp://127.0.0.1:2525");
  EXPECT_EQ(load.project.smtp->tls, SmtpSettings::Tls::kStartTls);
  EXPECT_FALSE(load.project.smtp->username);
  EXPECT_EQ(CallbackEventKey(CallbackEvent::kSlaMiss), "on_sla_miss");
}

TEST(CallbacksConfigTest, BadCallbacksAreReportedWhereTheyAreWritten) {
  constexpr char kPipeline[] = R"(pipeline: p
on_retry: {shell: "x"}
tasks:
  - id: a
    kind: shell
    command: "true"
    on_failure: {shell: "x", webhook: "http://y"}
    on_success: [{webhook: "http://y", subject: s}, shell]
    on_retry: {shell: "echo {{ errr }}"}
    on_sla_miss: {email: [a@b, {x: 1}]}
    sla: soon
)";
  ProjectLoad load = Load("name: p\n", kPipeline);
  EXPECT_EQ(Describe(load), (std::vector<std::string>{
                                "pipelines/p.yml:2:1 unknown-key",        // on_retry is not a run's
                                "pipelines/p.yml:7:17 bad-callback",      // two kinds in one action
                                "pipelines/p.yml:9:23 undefined-name",    // errr
                                "pipelines/p.yml:8:40 unknown-key",       // subject is an email's
                                "pipelines/p.yml:8:53 bad-callback",      // a bare word
                                "pipelines/p.yml:10:32 wrong-type",       // recipients are strings
                                "pipelines/p.yml:11:10 bad-duration",
                                "pipelines/p.yml:10:18 no-smtp",          // email needs weir.yml's smtp
                            }));
  EXPECT_NE(load.errors[2].message().find("did you mean 'error'?"), std::string::npos) << load.errors[2].message();
}

TEST(CallbacksConfigTest, SmtpNeedsAUrlAndASender) {
  ProjectLoad load = Load("name: p\nsmtp: {url: \"http://mail\", tls: always, user: x}\n", "pipeline: p\ntasks: []\n");
  EXPECT_EQ(Describe(load), (std::vector<std::string>{"weir.yml:2:41 unknown-key", "weir.yml:2:7 missing-key",
                                                      "weir.yml:2:13 bad-value", "weir.yml:2:33 bad-value"}));
  ProjectLoad emailed =
      Load("name: p\n", "pipeline: p\ndefaults: {on_failure: {email: a@b}}\ntasks:\n"
                        "  - {id: a, kind: shell, command: x}\n  - {id: b, kind: shell, command: x}\n");
  // One error for the defaults' action, not one per task that inherits it.
  EXPECT_EQ(Describe(emailed), std::vector<std::string>{"pipelines/p.yml:2:24 no-smtp"});
}

}  // namespace
}  // namespace weir
