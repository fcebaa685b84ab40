// Internal to src/graph: what one selector method ("tag:nightly",
// "path:models/staging", ...) matches by itself, before graph operators
// and tests selected indirectly.
#pragma once

#include <span>

#include "graph/internal/node_set.h"
#include "graph/internal/selection_spec.h"
#include "graph/selection.h"

namespace weir::graph_internal {

// One pass over the nodes; the criterion was checked when parsed.
NodeSet MatchMethod(const Criterion& criterion, std::span<const SelectableNode> nodes);

}  // namespace weir::graph_internal
