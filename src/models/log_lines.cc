// dbt's log lines for nodes and hooks as they start and finish, shared by
// `weir build` (cli/models.cc) and the models task's attempt log.
#include <cstdio>

#include "models/internal/hooks.h"
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
    case ModelNodeKind::kSnapshot: return "snapshot " + where;
    default: return "sql " + node.materialized() + " model " + where;
  }
}

std::string Counter(int index, int total) { return std::to_string(index) + " of " + std::to_string(total) + " "; }

// "shop.on-run-start.0", as dbt's log names a hook.
std::string HookLabel(const ModelNode& hook) {
  std::string rest = hook.name.substr(hook.package.size() + 1);  // on-run-start-0
  size_t dash = rest.rfind('-');
  return hook.package + "." + rest.substr(0, dash) + "." + rest.substr(dash + 1);
}

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
  if (node.kind == ModelNodeKind::kSnapshot) {  // dbt: "OK snapshotted main.orders_snapshot"
    std::string where = node.relation.schema + "." + node.relation.identifier;
    if (r.status == "error") return Dots(head + "ERROR snapshotting " + where, std::string("[ERROR in ") + seconds + "]");
    return Dots(head + "OK snapshotted " + where, "[" + r.message + " in " + seconds + "]");
  }
  if (r.status == "error") {
    return Dots(head + "ERROR creating " + Describe(node), std::string("[ERROR in ") + seconds + "]");
  }
  std::string done = node.kind == ModelNodeKind::kSeed ? "OK loaded " : "OK created ";
  return Dots(head + done + Describe(node), "[" + r.message + " in " + seconds + "]");
}

namespace models_internal {

std::string HookStartedLine(const ModelNode& hook, int index, int total) {
  return Dots(Counter(index, total) + "START hook: " + HookLabel(hook), "[RUN]");
}

std::string HookFinishedLine(const ModelNode& hook, const NodeResult& result, int index, int total) {
  char seconds[32];
  std::snprintf(seconds, sizeof(seconds), "%.2fs", result.seconds);
  std::string word = result.status == "success" ? "OK" : result.status == "skipped" ? "SKIP" : "ERROR";
  return Dots(Counter(index, total) + word + " hook: " + HookLabel(hook), "[" + word + " in " + seconds + "]");
}

}  // namespace models_internal
}  // namespace weir
