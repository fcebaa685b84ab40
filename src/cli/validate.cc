// weir validate: every error in the project, one line each; exit 2 if any.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"

namespace weir::cli {

int ValidateCommand(const Args& args) {
  CLI::App app{"Check the project's files and list every error with its file:line:column", "weir validate"};
  std::string dir = ".";
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  LocalFilesystem fs;
  LoadedProject loaded = LoadAndCheck(dir, fs);
  PrintWarnings(loaded.warnings);
  if (!loaded.errors.empty()) {
    PrintErrors(loaded.errors);
    std::fprintf(stderr, "%zu error%s\n", loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  size_t tasks = 0;
  for (const PipelineDef& p : loaded.project.pipelines) tasks += p.tasks.size();
  std::printf("ok: %zu pipeline%s, %zu task%s\n", loaded.project.pipelines.size(),
              loaded.project.pipelines.size() == 1 ? "" : "s", tasks, tasks == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace weir::cli
