// libFuzzer target: bytes through the project loader and the graph builder,
// as `weir validate` reads a project. The input is pipelines/p.yml under a
// fixed weir.yml; when it holds a NUL byte, the part before the first one is
// weir.yml instead. Errors are expected; crashes and sanitizer reports are not.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/files.h"
#include "config/config.h"
#include "graph/graph.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view project = "name: fuzz\npools: {api: 2}\nvars: {region: eu}\n";
  std::string_view pipeline = input;
  if (size_t nul = input.find('\0'); nul != std::string_view::npos) {
    project = input.substr(0, nul);
    pipeline = input.substr(nul + 1);
  }
  weir::FakeFilesystem fs;
  fs.WriteFile("proj/weir.yml", project).IgnoreError();
  fs.WriteFile("proj/pipelines/p.yml", pipeline).IgnoreError();
  weir::ProjectLoad load = weir::LoadProject("proj", fs);
  for (const weir::PipelineDef& def : load.project.pipelines) {
    std::vector<weir::Status> errors;
    weir::PipelineGraph graph = weir::PipelineGraph::Build(def, errors);
    if (graph.size() == 0) continue;
    (void)graph.RenderText();
    (void)graph.RenderDot();
    (void)graph.DownstreamOf(0);
    (void)graph.UpstreamOf(graph.size() - 1);
  }
  return 0;
}
