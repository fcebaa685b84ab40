// Evaluating a parsed selection, in dbt's order (core/dbt/graph/selector.py):
// each criterion's method, then its graph operators, then the tests its
// nodes bring in (indirect selection), then intersections, unions and the
// --exclude difference. Tests that a criterion could only bring in
// cautiously are carried alongside ("indirect") and admitted at each set
// operation once all their parents are in.
#include <string>
#include <utility>

#include "graph/internal/node_set.h"
#include "graph/internal/selection_methods.h"
#include "graph/internal/selection_spec.h"
#include "graph/selection.h"

namespace weir {
namespace {

using graph_internal::Criterion;
using graph_internal::Intersection;
using graph_internal::NodeSet;
using graph_internal::SelectionSpec;

// What a selector picks: `direct` is selected; `indirect` also holds tests
// that will be selected if their other parents turn up.
struct Picked {
  NodeSet direct;
  NodeSet indirect;
};

bool IsTest(const SelectableNode& node) {
  return node.type == ResourceType::kTest || node.type == ResourceType::kUnitTest;
}

class Evaluator {
 public:
  Evaluator(std::span<const SelectableNode> nodes, IndirectSelection mode)
      : nodes_(nodes), size_(static_cast<int>(nodes.size())), mode_(mode) {}

  // A union of intersections, with a warning for each that picks nothing.
  Picked Union(const std::vector<Intersection>& intersections, std::vector<std::string>& warnings) const {
    std::vector<Picked> parts;
    for (const Intersection& intersection : intersections) {
      parts.push_back(Combine(intersection));
      if (parts.back().direct.Empty()) {
        warnings.push_back("The selection criterion '" + intersection.raw + "' does not match any enabled nodes");
      }
    }
    NodeSet direct(size_);
    NodeSet indirect(size_);
    for (const Picked& part : parts) {
      direct |= part.direct;
      indirect |= part.direct | part.indirect;
    }
    return {Incorporate(std::move(direct), indirect), indirect};
  }

  Picked Difference(const Picked& included, const Picked& excluded) const {
    NodeSet indirect = (included.direct | included.indirect) - (excluded.direct | excluded.indirect);
    return {Incorporate(included.direct - excluded.direct, indirect), indirect};
  }

  Picked Everything() const { return {NodeSet::All(size_), NodeSet::All(size_)}; }

 private:
  Picked Combine(const Intersection& intersection) const {
    Picked first = Evaluate(intersection.criteria[0]);
    NodeSet direct = std::move(first.direct);
    NodeSet indirect = direct | first.indirect;
    for (size_t i = 1; i < intersection.criteria.size(); ++i) {
      Picked next = Evaluate(intersection.criteria[i]);
      direct &= next.direct;
      indirect &= next.direct | next.indirect;
    }
    return {Incorporate(std::move(direct), indirect), indirect};
  }

  // The method's matches, their relatives by the graph operators, then
  // the tests on them.
  Picked Evaluate(const Criterion& c) const {
    NodeSet matched = graph_internal::MatchMethod(c, nodes_);
    NodeSet selected = matched;
    if (c.childrens_parents) {
      NodeSet with_children = Reach(matched, graph_internal::kUnlimitedDepth, &SelectableNode::children);
      selected |= Reach(with_children, graph_internal::kUnlimitedDepth, &SelectableNode::parents);
    }
    if (c.parents) selected |= Reach(matched, c.parents_depth, &SelectableNode::parents);
    if (c.children) selected |= Reach(matched, c.children_depth, &SelectableNode::children);
    return AddTests(std::move(selected));
  }

  // dbt's expand_selection: tests whose parent is selected join at once
  // (eager), or when all their parents are (cautious), or when each parent
  // is selected, upstream of the selection or a source (buildable); the
  // others wait in `indirect`.
  Picked AddTests(NodeSet selected) const {
    NodeSet indirect(size_);
    if (mode_ == IndirectSelection::kEmpty) return {std::move(selected), std::move(indirect)};
    NodeSet direct = selected;
    NodeSet buildable = mode_ == IndirectSelection::kBuildable ? Buildable(selected) : NodeSet(size_);
    NodeSet seen(size_);
    selected.ForEach([&](int node) {
      for (int child : nodes_[node].children) {
        if (seen.Contains(child) || !IsTest(nodes_[child])) continue;
        seen.Insert(child);
        bool admitted = mode_ == IndirectSelection::kEager || ParentsIn(child, selected) ||
                        (mode_ == IndirectSelection::kBuildable && ParentsIn(child, buildable));
        (admitted ? direct : indirect).Insert(child);
      }
    });
    return {std::move(direct), std::move(indirect)};
  }

  // dbt's incorporate_indirect_nodes: after a set operation, the waiting
  // tests whose parents are now all selected (cautious) or buildable.
  NodeSet Incorporate(NodeSet direct, const NodeSet& indirect) const {
    if (mode_ != IndirectSelection::kCautious && mode_ != IndirectSelection::kBuildable) return direct;
    NodeSet allowed = mode_ == IndirectSelection::kBuildable ? Buildable(direct) : direct;
    NodeSet admitted = direct;
    indirect.ForEach([&](int node) {
      if (!direct.Contains(node) && IsTest(nodes_[node]) && ParentsIn(node, allowed)) admitted.Insert(node);
    });
    return admitted;
  }

  // The selection, everything upstream of it, and every source.
  NodeSet Buildable(const NodeSet& selected) const {
    NodeSet allowed = Reach(selected, graph_internal::kUnlimitedDepth, &SelectableNode::parents);
    for (int i = 0; i < size_; ++i) {
      if (nodes_[i].type == ResourceType::kSource) allowed.Insert(i);
    }
    return allowed;
  }

  bool ParentsIn(int node, const NodeSet& set) const {
    for (int parent : nodes_[node].parents) {
      if (!set.Contains(parent)) return false;
    }
    return true;
  }

  // `start` and every node at most `depth` edges away along `edges`
  // (breadth first, so each node is reached by its shortest path).
  NodeSet Reach(const NodeSet& start, int depth, std::vector<int> SelectableNode::*edges) const {
    NodeSet reached = start;
    std::vector<int> frontier = start.ToVector();
    for (int level = 0; !frontier.empty() && (depth == graph_internal::kUnlimitedDepth || level < depth); ++level) {
      std::vector<int> next;
      for (int node : frontier) {
        for (int neighbour : nodes_[node].*edges) {
          if (reached.Contains(neighbour)) continue;
          reached.Insert(neighbour);
          next.push_back(neighbour);
        }
      }
      frontier = std::move(next);
    }
    return reached;
  }

  std::span<const SelectableNode> nodes_;
  int size_;
  IndirectSelection mode_;
};

void CheckEdges(std::span<const SelectableNode> nodes) {
  int size = static_cast<int>(nodes.size());
  for (const SelectableNode& node : nodes) {
    for (int parent : node.parents) WEIR_CHECK(parent >= 0 && parent < size);
    for (int child : node.children) WEIR_CHECK(child >= 0 && child < size);
  }
}

}  // namespace

void FillChildren(std::vector<SelectableNode>& nodes) {
  int size = static_cast<int>(nodes.size());
  for (SelectableNode& node : nodes) node.children.clear();
  for (int i = 0; i < size; ++i) {
    for (int parent : nodes[i].parents) {
      WEIR_CHECK(parent >= 0 && parent < size);
      nodes[parent].children.push_back(i);
    }
  }
}

SelectionResult Select(const NodeSelector& selector, std::span<const SelectableNode> nodes) {
  CheckEdges(nodes);
  const SelectionSpec& spec = selector.spec();
  Evaluator evaluator(nodes, spec.mode);
  // An excluded node takes every test on it along, whatever the mode, so
  // that cautious and buildable keep their promise (all parents selected).
  Evaluator exclusion(nodes, IndirectSelection::kEager);
  SelectionResult result;
  Picked included = spec.select_all ? evaluator.Everything() : evaluator.Union(spec.include, result.warnings);
  Picked excluded = exclusion.Union(spec.exclude, result.warnings);
  result.selected = evaluator.Difference(included, excluded).direct.ToVector();
  return result;
}

}  // namespace weir
