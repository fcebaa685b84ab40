// dbt's log lines for nodes as they start and finish, shared by `weir
// build` (cli/models.cc) and the models task's attempt log.
#include <cstdio>

#include "models/models.h"

namespace weir {
namespace {

// dbt pads its lines with dots to 80 columns.
std::string Dots(const std::string& left, const std::string& right) {
  const size_t width = 80;
  size_t used = left.size() + right.size() + 2;
  std::string dots = used < width ? std::string(width - used, '.') : std::string("...");
  return left + " " + dots + " " + right;
}

std::string Describe(const ModelNode& node) {
  std::string where = node.relation.schema + "." + node.relation.identifier;
  switch (node.kind) {
    case ModelNodeKind::kSeed: return "seed file " + where;
    case ModelNodeKind::kTest: return "test " + node.name;
    default: return "sql " + node.materialized() + " model " + where;
  }
}

std::string Counter(int index, int total) { return std::to_string(index) + " of " + std::to_string(total) + " "; }

}  // namespace

std::string NodeStartedLine(const ModelNode& node, int index, int total) {
  return Dots(Counter(index, total) + "START " + Describe(node), "[RUN]");
}

std::string NodeFinishedLine(const ModelNode& node, const NodeResult& r, int index, int total) {
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2fs", r.seconds);
  std::string head = Counter(index, total);
  if (node.kind == ModelNodeKind::kTest) {
    std::string word = r.status == "pass"   ? "PASS"
                       : r.status == "warn" ? "WARN"
                       : r.status == "fail" ? "FAIL"
                                            : "ERROR";
    std::string count = r.failures && r.status != "pass" ? " " + std::to_string(*r.failures) : "";
    return Dots(head + word + count + " " + node.name, "[" + word + count + " in " + seconds + "]");
  }
  if (r.status == "error") {
    return Dots(head + "ERROR creating " + Describe(node), std::string("[ERROR in ") + seconds + "]");
  }
  std::string done = node.kind == ModelNodeKind::kSeed ? "OK loaded " : "OK created ";
  return Dots(head + done + Describe(node), "[" + r.message + " in " + seconds + "]");
}

}  // namespace weir
