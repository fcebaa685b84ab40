// A callback's actions: a shell command, a webhook POST, an email. Each is
// one Delivery: rendered once, tried (again, for faults, on the queue), its
// lines in the firing's log, a warning when it finally fails.
#include "tasks/internal/callback_actions.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "schedule/schedule.h"
#include "tasks/internal/attempt_log.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

constexpr int kTries = 4;                                 // the first and three retries
constexpr Duration kFirstRetryDelay = std::chrono::seconds(1);  // doubled per retry
constexpr Duration kMaxRetryDelay = std::chrono::minutes(1);    // cap on a server's Retry-After
constexpr Duration kWebhookTimeout = std::chrono::seconds(10);
constexpr Duration kEmailTimeout = std::chrono::seconds(30);
constexpr Duration kShellLimit = std::chrono::minutes(1);
constexpr Duration kKillGrace = std::chrono::seconds(1);

// One action of one firing, from its first try to its last.
struct Delivery {
  std::string event;   // "on_failure"
  std::string what;    // "webhook POST http://..." with secrets as ***
  std::string whose;   // "task 'load' of daily_sales" or "run 4 of daily_sales"
  std::function<Status(const CancelToken&)> send;  // one try
  std::shared_ptr<SecretValues> secrets;
  std::unique_ptr<AttemptLog> log;
  bool log_existed = false;  // a quiet success does not create a log of its own
  int tries = 0;
};

std::string Whose(const CallbackFiring& f) {
  if (!f.dataset.empty()) return "dataset '" + f.dataset + "'";
  if (f.task != nullptr) return "task '" + f.task->id + "' of " + f.pipeline->name + " (" + f.run.ds + ")";
  return "run " + std::to_string(f.run.id.value) + " of " + f.pipeline->name + " (" + f.run.ds + ")";
}

// A task's template names, and the callback's own.
TemplateContext CallbackNames(const CallbackFiring& f, const TaskServices& services, const CancelToken& cancel,
                              const std::shared_ptr<SecretValues>& secrets) {
  static const TaskDef kNoTask;  // the run's own callbacks: task_id is ""
  TaskContext context{*f.project, *f.pipeline, f.task != nullptr ? *f.task : kNoTask, f.run, f.interval,
                      f.attempt, f.log_path, TimePoint::max(), cancel};
  TemplateContext names = MakeTemplateContext(context, services);
  names.Set("event", TemplateValue::String(std::string(CallbackEventKey(f.event))));
  names.Set("state", TemplateValue::String(f.state));
  names.Set("error", TemplateValue::String(f.error));
  names.Set("error_code", TemplateValue::String(f.error_code));
  names.Set("log_path", TemplateValue::String(f.log_path));
  names.Set("dataset", TemplateValue::String(f.dataset));
  RecordSecrets(names, secrets);
  return names;
}

void Try(const std::shared_ptr<Delivery>& d, const CallbackEnv& env, const CancelToken& cancel) {
  ++d->tries;
  Status sent = d->send(cancel);
  std::string tries = " (try " + std::to_string(d->tries) + " of " + std::to_string(kTries) + ")";
  if (sent.ok()) {
    d->log->Line(d->event + " " + d->what + ": done" + (d->tries > 1 ? tries : ""), d->log_existed);
    return;
  }
  std::string why = d->secrets->Redact(sent.message());
  if (sent.retryable() && d->tries < kTries && !cancel.cancelled()) {
    Duration delay = std::max(kFirstRetryDelay * (1 << (d->tries - 1)), sent.retry_after().value_or(Duration(0)));
    delay = std::min(delay, kMaxRetryDelay);
    d->log->Line(d->event + " " + d->what + ": " + why + tries + "; again in " + FormatDuration(delay), true);
    env.queue.PostAt(env.clock.Now() + delay, [d, &env](const CancelToken& c) { Try(d, env, c); });
    return;
  }
  d->log->Line(d->event + " " + d->what + " failed: " + why + (d->tries > 1 ? tries : ""), true);
  env.warn(d->whose + ": " + d->event + " " + d->what + " failed: " + why);
}

Result<std::vector<std::string>> RenderList(const ConfigNode& node, const std::string& what,
                                            const TemplateContext& names) {
  std::vector<std::string> out;
  std::vector<const ConfigNode*> items;
  if (node.is_sequence()) {
    for (const ConfigNode& item : node.items()) items.push_back(&item);
  } else {
    items.push_back(&node);
  }
  for (const ConfigNode* item : items) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(*item, what, names));
    out.push_back(std::move(text.text));
  }
  return out;
}

// Shell: bash -c COMMAND in the project folder, its output in the log.
Status PrepareShell(Delivery& d, const CallbackFiring& f, const CallbackAction& action,
                    const TemplateContext& names, const CallbackEnv& env) {
  WEIR_ASSIGN_OR_RETURN(RenderedText command, RenderNode(action.target, "'shell'", names));
  d.what = "shell: " + command.shown;
  ProcessSpec spec;
  spec.argv = {"bash", "-c", command.text};
  spec.working_dir = f.project->root;
  spec.capture_output = true;
  spec.env = {{"WEIR_CALLBACK", d.event}, {"WEIR_PIPELINE", f.pipeline->name},
              {"WEIR_TASK_ID", f.task != nullptr ? f.task->id : ""}, {"WEIR_RUN_ID", std::to_string(f.run.id.value)},
              {"WEIR_DS", f.interval.ds}, {"WEIR_STATE", f.state}, {"WEIR_ATTEMPT", std::to_string(f.attempt)},
              {"WEIR_ERROR", f.error}, {"WEIR_LOG_PATH", f.log_path},
              {"WEIR_CALLBACK_PAYLOAD", CallbackPayload(f)}, {"WEIR_DATASET", f.dataset}};
  ProcessLauncher& processes = env.services.processes;
  AttemptLog* log = d.log.get();
  d.send = [spec, &processes, log](const CancelToken& cancel) -> Status {
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Process> process, processes.Start(spec));
    TimePoint deadline = std::chrono::system_clock::now() + kShellLimit;
    std::optional<ProcessExit> exit = process->Wait(deadline, &cancel, [log](std::string_view text) { log->Output(text); });
    if (!exit) {
      process->KillGroup(kKillGrace);
      return UserError("callback-timeout", "still running after " + FormatDuration(kShellLimit) + ": killed");
    }
    if (exit->success()) return OkStatus();
    if (exit->signal != 0) return UserError("callback-exit", "killed by signal " + std::to_string(exit->signal));
    return UserError("callback-exit", "exited with code " + std::to_string(exit->exit_code));
  };
  return OkStatus();
}

// Webhook: POST the payload as JSON; 2xx is done, 408/429/5xx are faults.
Status PrepareWebhook(Delivery& d, const CallbackFiring& f, const CallbackAction& action,
                      const TemplateContext& names) {
  WEIR_ASSIGN_OR_RETURN(RenderedText url, RenderNode(action.target, "'webhook'", names));
  d.what = "webhook POST " + url.shown;
  HttpRequest request;
  request.method = "POST";
  request.url = url.text;
  request.timeout = kWebhookTimeout;
  request.body = CallbackPayload(f);
  request.headers.emplace_back("Content-Type", "application/json");
  for (const auto& [name, value] : action.headers) {
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, "header '" + name + "'", names));
    request.headers.emplace_back(name, std::move(text.text));
  }
  d.send = [request](const CancelToken& cancel) -> Status {
    TimePoint now = std::chrono::system_clock::now();
    WEIR_ASSIGN_OR_RETURN(HttpResponse response, HttpFetch(request, cancel, now + kWebhookTimeout + kKillGrace));
    int status = response.status;
    if (status >= 200 && status < 300) return OkStatus();
    std::string message = "answered " + std::to_string(status);
    if (status == 408 || status == 429 || status >= 500) {
      Status fault = Fault("http-" + std::to_string(status), message);
      if (auto wait = response.RetryAfter(now)) fault = fault.WithRetryAfter(*wait);
      return fault;
    }
    return UserError("http-" + std::to_string(status), message);
  };
  return OkStatus();
}

std::string DefaultSubject(const CallbackFiring& f) {
  static const std::map<CallbackEvent, std::string> kWhat = {
      {CallbackEvent::kFailure, "failed"}, {CallbackEvent::kRetry, "failed, will retry"},
      {CallbackEvent::kSuccess, "succeeded"}, {CallbackEvent::kSlaMiss, "missed its SLA"},
      {CallbackEvent::kStale, "is stale"}};
  if (!f.dataset.empty()) return "[weir] dataset " + f.dataset + " " + kWhat.at(f.event);
  std::string who = f.task != nullptr ? "task " + f.task->id : "run " + std::to_string(f.run.id.value);
  return "[weir] " + f.pipeline->name + ": " + who + " " + kWhat.at(f.event) + " (" + f.interval.ds + ")";
}

std::string DefaultBody(const CallbackFiring& f) {
  std::string body = f.dataset.empty() ? "" : "Dataset: " + f.dataset + "\n";
  if (!f.dataset.empty()) body += "Freshness: " + FormatDuration(f.freshness) + ", age " + FormatDuration(f.age) + "\n";
  body += "Pipeline: " + f.pipeline->name + "\n";
  if (f.task != nullptr) body += "Task: " + f.task->id + "\n";
  body += "Event: " + std::string(CallbackEventKey(f.event)) + "\nState: " + f.state + "\n";
  if (f.attempt > 0) body += "Attempt: " + std::to_string(f.attempt) + "\n";
  body += "Run: " + std::to_string(f.run.id.value) + ", ds " + f.interval.ds + ", data interval [" +
          f.interval.start_iso + ", " + f.interval.end_iso + ")\n";
  if (!f.error.empty()) body += "Error: " + f.error + (f.error_code.empty() ? "" : " [" + f.error_code + "]") + "\n";
  if (f.sla) body += "SLA: " + FormatDuration(*f.sla) + ", passed at " + FormatUtc(f.sla_deadline) + "\n";
  if (!f.log_path.empty()) body += "Log: " + f.log_path + "\n";
  return body;
}

// Email: through weir.yml's smtp (the loader refuses email actions without it).
Status PrepareEmail(Delivery& d, const CallbackFiring& f, const CallbackAction& action,
                    const TemplateContext& names) {
  const SmtpSettings& smtp = *f.project->smtp;
  SmtpMessage message;
  WEIR_ASSIGN_OR_RETURN(RenderedText url, RenderNode(smtp.url, "smtp 'url'", names));
  message.url = url.text;
  WEIR_ASSIGN_OR_RETURN(RenderedText from, RenderNode(smtp.from, "smtp 'from'", names));
  message.from = from.text;
  if (smtp.username) {
    WEIR_ASSIGN_OR_RETURN(RenderedText user, RenderNode(*smtp.username, "smtp 'username'", names));
    message.username = user.text;
  }
  if (smtp.password) {
    WEIR_ASSIGN_OR_RETURN(RenderedText password, RenderNode(*smtp.password, "smtp 'password'", names));
    message.password = password.text;
  }
  message.tls = smtp.tls == SmtpSettings::Tls::kRequired ? SmtpMessage::Tls::kRequired
                : smtp.tls == SmtpSettings::Tls::kNone   ? SmtpMessage::Tls::kNone
                                                         : SmtpMessage::Tls::kStartTls;
  WEIR_ASSIGN_OR_RETURN(message.to, RenderList(action.target, "'email'", names));
  message.subject = DefaultSubject(f);
  if (action.subject) {
    WEIR_ASSIGN_OR_RETURN(RenderedText subject, RenderNode(*action.subject, "'subject'", names));
    message.subject = subject.text;
  }
  message.body = DefaultBody(f);
  if (action.body) {
    WEIR_ASSIGN_OR_RETURN(RenderedText body, RenderNode(*action.body, "'body'", names));
    message.body = body.text;
  }
  message.timeout = kEmailTimeout;
  std::string to;
  for (const std::string& address : message.to) to += (to.empty() ? "" : ", ") + address;
  d.what = "email to " + d.secrets->Redact(to) + " via " + url.shown;
  d.send = [message](const CancelToken& cancel) {
    return SmtpSend(message, cancel, std::chrono::system_clock::now() + kEmailTimeout + kKillGrace);
  };
  return OkStatus();
}

const char* KindName(CallbackAction::Kind kind) {
  switch (kind) {
    case CallbackAction::Kind::kShell: return "shell";
    case CallbackAction::Kind::kWebhook: return "webhook";
    case CallbackAction::Kind::kEmail: return "email";
  }
  return "";
}

}  // namespace

std::string CallbackPayload(const CallbackFiring& f) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s); };
  nlohmann::ordered_json j;
  j["event"] = std::string(CallbackEventKey(f.event));
  j["pipeline"] = f.pipeline->name;
  j["run_id"] = f.run.id.value;
  j["task"] = f.task != nullptr ? nlohmann::ordered_json(f.task->id) : nlohmann::ordered_json();
  j["state"] = f.state;
  j["attempt"] = f.attempt > 0 ? nlohmann::ordered_json(f.attempt) : nlohmann::ordered_json();
  j["ds"] = f.interval.ds;
  j["data_interval_start"] = f.interval.start_iso;
  j["data_interval_end"] = f.interval.end_iso;
  j["error"] = text_or_null(f.error);
  j["error_code"] = text_or_null(f.error_code);
  j["log_path"] = text_or_null(f.log_path);
  if (f.sla) {
    j["sla"] = FormatDuration(*f.sla);
    j["sla_deadline"] = FormatUtc(f.sla_deadline);
  }
  if (!f.dataset.empty()) {
    j["dataset"] = f.dataset;
    j["freshness"] = FormatDuration(f.freshness);
    j["age"] = FormatDuration(f.age);
    j["last_updated"] = f.last_updated ? nlohmann::ordered_json(FormatUtc(*f.last_updated)) : nlohmann::ordered_json();
  }
  return j.dump();
}

void RunCallbackActions(const std::shared_ptr<const CallbackFiring>& firing,
                        const std::vector<CallbackAction>& actions, const CallbackEnv& env,
                        const CancelToken& cancel) {
  const CallbackFiring& f = *firing;
  for (const CallbackAction& action : actions) {
    auto d = std::make_shared<Delivery>();
    d->event = std::string(CallbackEventKey(f.event));
    d->whose = Whose(f);
    d->what = KindName(action.kind);
    d->secrets = std::make_shared<SecretValues>();
    d->log_existed = env.services.files.Exists(f.log_target);
    d->log = std::make_unique<AttemptLog>(f.log_target, "callbacks of " + d->whose);
    d->log->SetSecrets(d->secrets);
    TemplateContext names = CallbackNames(f, env.services, cancel, d->secrets);
    Status ready = action.kind == CallbackAction::Kind::kShell     ? PrepareShell(*d, f, action, names, env)
                   : action.kind == CallbackAction::Kind::kWebhook ? PrepareWebhook(*d, f, action, names)
                                                                   : PrepareEmail(*d, f, action, names);
    if (!ready.ok()) {
      std::string why = d->secrets->Redact(ready.ToString());
      d->log->Line(d->event + " " + d->what + " failed: " + why, true);
      env.warn(d->whose + ": " + d->event + " " + d->what + " failed: " + why);
      continue;
    }
    Try(d, env, cancel);
  }
}

}  // namespace weir::tasks_internal
