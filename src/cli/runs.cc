// weir runs PIPELINE [--state S] [--since D] [--limit N]: the pipeline's
// runs, newest first.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/progress.h"
#include "cli/project_session.h"

namespace weir::cli {

int RunsCommand(const Args& args) {
  CLI::App app{"List a pipeline's runs, newest first", "weir runs"};
  std::string dir = ".", pipeline, state, since;
  int limit = 50;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  app.add_option("--state", state, "only runs in this state")
      ->check(CLI::IsMember({"queued", "running", "success", "failed", "interrupted"}));
  app.add_option("--since", since, "only runs whose date is on or after this local date");
  app.add_option("--limit", limit, "at most this many runs (default 50)")->check(CLI::Range(1, 100000));
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<PipelineState> opened = OpenPipelineState("runs", dir, pipeline);
  if (opened == nullptr) return kExitUsage;
  // The store filters by state; --since compares dates as text, here.
  RunFilter filter{pipeline, std::nullopt, 0};
  if (!state.empty()) filter.state = ParseRunState(state);
  Result<std::vector<RunRecord>> runs = opened->store->ListRuns(filter);
  if (!runs.ok()) return UsageError("runs", runs.status().ToString());
  std::printf("%-6s %-12s %-12s %-10s %-21s %-9s %s\n", "run", "date", "state", "type", "started", "took",
              "interval");
  int shown = 0;
  for (const RunRecord& run : *runs) {
    if (!since.empty() && run.ds < since) continue;
    if (shown++ >= limit) break;
    std::string took = run.ended_at ? FormatElapsed(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          *run.ended_at - run.started_at))
                                    : "-";
    std::printf("%-6lld %-12s %-12s %-10s %-21s %-9s [%s, %s)\n", static_cast<long long>(run.id.value),
                run.ds.c_str(), std::string(RunStateName(run.state)).c_str(), run.run_type.c_str(),
                FormatUtc(run.started_at).c_str(), took.c_str(),
                run.interval_start.c_str(), run.interval_end.c_str());
  }
  return kExitOk;
}

}  // namespace weir::cli
