// dbt snapshots: type-2 slowly changing dimensions over a query. Their
// definitions (`{% snapshot %}` blocks under snapshot-paths and dbt 1.9's
// YAML snapshots with `relation:`), their config (strategy, unique_key,
// updated_at, check_cols, hard_deletes, dbt_valid_to_current) checked at
// file:line:col, and the SQL that builds and updates the snapshot table on
// DuckDB, as dbt-duckdb's snapshot materialization does.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "connectors/connectors.h"
#include "models/internal/materialize.h"
#include "models/models.h"

namespace weir::models_internal {

// A snapshot as written, before config trees, patches and its parse render
// are applied: the node (kind, name, fqn, files, raw_code and its origin)
// and where it is defined (the `{% snapshot %}` tag, or the YAML entry).
struct SnapshotDefinition {
  ModelNode node;
  SourceLocation where;
};

// Every `{% snapshot name %}` block of the project's snapshot files (a file
// may hold several; text outside them is ignored, as dbt does) and every
// YAML snapshot (a `snapshots:` entry with `relation:`, whose raw_code is
// dbt's `select * from {{ ref('x') }}`), in file order. Template syntax
// errors are appended to `errors`.
std::vector<SnapshotDefinition> ReadSnapshotDefinitions(const DbtProject& project, std::vector<Status>& errors);

// A snapshot's config, read and checked.
struct SnapshotConfig {
  enum class Strategy { kTimestamp, kCheck };
  enum class HardDeletes { kIgnore, kInvalidate, kNewRecord };
  Strategy strategy = Strategy::kTimestamp;
  std::vector<std::string> unique_key;  // SQL expressions (column names, usually); one or more
  std::string updated_at;               // timestamp: the source's column; check: optional
  bool check_all = false;               // check_cols: all
  std::vector<std::string> check_cols;  // check_cols: [a, b]
  HardDeletes hard_deletes = HardDeletes::kIgnore;
  std::string valid_to_current;         // dbt_valid_to_current: a SQL expression; "" for NULL
};

// Where a snapshot's config key is written, for errors: in its SQL
// (`config(strategy=...)`), else in a YAML `config:` of its name, else
// `fallback` (the definition).
SourceLocation SnapshotKeyLocation(const ModelNode& node, const DbtProject& project, std::string_view key,
                                   const SourceLocation& fallback);

// Reads node.config as dbt validates a snapshot's: strategy (timestamp or
// check) and unique_key are required; timestamp needs updated_at, check
// needs check_cols ('all' or a list); hard_deletes is ignore, invalidate or
// new_record (invalidate_hard_deletes: true is the older spelling of
// invalidate). Errors (codes snapshot-strategy, missing-unique-key,
// snapshot-config) are placed by `locate(key)`.
Result<SnapshotConfig> ReadSnapshotConfig(const ModelNode& node,
                                          const std::function<SourceLocation(std::string_view key)>& locate);

// The relation a snapshot is built as: RelationFor's, unless the legacy
// target_schema / target_database configs name it exactly.
void ApplySnapshotTarget(ModelNode& node);

// Builds or updates the snapshot table from the node's compiled `sql`, all
// changes in one transaction. The first run creates the table (each row
// valid from its updated_at, or `now` for check); later runs close the
// current versions of changed rows (and, with hard_deletes, of rows gone
// from the query) and insert new versions; columns new in the query are
// added to the table. `now` is dbt's snapshot_get_time(), as local time.
Result<Materialized> MaterializeSnapshot(DuckDbConnection& db, RelationCache& relations, const ModelNode& node,
                                         const std::string& sql, TimePoint now);

}  // namespace weir::models_internal
