// The example project `weir init` writes: W1, the daily sales pipeline, on
// embedded DuckDB, with sample data for three days.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace weir::cli {

// (path relative to the project, contents) of every text file.
std::vector<std::pair<std::string, std::string>> ExampleProjectFiles();

// The sample days, oldest first.
std::vector<std::string> ExampleDays();

// Writes data/api/sales_<day>.json for each day and creates
// data/source.duckdb with the orders table, under `root`.
Status WriteExampleData(const std::string& root);

}  // namespace weir::cli
