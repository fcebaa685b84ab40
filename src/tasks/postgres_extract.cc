// The extract task on a Postgres connection: the query's rows streamed by
// COPY into a private DuckDB that writes the lake file (PostgresQuerySource,
// never the whole result in memory), with optional incremental reads by a
// cursor column. Each interval's cursor range is kept in the state store
// (CursorRange): a rerun, clear or backfill of an interval reads the same
// range again, and a new interval starts where the interval before it
// ended (less `overlap`, for rows committed late).
#include "tasks/internal/postgres_extract.h"

#include <algorithm>

#include "common/text.h"
#include "schedule/schedule.h"
#include "tasks/internal/data.h"
#include "tasks/internal/incremental.h"
#include "tasks/internal/task_kinds.h"

namespace weir::tasks_internal {
namespace {

constexpr const char* kRowsFunction = "weir_postgres_rows";  // _0, _1, ... per reader

struct Incremental {
  std::string cursor;
  std::string initial;  // "" : none (the first interval reads everything)
  std::string overlap;  // "" : none; a duration ("1h") or a number, as the cursor's type takes it
};

Result<std::optional<Incremental>> ReadIncremental(const TaskDef& task, const TemplateContext& names) {
  const ConfigNode* node = task.param("incremental");
  if (node == nullptr || node->is_null()) return std::optional<Incremental>();
  if (!node->is_map()) {
    return UserError("wrong-type", "'incremental' must be a mapping such as {cursor: updated_at}", node->where());
  }
  static const std::vector<std::string> kKeys = {"cursor", "initial", "overlap"};
  Incremental incremental;
  for (const auto& [key_node, value] : node->entries()) {
    const std::string& key = key_node.scalar();
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      return UserError("unknown-key", "'incremental': unknown key '" + key + "'" + DidYouMean(key, kKeys),
                       key_node.where());
    }
    WEIR_ASSIGN_OR_RETURN(RenderedText text, RenderNode(value, "'incremental." + key + "'", names));
    (key == "cursor" ? incremental.cursor : key == "initial" ? incremental.initial : incremental.overlap) = text.text;
  }
  if (incremental.cursor.empty()) {
    return UserError("missing-key", "'incremental' needs 'cursor': the column whose values only grow",
                     node->where());
  }
  return std::optional<Incremental>(std::move(incremental));
}

bool IsCursorType(const std::string& duckdb_type) {
  for (const char* type : {"SMALLINT", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "DATE", "TIMESTAMP", "TIMESTAMPTZ"}) {
    if (duckdb_type == type) return true;
  }
  return duckdb_type.rfind("DECIMAL(", 0) == 0;
}

// The cursor column's plan, checked to be one whose order DuckDB and
// Postgres agree on.
Result<PostgresColumnPlan> CursorColumn(const PostgresQuerySource& source, const Incremental& incremental,
                                        const SourceLocation& where) {
  std::vector<std::string> names;
  for (const PostgresColumnPlan& column : source.plan()) {
    if (column.name != incremental.cursor) {
      names.push_back(column.name);
      continue;
    }
    if (!IsCursorType(column.duckdb_type)) {
      return UserError("bad-cursor", "incremental cursor '" + column.name + "' is of type " + column.postgres_type +
                                         "; a cursor must be a number, date or timestamp column (numeric needs a "
                                         "precision: CAST it in the query)", where);
    }
    return column;
  }
  return UserError("bad-cursor", "incremental cursor '" + incremental.cursor + "' is not a column of the query" +
                                     DidYouMean(incremental.cursor, names) + " (columns: " + QuotedList(names) + ")",
                   where);
}

// The range this attempt reads (PlanCursorRange), a new one moved back by
// `overlap` in the cursor's own type.
Result<PlannedRange> PlanRange(const TaskContext& context, PostgresConnection& pg, const Incremental& incremental,
                               const PostgresColumnPlan& cursor) {
  WEIR_ASSIGN_OR_RETURN(PlannedRange planned, PlanCursorRange(context));
  CursorRange& range = planned.range;
  if (planned.recorded || range.from.empty() || incremental.overlap.empty()) return planned;
  bool timed = cursor.duckdb_type == "DATE" || cursor.duckdb_type.rfind("TIMESTAMP", 0) == 0;
  std::string type = cursor.postgres_type;
  WEIR_ASSIGN_OR_RETURN(
      QueryRows moved,
      pg.Query("SELECT CAST(CAST(CAST($1 AS " + type + ") - CAST($2 AS " + (timed ? "interval" : type) + ") AS " +
                   type + ") AS text)",
               {range.from, incremental.overlap}));
  range.from = moved.rows.at(0).at(0).value_or(range.from);
  return planned;
}

// The query limited to the range: after `from` (or from `initial`, which
// counts), up to `to` on a rerun.
std::string LimitedQuery(const std::string& sql, const Incremental& incremental, const PostgresColumnPlan& cursor,
                         const CursorRange& range) {
  std::string column = "weir_inc." + SqlIdentifier(cursor.name);
  auto value = [&](const std::string& text) { return "CAST(" + SqlString(text) + " AS " + cursor.postgres_type + ")"; };
  std::vector<std::string> conditions;
  if (!range.from.empty()) {
    conditions.push_back(column + " > " + value(range.from));
  } else if (!incremental.initial.empty()) {
    conditions.push_back(column + " >= " + value(incremental.initial));
  }
  if (!range.to.empty()) conditions.push_back(column + " <= " + value(range.to));
  std::string where;
  for (const std::string& c : conditions) where += (where.empty() ? " WHERE " : " AND ") + c;
  return "SELECT * FROM (" + sql + "\n) AS weir_inc" + where;
}

// `parallel: {column, partitions}`: the query read by several connections
// at once, each a range of an integer column, all in one snapshot.
struct Parallel {
  std::string column;
  int partitions = 1;
};

Result<std::optional<Parallel>> ReadParallel(const TaskDef& task, const TemplateContext& names) {
  const ConfigNode* node = task.param("parallel");
  if (node == nullptr || node->is_null()) return std::optional<Parallel>();
  const ConfigNode* column = node->is_map() ? node->Find("column") : nullptr;
  const ConfigNode* partitions = node->is_map() ? node->Find("partitions") : nullptr;
  if (column == nullptr || partitions == nullptr) {
    return UserError("bad-parallel", "'parallel' takes 'column' (an integer column of the query) and 'partitions' "
                                     "(how many connections read it)", node->where());
  }
  Parallel parallel;
  WEIR_ASSIGN_OR_RETURN(RenderedText name, RenderNode(*column, "'parallel.column'", names));
  parallel.column = name.text;
  WEIR_ASSIGN_OR_RETURN(int64_t count, partitions->AsInt("'parallel.partitions'"));
  if (count < 1 || count > 32) {
    return UserError("bad-parallel", "'parallel.partitions' must be from 1 to 32", partitions->where());
  }
  parallel.partitions = static_cast<int>(count);
  return std::optional<Parallel>(parallel);
}

// The query's rows split by `column` into `partitions` ranges of its
// values (NULLs with the first), as WHERE conditions; fewer when the
// values are few, none when the query has no rows.
Result<std::vector<std::string>> PartitionConditions(PostgresConnection& pg, const std::string& query,
                                                     const PostgresQuerySource& source, const Parallel& parallel,
                                                     const SourceLocation& where) {
  auto plan = std::find_if(source.plan().begin(), source.plan().end(),
                           [&](const PostgresColumnPlan& c) { return c.name == parallel.column; });
  if (plan == source.plan().end() ||
      (plan->duckdb_type != "SMALLINT" && plan->duckdb_type != "INTEGER" && plan->duckdb_type != "BIGINT")) {
    return UserError("bad-parallel", "'parallel.column' must be an integer column of the query; '" + parallel.column +
                                         "' " + (plan == source.plan().end() ? "is not one" : "is " + plan->postgres_type),
                     where);
  }
  std::string column = "weir_par." + SqlIdentifier(parallel.column);
  WEIR_ASSIGN_OR_RETURN(QueryRows bounds, pg.Query("SELECT CAST(min(" + column + ") AS text), CAST(max(" + column +
                                                   ") AS text) FROM (" + query + "\n) AS weir_par"));
  if (!bounds.rows.at(0).at(0)) return std::vector<std::string>{};
  __int128 low = std::stoll(*bounds.rows[0][0]), high = std::stoll(*bounds.rows[0][1]);
  __int128 span = high - low + 1;
  int count = static_cast<int>(std::min<__int128>(parallel.partitions, span));
  std::vector<std::string> conditions;
  for (int i = 0; i < count; ++i) {
    std::string start = std::to_string(static_cast<int64_t>(low + span * i / count));
    std::string end = std::to_string(static_cast<int64_t>(low + span * (i + 1) / count));
    if (i == 0 && count == 1) conditions.push_back("TRUE");
    else if (i == 0) conditions.push_back("(" + column + " < " + end + " OR " + column + " IS NULL)");
    else if (i == count - 1) conditions.push_back(column + " >= " + start);
    else conditions.push_back(column + " >= " + start + " AND " + column + " < " + end);
  }
  return conditions;
}

}  // namespace

namespace {

// The connections and row sources of one extract: one, or one per
// partition, sharing the first connection's snapshot.
struct Readers {
  std::vector<std::unique_ptr<PostgresConnection>> connections;
  std::vector<std::unique_ptr<PostgresQuerySource>> sources;

  Status FirstError() const {
    for (const auto& source : sources) {
      if (!source->error().ok()) return source->error();
    }
    return OkStatus();
  }
};

Result<std::unique_ptr<PostgresConnection>> Connect(const PostgresParams& params, const TaskContext& context) {
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> pg,
                        PostgresConnection::Open(params, context.cancel, context.deadline));
  pg->SetLimits(&context.cancel, context.deadline);
  return pg;
}

// One reader per partition condition, each a connection in the snapshot
// the first one exported (as pg_dump's parallel jobs), so that together
// they read the query exactly once.
Status OpenPartitionReaders(Readers& readers, const PostgresParams& params, const TaskContext& context,
                            const std::string& query, const std::vector<std::string>& conditions) {
  PostgresConnection& first = *readers.connections[0];
  WEIR_TRY(first.Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
  WEIR_ASSIGN_OR_RETURN(QueryRows snapshot, first.Query("SELECT pg_export_snapshot()"));
  std::string id = snapshot.rows.at(0).at(0).value_or("");
  readers.sources.clear();
  for (size_t i = 0; i < conditions.size(); ++i) {
    if (i > 0) {
      WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> pg, Connect(params, context));
      WEIR_TRY(pg->Execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT " + SqlString(id)));
      readers.connections.push_back(std::move(pg));
    }
    WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresQuerySource> source,
                          PostgresQuerySource::Prepare(*readers.connections[i], "SELECT * FROM (" + query +
                                                                                    "\n) AS weir_par WHERE " +
                                                                                    conditions[i]));
    readers.sources.push_back(std::move(source));
  }
  return OkStatus();
}

// The DuckDB query over every reader (UNION ALL: DuckDB reads them at once).
Result<std::string> RegisterReaders(DuckDbConnection& compute, const Readers& readers) {
  std::string select;
  for (size_t i = 0; i < readers.sources.size(); ++i) {
    std::string function = std::string(kRowsFunction) + "_" + std::to_string(i);
    WEIR_TRY(compute.RegisterRowSource(function, readers.sources[i].get()));
    select += (select.empty() ? "" : "\nUNION ALL\n") + readers.sources[i]->SelectSql(function);
  }
  return select;
}

}  // namespace

Result<std::string> ExtractFromPostgres(const PostgresExtract& extract) {
  const TaskContext& context = extract.context;
  WEIR_ASSIGN_OR_RETURN(PostgresParams params,
                        PostgresParamsOf(extract.connection, extract.connection_name, extract.names));
  WEIR_ASSIGN_OR_RETURN(std::optional<Incremental> incremental, ReadIncremental(context.task, extract.names));
  WEIR_ASSIGN_OR_RETURN(std::optional<Parallel> parallel, ReadParallel(context.task, extract.names));
  extract.log.Line("postgres " + params.Describe());
  Readers readers;
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> first, Connect(params, context));
  readers.connections.push_back(std::move(first));
  PostgresConnection& pg = *readers.connections[0];
  const SourceLocation sql_where = context.task.param("sql")->where();
  Result<std::unique_ptr<PostgresQuerySource>> prepared = PostgresQuerySource::Prepare(pg, extract.sql);
  if (!prepared.ok()) return prepared.status().At(sql_where);
  readers.sources.push_back(std::move(*prepared));
  std::string query = extract.sql;
  std::optional<PlannedRange> range;
  std::optional<PostgresColumnPlan> cursor;
  if (incremental) {
    WEIR_ASSIGN_OR_RETURN(cursor, CursorColumn(*readers.sources[0], *incremental,
                                               context.task.param("incremental")->where()));
    WEIR_ASSIGN_OR_RETURN(range, PlanRange(context, pg, *incremental, *cursor));
    const CursorRange& r = range->range;
    extract.log.Line("incremental: " + cursor->name + (r.from.empty() ? " from the start" : " after " + r.from) +
                     (range->recorded ? " up to " + r.to + " (this interval's recorded range)" : ""));
    query = LimitedQuery(extract.sql, *incremental, *cursor, r);
    WEIR_ASSIGN_OR_RETURN(readers.sources[0], PostgresQuerySource::Prepare(pg, query));
  }
  if (parallel && parallel->partitions > 1) {
    WEIR_ASSIGN_OR_RETURN(std::vector<std::string> conditions,
                          PartitionConditions(pg, query, *readers.sources[0], *parallel,
                                              context.task.param("parallel")->where()));
    if (conditions.size() > 1) {
      WEIR_TRY(OpenPartitionReaders(readers, params, context, query, conditions));
      extract.log.Line("reading " + std::to_string(conditions.size()) + " ranges of " + parallel->column +
                       " on as many connections");
    }
  }
  WEIR_ASSIGN_OR_RETURN(std::unique_ptr<DuckDbConnection> compute, ConnectCompute(context));
  // As many DuckDB threads as readers: each further thread found no work
  // but spun in DuckDB's task loop, taking CPU from the Postgres backends
  // that produce the stream (docs/benchmarks.md).
  WEIR_TRY(compute->Execute("SET TimeZone = 'UTC'; SET threads = " + std::to_string(readers.sources.size())));
  WEIR_ASSIGN_OR_RETURN(std::string select, RegisterReaders(*compute, readers));
  Result<int64_t> written = WriteQueryToFile(*compute, select, extract.path, extract.format, context);
  WEIR_TRY(readers.FirstError());
  WEIR_TRY(written.status());
  std::map<std::string, std::string> output = {{"rows_written", std::to_string(*written)},
                                               {"path", JsonString(extract.to)}};
  if (range) {
    CursorRange& r = range->range;
    if (!range->recorded) WEIR_TRY(RecordCursorRangeEnd(context, r, *compute, cursor->name, extract.path, extract.format));
    output["cursor_from"] = JsonString(r.from);
    output["cursor_to"] = JsonString(r.to);
    extract.log.Line("read " + std::to_string(*written) + " rows, cursor up to " + r.to);
  }
  return JsonObject(output);
}

}  // namespace weir::tasks_internal
