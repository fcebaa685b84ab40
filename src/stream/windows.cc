// Windows on event time. Times are epoch milliseconds (BIGINT) until they
// become window_start and window_end. The state file holds the rows of open
// windows as the messages they came from, so that a closing window's rows
// are read exactly as the batch that brought them was.
#include "stream/internal/windows.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <map>
#include <tuple>

namespace weir::stream_internal {
namespace {

using Kind = StreamDef::Window::Kind;
using MessageKey = std::tuple<std::string, int64_t, int64_t>;  // topic, partition, offset

constexpr int kMaxMissingColumns = 256;

const char kStateSchema[] =
    "CREATE TABLE IF NOT EXISTS _weir_state.rows (_topic VARCHAR, _partition BIGINT, _offset BIGINT, "
    "_timestamp BIGINT, _key VARCHAR, _value VARCHAR, _t BIGINT, _k VARCHAR);"
    "CREATE TABLE IF NOT EXISTS _weir_state.progress (batch BIGINT, watermark BIGINT);"
    "CREATE TABLE IF NOT EXISTS _weir_state.positions (topic VARCHAR, partition BIGINT, next_offset BIGINT);"
    "CREATE TABLE IF NOT EXISTS _weir_state.event_times (topic VARCHAR, partition BIGINT, newest BIGINT);"
    "CREATE TABLE IF NOT EXISTS _weir_state.definition (window_definition VARCHAR);"
    "CREATE OR REPLACE TABLE _weir_new (_topic VARCHAR, _partition BIGINT, _offset BIGINT, "
    "_timestamp BIGINT, _key VARCHAR, _value VARCHAR);"
    "CREATE OR REPLACE TABLE _weir_windows (_topic VARCHAR, _partition BIGINT, _offset BIGINT, "
    "_timestamp BIGINT, _key VARCHAR, _value VARCHAR, window_start TIMESTAMP, window_end TIMESTAMP)";

// The rows of open windows and the batch's accepted rows, as one relation.
const char kCandidates[] =
    "(SELECT _topic, _partition, _offset, _timestamp, _key, _value, _t, _k FROM _weir_state.rows UNION ALL "
    "SELECT n._topic, n._partition, n._offset, n._timestamp, n._key, n._value, t._t, t._k "
    "FROM _weir_new n JOIN _weir_times t USING (_topic, _partition, _offset))";

std::string Ms(std::chrono::milliseconds d) { return std::to_string(d.count()); }

// What the state's rows and watermark depend on: a file written under
// another window would give wrong windows.
std::string Fingerprint(const StreamDef::Window& w) {
  const char* kinds[] = {"tumbling", "hopping", "session"};
  std::string by;
  for (const std::string& b : w.by) by += (by.empty() ? "" : ", ") + b;
  return std::string("type ") + kinds[static_cast<int>(w.kind)] + ", size " + Ms(w.size) + " ms, slide " + Ms(w.slide) +
         " ms, gap " + Ms(w.gap) + " ms, by [" + by + "], time " + w.time + ", lateness " + Ms(w.lateness) + " ms";
}

int64_t ToInt64(const std::optional<std::string>& cell) { return cell ? std::stoll(*cell) : 0; }

std::map<MessageKey, const KafkaMessage*> ByPosition(const std::vector<const KafkaMessage*>& messages) {
  std::map<MessageKey, const KafkaMessage*> out;
  for (const KafkaMessage* m : messages) out[{m->topic, m->partition, m->offset}] = m;
  return out;
}

bool IsMissingColumn(const Status& status) {
  return status.message().rfind("Binder Error", 0) == 0 && status.message().find("Referenced column \"") != std::string::npos;
}

std::string MissingColumnOf(const Status& status) {
  const std::string kMissing = "Referenced column \"";
  size_t start = status.message().find(kMissing) + kMissing.size();
  return status.message().substr(start, status.message().find('"', start) - start);
}

}  // namespace

StreamWindows::StreamWindows(DuckDbConnection& db, BatchTable& table, const StreamDef& stream)
    : db_(db), table_(table), stream_(stream), window_(*stream.window) {}

Status StreamWindows::Open(const std::string& path) {
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  WEIR_TRY(db_.Execute("ATTACH " + SqlString(path) + " AS _weir_state"));
  WEIR_TRY(db_.Execute(kStateSchema));
  WEIR_TRY(CheckDefinition(path));
  WEIR_ASSIGN_OR_RETURN(QueryRows progress, db_.Query("SELECT batch, watermark FROM _weir_state.progress"));
  if (!progress.rows.empty()) {
    batch_ = ToInt64(progress.rows[0][0]);
    if (progress.rows[0][1]) watermark_ = std::stoll(*progress.rows[0][1]);
  }
  WEIR_ASSIGN_OR_RETURN(QueryRows positions,
                        db_.Query("SELECT topic, partition, next_offset FROM _weir_state.positions ORDER BY ALL"));
  for (const auto& row : positions.rows) {
    positions_.push_back({*row[0], static_cast<int32_t>(ToInt64(row[1])), ToInt64(row[2])});
  }
  WEIR_ASSIGN_OR_RETURN(QueryRows times, db_.Query("SELECT topic, partition, newest FROM _weir_state.event_times"));
  for (const auto& row : times.rows) newest_[{*row[0], ToInt64(row[1])}] = ToInt64(row[2]);
  return OkStatus();
}

// The file's window is this job's (a new file records it).
Status StreamWindows::CheckDefinition(const std::string& path) {
  std::string now = Fingerprint(window_);
  WEIR_ASSIGN_OR_RETURN(std::optional<std::string> then,
                        db_.QueryValue("SELECT window_definition FROM _weir_state.definition"));
  if (!then) return db_.Execute("INSERT INTO _weir_state.definition VALUES (" + SqlString(now) + ")");
  if (*then == now) return OkStatus();
  return UserError("stream-window", "stream '" + stream_.name + "': its window changed since " + path +
                                        " was written (then: " + *then + "; now: " + now +
                                        "); delete the file to start the windows afresh from the group's offsets",
                   window_.where);
}

// The end of the last window an event at `t` belongs to: once the watermark
// reaches it, the event has nowhere to go.
std::string StreamWindows::LastWindowEnd(const std::string& t) const {
  if (window_.kind == Kind::kSession) return "(" + t + " + " + Ms(window_.gap) + ")";
  return "(CAST(floor(" + t + " / " + Ms(window_.slide) + ".0) AS BIGINT) * " + Ms(window_.slide) + " + " +
         Ms(window_.size) + ")";
}

// `time:` as epoch ms, by the type it has in this batch: a timestamp or
// date, a number (epoch ms, as Kafka's timestamps), or text to parse.
Result<std::string> StreamWindows::EventTimeSql() {
  WEIR_ASSIGN_OR_RETURN(QueryRows probe, db_.Query("SELECT (" + window_.time + ") AS t FROM batch LIMIT 0"));
  const std::string& type = probe.types.at(0);
  std::string x = "(" + window_.time + ")";
  if (type.rfind("TIMESTAMP", 0) == 0) return "epoch_ms(" + x + ")";
  if (type == "DATE") return "epoch_ms(CAST(" + x + " AS TIMESTAMP))";
  if (type == "JSON") return "epoch_ms(TRY_CAST(json_extract_string(" + x + ", '$') AS TIMESTAMPTZ))";
  if (type == "VARCHAR") return "epoch_ms(TRY_CAST(" + x + " AS TIMESTAMPTZ))";
  return "TRY_CAST(" + x + " AS BIGINT)";
}

// _weir_times: each loaded message's event time and session key.
Status StreamWindows::EventTimes(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead) {
  std::string key = "''";
  if (!window_.by.empty()) {
    key = "CAST(json_array(";
    for (size_t i = 0; i < window_.by.size(); ++i) key += (i > 0 ? ", " : "") + window_.by[i];
    key += ") AS VARCHAR)";
  }
  for (int added = 0;; ++added) {
    Result<std::string> t = EventTimeSql();
    Status made = t.ok() ? db_.Execute("CREATE OR REPLACE TABLE _weir_times AS SELECT _topic, CAST(_partition AS "
                                       "BIGINT) AS _partition, _offset, " + *t + " AS _t, " + key + " AS _k FROM batch")
                         : t.status();
    if (made.ok()) break;
    if (!IsMissingColumn(made) || !stream_.schema.empty() || added >= kMaxMissingColumns) {
      return UserError("stream-window", "stream '" + stream_.name + "': the window's time or by cannot be computed: " +
                                            made.message(), window_.where);
    }
    table_.AddMissingColumn(MissingColumnOf(made));
    WEIR_TRY(table_.RefreshView());
  }
  WEIR_ASSIGN_OR_RETURN(QueryRows untimed, db_.Query("SELECT _topic, _partition, _offset FROM _weir_times "
                                                     "WHERE _t IS NULL ORDER BY ALL"));
  std::map<MessageKey, const KafkaMessage*> by_position = ByPosition(messages);
  for (const auto& row : untimed.rows) {
    auto m = by_position.find({*row[0], ToInt64(row[1]), ToInt64(row[2])});
    if (m != by_position.end()) dead->push_back({m->second, "time", "the window's time (" + window_.time + ") is null or not a time"});
  }
  if (untimed.rows.empty()) return OkStatus();
  return db_.Execute("DELETE FROM _weir_times WHERE _t IS NULL");
}

Status StreamWindows::DropLate(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead) {
  if (!watermark_) return OkStatus();
  std::string late = LastWindowEnd("_t") + " <= " + std::to_string(*watermark_);
  if (window_.kind == Kind::kSession) {
    // An event that reaches an open session of its key joins it, however
    // old its own time is.
    std::string gap = Ms(window_.gap);
    late += " AND NOT EXISTS (SELECT 1 FROM _weir_state.rows r WHERE r._k = _weir_times._k AND r._t + " + gap +
            " > _weir_times._t AND _weir_times._t + " + gap + " > r._t)";
  }
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, db_.Query("SELECT _topic, _partition, _offset, _t FROM _weir_times WHERE " +
                                                  late + " ORDER BY ALL"));
  std::map<MessageKey, const KafkaMessage*> by_position = ByPosition(messages);
  for (const auto& row : rows.rows) {
    auto m = by_position.find({*row[0], ToInt64(row[1]), ToInt64(row[2])});
    if (m == by_position.end()) continue;
    dead->push_back({m->second, "late", "event time " + *row[3] + " ms is behind the watermark " +
                                            std::to_string(*watermark_) + " ms: its windows have closed"});
  }
  if (rows.rows.empty()) return OkStatus();
  return db_.Execute("DELETE FROM _weir_times WHERE " + late);
}

// _weir_windows: the rows of the windows the new watermark closes, one per
// row and window; `closing` gets their messages.
Status StreamWindows::Close(std::vector<KafkaMessage>* closing) {
  std::string wm = std::to_string(*next_watermark_);
  std::string select;
  if (window_.kind == Kind::kSession) {
    std::string order = "PARTITION BY _k ORDER BY _t, _topic, _partition, _offset";
    // A row `gap` or more after the one before it starts a session; the
    // running count of starts numbers the sessions.
    std::string starts = "SELECT *, CASE WHEN _t - lag(_t) OVER (" + order + ") >= " + Ms(window_.gap) +
                         " THEN 1 ELSE 0 END AS _starts FROM " + kCandidates;
    std::string numbered = "SELECT *, sum(_starts) OVER (" + order + " ROWS UNBOUNDED PRECEDING) AS _sid FROM (" +
                           starts + ")";
    select = "SELECT *, min(_t) OVER s AS _ws, max(_t) OVER s + " + Ms(window_.gap) + " AS _we FROM (" + numbered +
             ") WINDOW s AS (PARTITION BY _k, _sid)";
    select = "SELECT * FROM (" + select + ") WHERE _we <= " + wm;
  } else {
    std::string old = watermark_ ? std::to_string(*watermark_) : "-9223372036854775807";
    int64_t per_event = (window_.size.count() + window_.slide.count() - 1) / window_.slide.count();
    std::string start = "(CAST(floor(_t / " + Ms(window_.slide) + ".0) AS BIGINT) - _i) * " + Ms(window_.slide);
    select = "SELECT * FROM (SELECT c.*, " + start + " AS _ws, " + start + " + " + Ms(window_.size) + " AS _we FROM " +
             kCandidates + " c, range(0, " + std::to_string(per_event) + ") AS r(_i)) WHERE _we > _t AND _we > " + old +
             " AND _we <= " + wm;
  }
  WEIR_TRY(db_.Execute("CREATE OR REPLACE TABLE _weir_windows AS SELECT _topic, _partition, _offset, _timestamp, "
                       "_key, _value, epoch_ms(_ws) AS window_start, epoch_ms(_we) AS window_end FROM (" + select + ")"));
  WEIR_ASSIGN_OR_RETURN(QueryRows rows, db_.Query("SELECT DISTINCT _topic, _partition, _offset, _timestamp, _key, _value "
                                                  "FROM _weir_windows ORDER BY _topic, _partition, _offset"));
  closing->reserve(rows.rows.size());
  for (auto& row : rows.rows) {
    KafkaMessage m;
    m.topic = *row[0];
    m.partition = static_cast<int32_t>(ToInt64(row[1]));
    m.offset = ToInt64(row[2]);
    m.timestamp_ms = row[3] ? std::stoll(*row[3]) : -1;
    m.key = std::move(row[4]);
    m.value = row[5].value_or("");
    closing->push_back(std::move(m));
  }
  return OkStatus();
}

// The oldest of the partitions' newest event times, minus the lateness;
// never back.
Status StreamWindows::AdvanceWatermark() {
  WEIR_ASSIGN_OR_RETURN(QueryRows newest, db_.Query("SELECT _topic, _partition, max(_t) FROM _weir_times GROUP BY ALL"));
  next_newest_ = newest_;
  for (const auto& row : newest.rows) {
    int64_t& at = next_newest_.try_emplace({*row[0], ToInt64(row[1])}, INT64_MIN).first->second;
    at = std::max(at, ToInt64(row[2]));
  }
  next_watermark_ = watermark_;
  if (next_newest_.empty()) return OkStatus();
  int64_t oldest = INT64_MAX;
  for (const auto& [partition, t] : next_newest_) oldest = std::min(oldest, t);
  int64_t candidate = oldest - window_.lateness.count();
  if (!next_watermark_ || candidate > *next_watermark_) next_watermark_ = candidate;
  return OkStatus();
}

Status StreamWindows::Advance(const std::vector<const KafkaMessage*>& messages, std::vector<DeadLetter>* dead,
                              std::vector<KafkaMessage>* closing) {
  WEIR_TRY(db_.Execute("DELETE FROM _weir_new"));
  WEIR_ASSIGN_OR_RETURN(auto appender, db_.ChunkAppender("", "_weir_new",
                                                         {DuckDbColumnType::kVarchar, DuckDbColumnType::kBigint,
                                                          DuckDbColumnType::kBigint, DuckDbColumnType::kBigint,
                                                          DuckDbColumnType::kVarchar, DuckDbColumnType::kVarchar}));
  for (const KafkaMessage* m : messages) {
    appender->SetText(0, m->topic);
    appender->SetInt64(1, m->partition);
    appender->SetInt64(2, m->offset);
    if (m->timestamp_ms >= 0) appender->SetInt64(3, m->timestamp_ms);
    if (m->key) appender->SetText(4, *m->key);
    appender->SetText(5, m->value);
    WEIR_TRY(appender->EndRow());
  }
  WEIR_TRY(appender->Close());
  WEIR_TRY(EventTimes(messages, dead));
  WEIR_TRY(DropLate(messages, dead));
  WEIR_TRY(AdvanceWatermark());
  if (!next_watermark_) return OkStatus();
  return Close(closing);
}

Status StreamWindows::Commit(int64_t batch, const std::vector<SourceRange>& ranges) {
  for (const SourceRange& r : ranges) {
    auto same = [&](const KafkaPosition& p) { return p.topic == r.topic && p.partition == r.partition; };
    auto it = std::find_if(positions_.begin(), positions_.end(), same);
    if (it == positions_.end()) {
      positions_.push_back({r.topic, r.partition, r.end});
    } else {
      it->next_offset = std::max(it->next_offset, r.end);
    }
  }
  std::string sql = "BEGIN; INSERT INTO _weir_state.rows SELECT n._topic, n._partition, n._offset, n._timestamp, "
                    "n._key, n._value, t._t, t._k FROM _weir_new n JOIN _weir_times t USING (_topic, _partition, _offset);";
  if (next_watermark_) {
    sql += window_.kind == Kind::kSession
               ? "DELETE FROM _weir_state.rows r USING _weir_windows w WHERE r._topic = w._topic AND "
                 "r._partition = w._partition AND r._offset = w._offset;"
               : "DELETE FROM _weir_state.rows WHERE " + LastWindowEnd("_t") + " <= " + std::to_string(*next_watermark_) + ";";
  }
  sql += "DELETE FROM _weir_state.progress; INSERT INTO _weir_state.progress VALUES (" + std::to_string(batch) + ", " +
         (next_watermark_ ? std::to_string(*next_watermark_) : "NULL") + "); DELETE FROM _weir_state.positions;";
  sql += "DELETE FROM _weir_state.event_times;";
  for (const auto& [partition, t] : next_newest_) {
    sql += "INSERT INTO _weir_state.event_times VALUES (" + SqlString(partition.first) + ", " +
           std::to_string(partition.second) + ", " + std::to_string(t) + ");";
  }
  for (const KafkaPosition& p : positions_) {
    sql += "INSERT INTO _weir_state.positions VALUES (" + SqlString(p.topic) + ", " + std::to_string(p.partition) + ", " +
           std::to_string(p.next_offset) + ");";
  }
  Status committed = db_.Execute(sql + "COMMIT");
  if (!committed.ok()) {
    (void)db_.Execute("ROLLBACK");
    return committed;
  }
  batch_ = batch;
  watermark_ = next_watermark_;
  newest_ = next_newest_;
  return OkStatus();
}

}  // namespace weir::stream_internal
