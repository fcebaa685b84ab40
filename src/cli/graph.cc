// weir graph PIPELINE [--dot]: the DAG as a text tree or Graphviz DOT.
#include <cstdio>

#include "cli/arguments.h"
#include "cli/project_session.h"

namespace weir::cli {

int GraphCommand(const Args& args) {
  CLI::App app{"Draw a pipeline's task graph", "weir graph"};
  std::string dir = ".", pipeline;
  bool dot = false;
  app.add_option("pipeline", pipeline, "the pipeline")->required();
  AddProjectOption(app, dir);
  app.add_flag("--dot", dot, "print Graphviz DOT instead of a text tree");
  if (auto exit = ParseArguments(app, args)) return *exit;
  std::unique_ptr<LoadedProject> loaded_project = LoadValidProject(dir);
  if (loaded_project == nullptr) return kExitUsage;
  const LoadedProject& loaded = *loaded_project;
  const PipelineGraph* graph = FindPipelineOrComplain(loaded, pipeline);
  if (graph == nullptr) return kExitUsage;
  std::fputs((dot ? graph->RenderDot() : graph->RenderText()).c_str(), stdout);
  return kExitOk;
}

}  // namespace weir::cli
