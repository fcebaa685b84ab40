// After a crash: the process groups a killed weir left running, and
// zombies (attempts whose owner stopped beating and is gone).
#include <ctime>

#include "engine/engine.h"
#include "schedule/schedule.h"

namespace weir {
namespace {

void Say(const RecoveryOptions& options, const std::string& line) {
  if (options.say) options.say(line);
}

// Ends `attempt`'s process group if it is still here. True when it was.
bool KillGroupOf(const AttemptRecord& attempt, const RecoveryOptions& options) {
  if (attempt.process_group.empty() || !options.processes->GroupAlive(attempt.process_group)) return false;
  options.processes->KillGroup(attempt.process_group, options.kill_grace);
  Say(options, "killed orphaned process group " + std::to_string(attempt.process_group.pid) + " of task " +
                   attempt.task_id + " attempt " + std::to_string(attempt.number));
  return true;
}

enum class Owner { kAlive, kMaybeAlive, kGone };

// On this host the process table knows; a process elsewhere is alive as
// long as it beats. An attempt recorded without an owner (an older weir)
// has none to wait for.
Owner OwnerOf(const AttemptRecord& attempt, bool stale, ProcessTable& processes) {
  if (attempt.owner.empty()) return Owner::kGone;
  if (processes.Alive(attempt.owner)) return Owner::kAlive;
  bool here = attempt.owner.host == processes.Self().host;
  return here || stale ? Owner::kGone : Owner::kMaybeAlive;
}

// The task a zombie attempt ran: "load[3]" is an instance of "load".
const TaskDef* TaskOf(const PipelineDef& pipeline, const std::string& task_id) {
  std::optional<std::pair<std::string, int>> instance = ParseMapInstanceId(task_id);
  return pipeline.FindTask(instance ? instance->first : task_id);
}

Status FailZombie(StateStore& store, const AttemptRecord& attempt, const PipelineDef& pipeline, TimePoint now,
                  const RecoveryOptions& options) {
  KillGroupOf(attempt, options);
  TimePoint beat = attempt.heartbeat_at.value_or(attempt.started_at);
  std::string why = "zombie: no heartbeat since " + FormatUtc(beat) + " (owner pid " + std::to_string(attempt.owner.pid) +
                    (attempt.owner.host.empty() ? "" : " on " + attempt.owner.host) + " is gone)";
  const TaskDef* task = TaskOf(pipeline, attempt.task_id);
  bool retry = task != nullptr && attempt.number <= task->retry.retries;
  TaskState next = retry ? TaskState::kUpForRetry : TaskState::kFailed;
  WEIR_TRY(store.FinishAttempt(attempt.id, AttemptEnd{AttemptState::kFailed, now, "zombie", why, "", next}));
  Say(options, "task " + attempt.task_id + " attempt " + std::to_string(attempt.number) + " of run " +
                   std::to_string(attempt.run_id.value) + ": " + why + "; " + std::string(TaskStateName(next)));
  return OkStatus();
}

}  // namespace

Result<int> KillOrphanedProcessGroups(StateStore& store, RunId run, const RecoveryOptions& options) {
  WEIR_ASSIGN_OR_RETURN(std::vector<AttemptRecord> running, store.RunningAttempts(run));
  int killed = 0;
  for (const AttemptRecord& attempt : running) killed += KillGroupOf(attempt, options) ? 1 : 0;
  return killed;
}

Result<ZombieSweep> ReapZombies(StateStore& store, const RunRecord& run, const PipelineDef& pipeline, Clock& clock,
                                const RecoveryOptions& options) {
  WEIR_ASSIGN_OR_RETURN(std::vector<AttemptRecord> running, store.RunningAttempts(run.id));
  TimePoint now = clock.Now();
  ZombieSweep sweep;
  std::vector<const AttemptRecord*> zombies;
  for (const AttemptRecord& attempt : running) {
    bool stale = now - attempt.heartbeat_at.value_or(attempt.started_at) > options.zombie_after;
    Owner owner = OwnerOf(attempt, stale, *options.processes);
    if (owner != Owner::kGone) sweep.owned = true;
    else if (stale) zombies.push_back(&attempt);
  }
  if (sweep.owned) return sweep;  // a live owner goes on with the run: take none of it
  for (const AttemptRecord* attempt : zombies) WEIR_TRY(FailZombie(store, *attempt, pipeline, now, options));
  sweep.zombies = static_cast<int>(zombies.size());
  return sweep;
}

}  // namespace weir
