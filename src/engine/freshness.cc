// Datasets' freshness promises (weir.yml `datasets:`): how old each
// dataset is, and whether its staleness is news.
#include "engine/engine.h"

namespace weir {

FreshnessCheck EvaluateFreshness(const std::string& dataset, Duration freshness,
                                 const std::optional<DatasetEvent>& last_update, const DatasetFreshnessRecord& record,
                                 TimePoint now) {
  FreshnessCheck check;
  check.dataset = dataset;
  check.freshness = freshness;
  check.last_update = last_update;
  TimePoint since = last_update ? last_update->created_at : record.watched_since.value_or(now);
  check.age = std::chrono::duration_cast<Duration>(now - since);
  check.stale = check.age > freshness;
  // An episode is named by the newest event when it went stale: an update
  // since then starts a new one.
  int64_t latest_id = last_update ? last_update->id : 0;
  bool reported = record.missed_at.has_value() && record.missed_event_id == latest_id;
  if (check.stale && reported) check.missed_at = record.missed_at;
  check.newly_missed = check.stale && !reported;
  return check;
}

Result<FreshnessCheck> ReadFreshness(StateStore& store, const std::string& dataset, Duration freshness,
                                     TimePoint now) {
  WEIR_ASSIGN_OR_RETURN(std::optional<DatasetEvent> latest, store.LatestDatasetEvent(dataset));
  WEIR_ASSIGN_OR_RETURN(DatasetFreshnessRecord record, store.GetDatasetFreshness(dataset));
  return EvaluateFreshness(dataset, freshness, latest, record, now);
}

Result<FreshnessCheck> CheckFreshness(StateStore& store, const std::string& dataset, Duration freshness,
                                      TimePoint now) {
  WEIR_ASSIGN_OR_RETURN(std::optional<DatasetEvent> latest, store.LatestDatasetEvent(dataset));
  WEIR_ASSIGN_OR_RETURN(DatasetFreshnessRecord record, store.GetDatasetFreshness(dataset));
  FreshnessCheck check = EvaluateFreshness(dataset, freshness, latest, record, now);
  bool first_look = !record.watched_since.has_value();
  if (first_look) record.watched_since = now;
  if (check.newly_missed) {
    record.missed_at = now;
    record.missed_event_id = latest ? latest->id : 0;
    check.missed_at = now;
  }
  if (first_look || check.newly_missed) WEIR_TRY(store.SetDatasetFreshness(dataset, record));
  return check;
}

}  // namespace weir
