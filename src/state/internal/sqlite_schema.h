// The state database's schema: numbered migrations, applied in order, each
// in its own transaction, with the version recorded in schema_migrations.
#pragma once

#include <cstdint>

#include "state/internal/sqlite_database.h"

namespace weir::state_internal {

// The newest schema version this binary can read and write.
constexpr int64_t kKnownSchemaVersion = 12;

// Brings the file up to kKnownSchemaVersion. Refuses (a user error naming the
// file and both versions) a file written by a newer Weir, since an older
// binary cannot know what the newer columns and rows mean.
Status MigrateSchema(SqliteDatabase& db);

}  // namespace weir::state_internal
