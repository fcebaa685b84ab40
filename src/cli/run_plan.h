// What `weir run` and `weir render` both work out before running anything:
// the data interval of a date and the run's parameters.
#pragma once

#include <string>
#include <vector>

#include "common/clock.h"
#include "config/config.h"
#include "config/pipeline_schedule.h"
#include "schedule/schedule.h"

namespace weir::cli {

// The interval that starts on local date `date` in the pipeline's zone; with
// no date, the latest interval that has already ended (as a scheduler would
// run now).
Result<DataInterval> IntervalFor(const PipelineDef& pipeline, const std::string& date, Clock& clock);

// The run's parameters as JSON: the pipeline's declared defaults, overridden
// by `assignments` ("name=value", the value read as a YAML scalar: 10 is a
// number, true a boolean, anything else a string). An undeclared name is a
// usage error.
Result<std::string> RunParams(const PipelineDef& pipeline, const std::vector<std::string>& assignments);

}  // namespace weir::cli
