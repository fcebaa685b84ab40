// The shell task: `command` run by bash in its own process group, its output
// appended to the attempt's log. Exit codes 126 and 127 (not executable, not
// found) are user errors; any other failure is a fault, so `retries` apply.
#include <fstream>

#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

constexpr Duration kKillGrace = std::chrono::milliseconds(1000);

void AppendToLog(const std::string& path, const std::string& line) {
  std::ofstream out(path, std::ios::app);
  out << "[weir] " << line << "\n";
}

class ShellTask final : public TaskRunner {
 public:
  explicit ShellTask(const TaskServices& services) : services_(services) {}

  Result<std::string> Run(const TaskContext& context) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    WEIR_ASSIGN_OR_RETURN(RenderedText command, RenderParam(context.task, "command", names));
    ProcessSpec spec;
    spec.argv = {"bash", "-c", command.text};
    spec.output_path = context.log_path;
    spec.working_dir = context.project.root;
    if (context.task.param("cwd") != nullptr) {
      WEIR_ASSIGN_OR_RETURN(RenderedText cwd, RenderParam(context.task, "cwd", names));
      spec.working_dir = context.project.Resolve(cwd.text);
    }
    WEIR_ASSIGN_OR_RETURN(spec.env, RenderEnv(context.task, names));
    AddRunVariables(context, spec.env);
    AppendToLog(context.log_path, "attempt " + std::to_string(context.attempt) + ": bash -c " + command.shown);
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Process> process, services_.processes.Start(spec));
    std::optional<ProcessExit> exit = process->Wait(context.deadline, &context.cancel);
    if (!exit) {
      process->KillGroup(kKillGrace);
      bool timed_out = std::chrono::system_clock::now() >= context.deadline;
      AppendToLog(context.log_path, timed_out ? "timed out: process group killed" : "stopped: process group killed");
      return timed_out ? Fault("timeout", "shell command timed out") : Cancelled("shell command stopped");
    }
    return Outcome(*exit, context.log_path);
  }

 private:
  static void AddRunVariables(const TaskContext& context, std::map<std::string, std::string>& env) {
    env.emplace("WEIR_DS", context.interval.ds);
    env.emplace("WEIR_DATA_INTERVAL_START", context.interval.start_iso);
    env.emplace("WEIR_DATA_INTERVAL_END", context.interval.end_iso);
    env.emplace("WEIR_PIPELINE", context.pipeline.name);
    env.emplace("WEIR_TASK_ID", context.task.id);
    env.emplace("WEIR_RUN_ID", std::to_string(context.run.id.value));
    env.emplace("WEIR_ATTEMPT", std::to_string(context.attempt));
  }

  static Result<std::string> Outcome(const ProcessExit& exit, const std::string& log_path) {
    if (exit.success()) {
      AppendToLog(log_path, "exit code 0");
      return std::string("{\"exit_code\": 0}");
    }
    if (exit.signal != 0) {
      AppendToLog(log_path, "killed by signal " + std::to_string(exit.signal));
      return Fault("shell-signal", "shell command killed by signal " + std::to_string(exit.signal) +
                                       " (log: " + log_path + ")");
    }
    AppendToLog(log_path, "exit code " + std::to_string(exit.exit_code));
    std::string message = "shell command exited with code " + std::to_string(exit.exit_code) + " (log: " + log_path + ")";
    if (exit.exit_code == 126 || exit.exit_code == 127) return UserError("shell-command-not-found", message);
    return Fault("shell-exit", message);
  }

  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewShellTask(const TaskServices& services) {
  return std::make_shared<ShellTask>(services);
}

}  // namespace weir::tasks_internal
