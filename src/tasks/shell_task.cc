// The shell task: `command` run by bash in its own process group, its output
// appended to the attempt's log. Exit codes 126 and 127 (not executable, not
// found) are user errors; any other failure is a fault, so `retries` apply.
#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "tasks/internal/attempt_log.h"
#include "tasks/internal/secret_values.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

constexpr Duration kKillGrace = std::chrono::milliseconds(1000);
// As Airflow's BashOperator: a command that exits 99 skips its task.
constexpr int kSkipExitCode = 99;

// Words that only bash understands: a command starting with one needs bash.
bool IsShellWord(const std::string& word) {
  static const char* const kWords[] = {
      ".", ":", "alias", "bg", "break", "cd", "command", "continue", "declare", "eval", "exec", "exit",
      "export", "fg", "getopts", "hash", "history", "jobs", "let", "local", "logout", "popd", "pushd",
      "read", "readonly", "return", "set", "shift", "shopt", "source", "suspend", "times", "trap", "type",
      "typeset", "ulimit", "umask", "unalias", "unset", "wait", "if", "for", "while", "until", "case",
      "function", "select", "time", "coproc", "{", "!", "[["};
  for (const char* w : kWords) {
    if (word == w) return true;
  }
  return false;
}

// As make does: a command of plain words (no quoting, expansion,
// redirection or shell keyword) means the same run directly as through
// bash, and starting bash for it costs more than the command itself.
std::optional<std::vector<std::string>> PlainWords(const std::string& command) {
  std::vector<std::string> words;
  std::string word;
  for (char c : command) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_-./,:+@%^", c) != nullptr;
    if (c == ' ') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else if (plain) {
      word += c;
    } else {
      return std::nullopt;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  if (words.empty() || IsShellWord(words[0])) return std::nullopt;
  return words;
}

class ShellTask final : public RedactingTask {
 public:
  explicit ShellTask(const TaskServices& services) : services_(services) {}

 protected:
  Result<std::string> RunWithSecrets(const TaskContext& context,
                                     const std::shared_ptr<SecretValues>& secrets) override {
    TemplateContext names = MakeTemplateContext(context, services_);
    RecordSecrets(names, secrets);
    return RunCommand(context, names, secrets);
  }

 private:
  Result<std::string> RunCommand(const TaskContext& context, const TemplateContext& names,
                                 const std::shared_ptr<SecretValues>& secrets) {
    WEIR_ASSIGN_OR_RETURN(RenderedText command, RenderParam(context.task, "command", names));
    ProcessSpec spec;
    spec.argv = PlainWords(command.text).value_or(std::vector<std::string>{"bash", "-c", command.text});
    AttemptLog log(context.log_path, "attempt " + std::to_string(context.attempt) + ": bash -c " + command.shown);
    log.SetSecrets(secrets);
    spec.capture_output = true;
    spec.working_dir = context.project.root;
    if (context.task.param("cwd") != nullptr) {
      WEIR_ASSIGN_OR_RETURN(RenderedText cwd, RenderParam(context.task, "cwd", names));
      spec.working_dir = context.project.Resolve(cwd.text);
      if (!services_.files.IsDirectory(spec.working_dir)) {
        return UserError("cwd-missing", "the task's cwd is not a folder: " + spec.working_dir,
                         context.task.param("cwd")->where());
      }
    }
    WEIR_ASSIGN_OR_RETURN(spec.env, RenderEnv(context.task, names));
    AddRunVariables(context, spec.env);
    Result<std::unique_ptr<Process>> started = services_.processes.Start(spec);
    if (!started.ok() && spec.argv[0] != "bash") {
      // Let bash report a missing program as it always does (exit 127).
      spec.argv = {"bash", "-c", command.text};
      started = services_.processes.Start(spec);
    }
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<Process> process, std::move(started));
    if (context.process_started) {
      // Recorded before anything else, so that a weir killed from here on
      // leaves a group the next one can find and end.
      Status recorded = context.process_started(process->pid());
      if (!recorded.ok()) {
        process->KillGroup(kKillGrace);
        log.Line("stopped: cannot record the process group: " + recorded.message(), true);
        return recorded;
      }
    }
    std::optional<ProcessExit> exit =
        process->Wait(context.deadline, &context.cancel, [&log](std::string_view text) { log.Output(text); });
    if (!exit) {
      process->KillGroup(kKillGrace);
      // Not cancelled means the deadline ended the wait.
      bool timed_out = !context.cancel.cancelled();
      log.Line(timed_out ? "timed out: process group killed" : "stopped: process group killed", true);
      return timed_out ? Fault("timeout", "shell command timed out") : Cancelled("shell command stopped");
    }
    return Outcome(*exit, log, context.log_path);
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

  static Result<std::string> Outcome(const ProcessExit& exit, AttemptLog& log, const std::string& log_path) {
    if (exit.success()) {
      log.Line("exit code 0", false);
      return std::string("{\"exit_code\": 0}");
    }
    if (exit.signal != 0) {
      log.Line("killed by signal " + std::to_string(exit.signal), true);
      return Fault("shell-signal", "shell command killed by signal " + std::to_string(exit.signal) +
                                       " (log: " + log_path + ")");
    }
    log.Line("exit code " + std::to_string(exit.exit_code), true);
    std::string message = "shell command exited with code " + std::to_string(exit.exit_code) + " (log: " + log_path + ")";
    if (exit.exit_code == 126 || exit.exit_code == 127) return UserError("shell-command-not-found", message);
    if (exit.exit_code == kSkipExitCode) return SkipTask("the command exited with code 99: skipped");
    return Fault("shell-exit", message);
  }

  const TaskServices& services_;
};

}  // namespace

std::shared_ptr<TaskRunner> NewShellTask(const TaskServices& services) {
  return std::make_shared<ShellTask>(services);
}

}  // namespace weir::tasks_internal
