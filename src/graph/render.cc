// Text and DOT drawings of a PipelineGraph, for `weir graph`.
#include <map>

#include "graph/graph.h"

namespace weir {
namespace {

void DrawSubtree(const PipelineGraph& graph, int i, const std::string& prefix, bool last,
                 std::vector<bool>& drawn, std::string& out) {
  out += prefix + (last ? "└── " : "├── ") + graph.id(i) + " [" + graph.node(i).def->kind.value + "]";
  if (drawn[i] && !graph.node(i).downstream.empty()) {
    out += " (see above)\n";
    return;
  }
  out += "\n";
  drawn[i] = true;
  const std::vector<int>& children = graph.node(i).downstream;
  for (size_t c = 0; c < children.size(); ++c) {
    DrawSubtree(graph, children[c], prefix + (last ? "    " : "│   "), c + 1 == children.size(), drawn, out);
  }
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string PipelineGraph::RenderText() const {
  std::string out = pipeline_->name + "\n";
  std::vector<int> roots;
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i].upstream.empty()) roots.push_back(i);
  }
  std::vector<bool> drawn(size());
  for (size_t r = 0; r < roots.size(); ++r) DrawSubtree(*this, roots[r], "", r + 1 == roots.size(), drawn, out);
  return out;
}

std::string PipelineGraph::RenderDot() const {
  std::string out = "digraph " + Quote(pipeline_->name) + " {\n  rankdir=LR;\n  node [shape=box];\n";
  std::map<std::string, std::vector<int>> groups;
  for (int i = 0; i < size(); ++i) groups[nodes_[i].def->group()].push_back(i);
  for (const auto& [group, members] : groups) {
    std::string indent = group.empty() ? "  " : "    ";
    if (!group.empty()) out += "  subgraph " + Quote("cluster_" + group) + " {\n    label=" + Quote(group) + ";\n";
    for (int i : members) out += indent + Quote(id(i)) + " [label=" + Quote(id(i)) + "];\n";
    if (!group.empty()) out += "  }\n";
  }
  for (int i = 0; i < size(); ++i) {
    for (int d : nodes_[i].downstream) out += "  " + Quote(id(i)) + " -> " + Quote(id(d)) + ";\n";
  }
  return out + "}\n";
}

}  // namespace weir
