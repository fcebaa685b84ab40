// weir pause PIPELINE / weir unpause PIPELINE: a paused pipeline gets no
// new scheduled runs and its queued runs wait; runs already going finish.
// On unpause the scheduler owes what catchup says: every interval missed
// meanwhile with `catchup: true`, else only the latest.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"

namespace weir::cli {
namespace {

int SetPaused(const Args& args, bool paused) {
  std::string verb = paused ? "pause" : "unpause";
  CLI::App app{paused ? "Stop scheduling a pipeline" : "Schedule a paused pipeline again", "weir " + verb};
  std::string dir = ".", pipeline;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  AddProjectOption(app, dir);
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<PipelineState> opened = OpenPipelineState(verb, dir, pipeline);
  if (opened == nullptr) return kExitUsage;
  Status set = opened->store->SetPipelinePaused(pipeline, paused);
  if (!set.ok()) return UsageError(verb, set.ToString());
  std::printf("%s %s\n", pipeline.c_str(), paused ? "paused" : "unpaused");
  return kExitOk;
}

}  // namespace

int PauseCommand(const Args& args) { return SetPaused(args, true); }
int UnpauseCommand(const Args& args) { return SetPaused(args, false); }

}  // namespace weir::cli
