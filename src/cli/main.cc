#include <csignal>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "cli/commands.h"

namespace weir::cli {
namespace {

struct Command {
  std::string_view name;
  std::string_view summary;
  int (*run)(const Args& args);
};

int Version(const Args&) {
  std::printf("weir 0.1.0\n");
  return kExitOk;
}

constexpr Command kCommands[] = {
    {"init", "create a working example project in a new folder", InitCommand},
    {"validate", "check the project and list every error", ValidateCommand},
    {"run", "run a pipeline for one data interval", RunCommand},
    {"backfill", "run every data interval in a date range", BackfillCommand},
    {"trigger", "queue a run for the scheduler (or run it now without one)", TriggerCommand},
    {"stream", "run a stream job (streams/NAME.yml) until stopped", StreamCommand},
    {"serve", "run the scheduler and the REST API (--port, --scheduler-only)", ServeCommand},
    {"pause", "stop scheduling a pipeline", PauseCommand},
    {"unpause", "schedule a paused pipeline again", UnpauseCommand},
    {"status", "show the latest runs and task states", StatusCommand},
    {"runs", "list a pipeline's runs, newest first", RunsCommand},
    {"clear", "reset task instances so that the next run redoes them", ClearCommand},
    {"mark", "set a task instance's state by hand", MarkCommand},
    {"cache", "forget cached task results (cache clear)", CacheCommand},
    {"checks", "a data check's recorded results and trend (checks history)", ChecksCommand},
    {"logs", "print the logs of a run's task attempts", LogsCommand},
    {"graph", "draw a pipeline's task graph (text or --dot)", GraphCommand},
    {"query", "run SQL on the warehouse and print the rows", QueryCommand},
    {"build", "dbt project: build seeds and models and run their tests", BuildCommand},
    {"compile", "dbt project: write compiled SQL to target/compiled", CompileCommand},
    {"seed", "dbt project: load seeds", SeedCommand},
    {"snapshot", "dbt project: record changes of snapshots' queries (SCD type 2)", SnapshotCommand},
    {"test", "dbt project: run data tests", TestCommand},
    {"ls", "dbt project: list the nodes a selection picks", LsCommand},
    {"render", "print a task's SQL or command as it would run (secrets redacted)", RenderCommand},
    {"version", "print the version", Version},
};

void PrintUsage(std::FILE* out) {
  std::fprintf(out, "usage: weir COMMAND [ARGS]\n\ncommands:\n");
  for (const Command& c : kCommands) {
    std::fprintf(out, "  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                 static_cast<int>(c.summary.size()), c.summary.data());
  }
}

}  // namespace
}  // namespace weir::cli

int main(int argc, char** argv) {
  using namespace weir::cli;
  // Output piped into `head` must not kill a run halfway: writes just fail.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    PrintUsage(argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  std::string_view name = argv[1];
  if (name == "--version") name = "version";
  for (const Command& c : kCommands) {
    if (c.name == name) return c.run(Args(argv + 2, argv + argc));
  }
  std::fprintf(stderr, "weir: unknown command '%s' (weir --help lists them)\n", argv[1]);
  return kExitUsage;
}
