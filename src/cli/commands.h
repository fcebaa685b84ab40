// The `weir` subcommands. main() dispatches from the table in main.cc; each
// command lives in its own file and returns the process exit code:
// 0 success, 1 a failed run, 2 a usage or project error.
#pragma once

#include <string>
#include <vector>

namespace weir::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

using Args = std::vector<std::string>;  // the arguments after the command name

int ValidateCommand(const Args& args);
int RunCommand(const Args& args);
int StatusCommand(const Args& args);
int LogsCommand(const Args& args);
int GraphCommand(const Args& args);
int QueryCommand(const Args& args);
int RenderCommand(const Args& args);
int InitCommand(const Args& args);
int BackfillCommand(const Args& args);
int ClearCommand(const Args& args);
int RunsCommand(const Args& args);
int MarkCommand(const Args& args);
int CacheCommand(const Args& args);
int ChecksCommand(const Args& args);
int ServeCommand(const Args& args);
int TriggerCommand(const Args& args);
int PauseCommand(const Args& args);
int StreamCommand(const Args& args);
int UnpauseCommand(const Args& args);
// dbt's commands on a dbt project (models.cc).
int BuildCommand(const Args& args);
int ModelsRunCommand(const Args& args);
int SeedCommand(const Args& args);
int SnapshotCommand(const Args& args);
int TestCommand(const Args& args);
int CompileCommand(const Args& args);
int LsCommand(const Args& args);
// True when `weir run ARGS` means dbt's run: in a dbt project, with no
// pipeline name or with --select.
bool RunsModels(const Args& args);

}  // namespace weir::cli
