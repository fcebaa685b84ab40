// Parses a command's arguments with CLI11: --help prints and exits 0, a
// usage error prints and exits 2 (returned as the exit code to use).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>

#include "cli/commands.h"

namespace weir::cli {

std::optional<int> ParseArguments(CLI::App& app, const Args& args);

// -C/--project DIR, the project folder (default: the current one).
void AddProjectOption(CLI::App& app, std::string& dir);

}  // namespace weir::cli
