// weir init DIR: a working example project (the daily sales pipeline on
// embedded DuckDB, with three days of sample data) in a new folder.
#include <cstdio>
#include <filesystem>

#include "cli/arguments.h"
#include "cli/example_project.h"
#include "common/files.h"

namespace weir::cli {

int InitCommand(const Args& args) {
  CLI::App app{"Create a working example project in a new folder", "weir init"};
  std::string dir;
  bool force = false;
  app.add_option("dir", dir, "the folder to create")->required();
  app.add_flag("--force", force, "write into a folder that already has files");
  if (auto exit = ParseArguments(app, args)) return *exit;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec) && !force) {
    std::fprintf(stderr, "weir init: '%s' is not empty; choose a new folder (or pass --force)\n", dir.c_str());
    return kExitUsage;
  }
  LocalFilesystem files;
  for (const auto& [path, text] : ExampleProjectFiles()) {
    Status written = files.WriteFile((fs::path(dir) / path).string(), text);
    if (!written.ok()) {
      std::fprintf(stderr, "weir init: %s\n", written.ToString().c_str());
      return kExitFailed;
    }
  }
  Status data = WriteExampleData(dir);
  if (!data.ok()) {
    std::fprintf(stderr, "weir init: %s\n", data.ToString().c_str());
    return kExitFailed;
  }
  std::vector<std::string> days = ExampleDays();
  std::printf("created the example project in %s\n\nnext:\n  cd %s\n  weir run daily_sales --date %s\n"
              "  weir query \"SELECT * FROM marts.fct_daily_sales\"\n",
              dir.c_str(), dir.c_str(), days.front().c_str());
  return kExitOk;
}

}  // namespace weir::cli
