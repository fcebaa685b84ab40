// What `outputs['id']` holds for the tasks of a run, read from the state:
// shared by the template context and `map_over: {output: ...}`.
#pragma once

#include <map>
#include <string>

#include "state/state.h"

namespace weir::tasks_internal {

// Each task's recorded output as JSON text, by task id. A mapped task's is
// the list of its instances' outputs in map-index order (null for an
// instance that recorded none); each instance's is also there as
// "task[3]". Tasks that recorded nothing are absent.
Result<std::map<std::string, std::string>> RunOutputs(StateStore& store, RunId run);

}  // namespace weir::tasks_internal
