// weir cache clear [PIPELINE] [--task T]: forgets cached task results, so
// that tasks with `cache:` run again.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"

namespace weir::cli {

int CacheCommand(const Args& args) {
  CLI::App app{"Manage cached task results", "weir cache"};
  app.require_subcommand(1);
  CLI::App* clear = app.add_subcommand("clear", "forget cached results so that those tasks run again");
  std::string dir = ".", pipeline, task;
  clear->add_option("pipeline", pipeline, "only this pipeline's (default: all)");
  clear->add_option("--task", task, "only this task's");
  AddProjectOption(app, dir);
  clear->add_option("-C,--project", dir, "the project folder (default: the current folder)");
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded = LoadValidProject(dir);
  if (loaded == nullptr) return kExitUsage;
  if (!pipeline.empty() && FindPipelineOrComplain(*loaded, pipeline) == nullptr) return kExitUsage;
  if (!task.empty() && pipeline.empty()) return UsageError("cache", "--task needs a pipeline");
  Result<std::unique_ptr<StateStore>> store = OpenState(loaded->project);
  if (!store.ok()) return UsageError("cache", store.status().ToString());
  Result<int> removed = (*store)->ClearCache(pipeline, task);
  if (!removed.ok()) return UsageError("cache", removed.status().ToString());
  std::printf("%d cached result%s cleared\n", *removed, *removed == 1 ? "" : "s");
  return kExitOk;
}

}  // namespace weir::cli
