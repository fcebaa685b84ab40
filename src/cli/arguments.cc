#include "cli/arguments.h"

#include <algorithm>

namespace weir::cli {

std::optional<int> ParseArguments(CLI::App& app, const Args& args) {
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e);
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  return std::nullopt;
}

void AddProjectOption(CLI::App& app, std::string& dir) {
  app.add_option("-C,--project", dir, "the project folder (default: the current folder)");
}

}  // namespace weir::cli
