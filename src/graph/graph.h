// Graph: a pipeline's tasks as a DAG. Resolves `after:` names (task ids, or
// groups: "extract" means every task whose id starts with "extract."),
// finds cycles, orders tasks, and draws the graph as text or Graphviz DOT.
// Immutable after BuildGraph; safe to share between threads.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace weir {

struct TaskNode {
  const TaskDef* def = nullptr;     // owned by the PipelineDef
  std::vector<int> upstream;        // indexes of the tasks it runs after, sorted
  std::vector<int> downstream;      // indexes of the tasks that run after it, sorted
};

class PipelineGraph {
 public:
  // Appends an error for every `after:` that names nothing and for each
  // cycle; the graph then holds only the edges that resolved. The
  // PipelineDef must outlive the graph.
  static PipelineGraph Build(const PipelineDef& pipeline, std::vector<Status>& errors);

  const PipelineDef& pipeline() const { return *pipeline_; }
  int size() const { return static_cast<int>(nodes_.size()); }
  const TaskNode& node(int i) const { return nodes_[i]; }
  const std::string& id(int i) const { return nodes_[i].def->id; }
  int Find(const std::string& task_id) const;  // -1 when absent
  // Every task in dependency order (ties in file order); empty with a cycle.
  const std::vector<int>& order() const { return order_; }
  // `start` and everything downstream of it, in dependency order.
  std::vector<int> DownstreamOf(int start) const;
  // `start` and everything upstream of it, in dependency order.
  std::vector<int> UpstreamOf(int start) const;

  // A text tree from the roots; a task reached again shows "(see above)".
  std::string RenderText() const;
  // Graphviz DOT, one cluster per task group.
  std::string RenderDot() const;

 private:
  const PipelineDef* pipeline_ = nullptr;
  std::vector<TaskNode> nodes_;
  std::vector<int> order_;
  std::unordered_map<std::string, int> index_;  // task id -> node (graphs of 10,000 tasks)
};

}  // namespace weir
