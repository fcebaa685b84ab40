#include "graph/graph.h"

#include <algorithm>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include "common/text.h"

namespace weir {
namespace {

std::vector<std::string> Names(const std::vector<TaskNode>& nodes) {
  std::set<std::string> names;
  for (const TaskNode& n : nodes) {
    names.insert(n.def->id);
    for (size_t dot = n.def->id.find('.'); dot != std::string::npos; dot = n.def->id.find('.', dot + 1)) {
      names.insert(n.def->id.substr(0, dot));
    }
  }
  return {names.begin(), names.end()};
}

// Every task id and group name, mapped to the tasks it stands for in
// `after:`: the task with that id, else every task of the group.
std::unordered_map<std::string, std::vector<int>> AfterTargets(const std::vector<TaskNode>& nodes) {
  std::unordered_map<std::string, std::vector<int>> groups, targets;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::string& id = nodes[i].def->id;
    targets.emplace(id, std::vector<int>{static_cast<int>(i)});
    for (size_t dot = id.find('.'); dot != std::string::npos; dot = id.find('.', dot + 1)) {
      groups[id.substr(0, dot)].push_back(static_cast<int>(i));
    }
  }
  for (auto& [name, members] : groups) targets.emplace(name, std::move(members));  // a task id wins
  return targets;
}

// Kahn's algorithm, smallest index first so the order follows the file.
std::vector<int> TopologicalOrder(const std::vector<TaskNode>& nodes) {
  std::vector<int> indegree(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) indegree[i] = static_cast<int>(nodes[i].upstream.size());
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (indegree[i] == 0) ready.push(static_cast<int>(i));
  }
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int d : nodes[i].downstream) {
      if (--indegree[d] == 0) ready.push(d);
    }
  }
  return order;
}

// One cycle among the tasks left out of the order, as a path a -> ... -> a.
std::vector<int> FindCycle(const std::vector<TaskNode>& nodes, const std::vector<int>& order) {
  std::vector<bool> ordered(nodes.size());
  for (int i : order) ordered[i] = true;
  int start = 0;
  while (ordered[start]) ++start;
  // Walk upstream through unordered tasks: every one has an unordered
  // upstream, so the walk must revisit a task, closing a cycle.
  std::vector<int> path;
  std::vector<int> seen_at(nodes.size(), -1);
  int current = start;
  while (seen_at[current] < 0) {
    seen_at[current] = static_cast<int>(path.size());
    path.push_back(current);
    for (int u : nodes[current].upstream) {
      if (!ordered[u]) {
        current = u;
        break;
      }
    }
  }
  std::vector<int> cycle(path.begin() + seen_at[current], path.end());
  std::reverse(cycle.begin(), cycle.end());  // upstream first: a runs before b
  cycle.push_back(cycle.front());
  return cycle;
}

}  // namespace

PipelineGraph PipelineGraph::Build(const PipelineDef& pipeline, std::vector<Status>& errors) {
  PipelineGraph graph;
  graph.pipeline_ = &pipeline;
  for (const TaskDef& task : pipeline.tasks) {
    graph.index_.emplace(task.id, static_cast<int>(graph.nodes_.size()));
    graph.nodes_.push_back(TaskNode{&task, {}, {}});
  }
  std::unordered_map<std::string, std::vector<int>> targets = AfterTargets(graph.nodes_);
  for (size_t i = 0; i < graph.nodes_.size(); ++i) {
    std::set<int> upstream;
    for (const Sourced<std::string>& after : graph.nodes_[i].def->after) {
      auto it = targets.find(after.value);
      if (it == targets.end()) {
        errors.push_back(UserError("unknown-upstream", "'after' names no task or group: '" + after.value + "'" +
                                   DidYouMean(after.value, Names(graph.nodes_)), after.where));
        continue;
      }
      upstream.insert(it->second.begin(), it->second.end());
    }
    graph.nodes_[i].upstream.assign(upstream.begin(), upstream.end());
    for (int u : upstream) graph.nodes_[u].downstream.push_back(static_cast<int>(i));
  }
  graph.order_ = TopologicalOrder(graph.nodes_);
  if (graph.order_.size() != graph.nodes_.size()) {
    std::vector<int> cycle = FindCycle(graph.nodes_, graph.order_);
    std::string path;
    for (int i : cycle) path += (path.empty() ? "" : " -> ") + graph.id(i);
    errors.push_back(UserError("cycle", "tasks depend on each other in a cycle: " + path,
                               graph.nodes_[cycle.front()].def->where));
    graph.order_.clear();
  }
  return graph;
}

int PipelineGraph::Find(const std::string& task_id) const {
  auto it = index_.find(task_id);
  return it == index_.end() ? -1 : it->second;
}

namespace {
std::vector<int> Closure(const PipelineGraph& graph, int start, bool down) {
  std::vector<bool> in(graph.size());
  std::vector<int> stack = {start};
  in[start] = true;
  while (!stack.empty()) {
    int i = stack.back();
    stack.pop_back();
    for (int next : down ? graph.node(i).downstream : graph.node(i).upstream) {
      if (!in[next]) {
        in[next] = true;
        stack.push_back(next);
      }
    }
  }
  std::vector<int> out;
  for (int i : graph.order()) {
    if (in[i]) out.push_back(i);
  }
  return out;
}
}  // namespace

std::vector<int> PipelineGraph::DownstreamOf(int start) const { return Closure(*this, start, true); }
std::vector<int> PipelineGraph::UpstreamOf(int start) const { return Closure(*this, start, false); }

}  // namespace weir
