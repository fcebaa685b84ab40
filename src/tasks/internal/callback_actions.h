// The actions a callback runs (a shell command, a webhook, an email) and
// the payload they describe the event with.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tasks/internal/callback_queue.h"
#include "tasks/tasks.h"

namespace weir::tasks_internal {

// One callback event as it fires: what happened to which task of which run.
struct CallbackFiring {
  CallbackEvent event = CallbackEvent::kFailure;
  const ProjectDef* project = nullptr;
  const PipelineDef* pipeline = nullptr;
  const TaskDef* task = nullptr;   // null: the run's own callbacks
  RunRecord run;
  DataInterval interval;
  std::string state;               // the task's state ("failed", "running", ...), or the run's
  int attempt = 0;                 // the attempt it happened on; 0: none
  std::string error_code;          // "" when there was no error
  std::string error;
  std::string log_path;            // the attempt's log; "" for none
  std::string log_target;          // where the actions write their own lines
  std::optional<std::chrono::milliseconds> sla;  // on_sla_miss: the task's sla
  TimePoint sla_deadline;                        // and the time it passed
  // on_stale: the dataset, its promise, how old it is, and when it was
  // last updated (none: never).
  std::string dataset;
  std::chrono::milliseconds freshness{0};
  std::chrono::milliseconds age{0};
  std::optional<TimePoint> last_updated;
};

// The JSON object a webhook posts and a shell action gets in
// $WEIR_CALLBACK_PAYLOAD.
std::string CallbackPayload(const CallbackFiring& firing);

// What actions run with. Must outlive every job they queue.
struct CallbackEnv {
  const TaskServices& services;
  Clock& clock;          // when retries are due
  CallbackQueue& queue;  // where retries wait
  std::function<void(const std::string&)> warn;
};

// Runs each action for `firing`, one after another, on the calling (queue)
// thread: a failed action is logged and warned about and never stops the
// next. Webhooks and emails that meet a fault (connection, 5xx, 429) are
// tried again later (4 tries, 1s, 2s, 4s apart, or longer if the server
// asks); shell commands run once, for at most a minute.
void RunCallbackActions(const std::shared_ptr<const CallbackFiring>& firing,
                        const std::vector<CallbackAction>& actions, const CallbackEnv& env,
                        const CancelToken& cancel);

}  // namespace weir::tasks_internal
