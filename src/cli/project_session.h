// What every command that works on a project does first: load and validate
// it (printing every error), and open its state store.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/files.h"
#include "connectors/connectors.h"
#include "config/config.h"
#include "graph/graph.h"
#include "state/state.h"

namespace weir::cli {

// Loads the project in `dir`, builds every pipeline's graph and checks the
// project's models (models/ and the models tasks: CheckWeirModels). Prints
// each error as "file:line:col: error[code]: message" to stderr.
struct LoadedProject {
  ProjectDef project;
  std::vector<std::unique_ptr<PipelineGraph>> graphs;  // one per pipeline, same order
  std::vector<Status> errors;
  std::vector<Status> warnings;  // worth knowing, not worth refusing to run (weir validate prints them)

  const PipelineGraph* GraphOf(const std::string& pipeline) const;
};
LoadedProject LoadAndCheck(const std::string& dir, const Filesystem& fs);
void PrintErrors(const std::vector<Status>& errors);
// "file:line:col: warning[code]: message", one a line, to stderr.
void PrintWarnings(const std::vector<Status>& warnings);
// LoadAndCheck for commands that need a valid project: prints the errors
// and returns null when there are any (the command then exits 2).
std::unique_ptr<LoadedProject> LoadValidProject(const std::string& dir);

// A usage error printed as "weir COMMAND: message"; returns kExitUsage.
int UsageError(const std::string& command, const std::string& message);

// The named pipeline's graph, or an error printed (with a did-you-mean).
const PipelineGraph* FindPipelineOrComplain(const LoadedProject& loaded, const std::string& name);

Result<std::unique_ptr<StateStore>> OpenState(const ProjectDef& project);

// How this process opens the warehouse: weir.yml's `warehouse:
// {memory_limit: 2GB}` (beyond it DuckDB spills to disk; default: DuckDB's,
// 80% of RAM).
DuckDbOptions WarehouseDuckDbOptions(const ProjectDef& project);

// The DuckDB file of the warehouse (`connection` empty) or of a named
// DuckDB connection of weir.yml. UserError "unknown-connection",
// "not-available" (another type), "missing-key".
Result<std::string> DuckDbFileOf(const ProjectDef& project, const std::string& connection);

// What commands that read or change one pipeline's state need: the checked
// project, that pipeline's graph and the state store. Null after printing
// why (the command then exits 2).
struct PipelineState {
  std::unique_ptr<LoadedProject> loaded;
  const PipelineGraph* graph = nullptr;
  std::unique_ptr<StateStore> store;
};
std::unique_ptr<PipelineState> OpenPipelineState(const std::string& command, const std::string& dir,
                                                 const std::string& pipeline);

}  // namespace weir::cli
