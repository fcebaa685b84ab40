// Time zones: name lookup with suggestions, local <-> UTC with DESIGN.md's
// DST convention, ISO-8601 formatting.
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "schedule/internal/zone.h"
#include "schedule/schedule.h"

namespace weir {
namespace schedule_internal {
namespace {

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view LastComponent(std::string_view name) {
  size_t slash = name.rfind('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// A zone whose name equals `name` ignoring case, or whose city part does
// ("Berlin" -> "Europe/Berlin"): the usual slips when typing a zone.
std::string SuggestZone(std::string_view name) {
  std::string wanted = Lower(name);
  std::string by_city;
  auto consider = [&](const std::string& candidate) {
    std::string lower = Lower(candidate);
    if (lower == wanted) return true;
    if (by_city.empty() && Lower(LastComponent(candidate)) == Lower(LastComponent(wanted)))
      by_city = candidate;
    return false;
  };
  // With USE_OS_TZDB (Debian's build) links such as US/Eastern are zones too.
  const date::tzdb& db = date::get_tzdb();
  for (const date::time_zone& zone : db.zones)
    if (consider(std::string(zone.name()))) return std::string(zone.name());
  return by_city;
}

}  // namespace

Result<Zone> Zone::Find(std::string_view name) {
  if (name.empty()) return Zone();
  try {
    return Zone(date::locate_zone(std::string(name)));
  } catch (const std::exception&) {
    std::string message = "unknown time zone '" + std::string(name) + "'";
    std::string suggestion;
    try {
      suggestion = SuggestZone(name);
    } catch (const std::exception&) {
      // No database to search: the plain message is still right.
    }
    if (!suggestion.empty()) {
      message += "; did you mean '" + suggestion + "'?";
    } else {
      message += ": expected an IANA name such as Europe/Berlin, America/New_York or UTC";
    }
    return UserError("bad-timezone", message);
  }
}

Zone Zone::FindOrUtc(const std::string& name) {
  Result<Zone> zone = Find(name);
  return zone.ok() ? *zone : Zone();
}

LocalSeconds Zone::ToLocal(SysSeconds instant) const {
  return LocalSeconds{instant.time_since_epoch() + OffsetAt(instant)};
}

std::chrono::seconds Zone::OffsetAt(SysSeconds instant) const {
  if (zone_ == nullptr) return std::chrono::seconds(0);
  return zone_->get_info(instant).offset;
}

SysSeconds Zone::FireInstant(LocalSeconds local) const {
  if (zone_ == nullptr) return SysSeconds{local.time_since_epoch()};
  date::local_info info = zone_->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
    case date::local_info::ambiguous:  // `first` is the earlier occurrence
      return SysSeconds{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      return info.second.begin;  // the first instant after the gap
  }
  return SysSeconds{local.time_since_epoch() - info.first.offset};
}

std::string FormatIso(SysSeconds instant, const Zone& zone) {
  std::chrono::seconds offset = zone.OffsetAt(instant);
  LocalSeconds local{instant.time_since_epoch() + offset};
  LocalDays day = date::floor<date::days>(local);
  date::hh_mm_ss<std::chrono::seconds> time(local - day);
  long total = static_cast<long>(offset.count());
  char sign = total < 0 ? '-' : '+';
  total = std::labs(total);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%sT%02d:%02d:%02d%c%02ld:%02ld", FormatDate(day).c_str(),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()), sign, total / 3600, total / 60 % 60);
  std::string out = buffer;
  // Local mean time offsets (before ~1900) carry seconds; keep them exact.
  if (total % 60 != 0) {
    std::snprintf(buffer, sizeof(buffer), ":%02ld", total % 60);
    out += buffer;
  }
  return out;
}

}  // namespace schedule_internal

Status ValidateTimeZone(std::string_view name) {
  if (name.empty()) {
    return UserError("bad-timezone",
                     "empty time zone: expected an IANA name such as Europe/Berlin or UTC");
  }
  return schedule_internal::Zone::Find(name).status();
}

std::string FormatUtc(TimePoint t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

}  // namespace weir
