// Stable names for the states: they are stored in the state database and
// shown by the CLI and API, so renaming one needs a migration.
#include <array>
#include <string>
#include <utility>

#include "state/state.h"

namespace weir {
namespace {

constexpr std::array<std::pair<RunState, std::string_view>, 5> kRunStateNames{{
    {RunState::kQueued, "queued"},
    {RunState::kRunning, "running"},
    {RunState::kSuccess, "success"},
    {RunState::kFailed, "failed"},
    {RunState::kInterrupted, "interrupted"},
}};

constexpr std::array<std::pair<TaskState, std::string_view>, 11> kTaskStateNames{{
    {TaskState::kPending, "pending"},
    {TaskState::kQueued, "queued"},
    {TaskState::kRunning, "running"},
    {TaskState::kUpForRetry, "up_for_retry"},
    {TaskState::kUpForReschedule, "up_for_reschedule"},
    {TaskState::kSuccess, "success"},
    {TaskState::kCached, "cached"},
    {TaskState::kFailed, "failed"},
    {TaskState::kUpstreamFailed, "upstream_failed"},
    {TaskState::kSkipped, "skipped"},
    {TaskState::kInterrupted, "interrupted"},
}};

constexpr std::array<std::pair<AttemptState, std::string_view>, 4> kAttemptStateNames{{
    {AttemptState::kRunning, "running"},
    {AttemptState::kSuccess, "success"},
    {AttemptState::kFailed, "failed"},
    {AttemptState::kInterrupted, "interrupted"},
}};

template <typename Enum, size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& names, Enum value) {
  for (const auto& [state, name] : names) {
    if (state == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& names, std::string_view text) {
  for (const auto& [state, name] : names) {
    if (name == text) return state;
  }
  return std::nullopt;
}

}  // namespace

std::string_view RunStateName(RunState s) { return NameOf(kRunStateNames, s); }
std::string_view TaskStateName(TaskState s) { return NameOf(kTaskStateNames, s); }
std::string_view AttemptStateName(AttemptState s) { return NameOf(kAttemptStateNames, s); }

std::optional<RunState> ParseRunState(std::string_view name) { return Parse(kRunStateNames, name); }
std::optional<TaskState> ParseTaskState(std::string_view name) { return Parse(kTaskStateNames, name); }
std::optional<AttemptState> ParseAttemptState(std::string_view name) { return Parse(kAttemptStateNames, name); }

bool IsFinished(TaskState s) {
  switch (s) {
    case TaskState::kSuccess:
    case TaskState::kCached:
    case TaskState::kFailed:
    case TaskState::kUpstreamFailed:
    case TaskState::kSkipped:
      return true;
    case TaskState::kPending:
    case TaskState::kQueued:
    case TaskState::kRunning:
    case TaskState::kUpForRetry:
    case TaskState::kUpForReschedule:
    case TaskState::kInterrupted:
      return false;
  }
  return false;
}

bool Succeeded(TaskState s) { return s == TaskState::kSuccess || s == TaskState::kCached; }

std::string MapInstanceId(std::string_view task_id, int map_index) {
  return std::string(task_id) + "[" + std::to_string(map_index) + "]";
}

std::optional<std::pair<std::string, int>> ParseMapInstanceId(std::string_view id) {
  size_t open = id.rfind('[');
  if (open == std::string_view::npos || open == 0 || id.size() < open + 3 || id.back() != ']') return std::nullopt;
  std::string_view digits = id.substr(open + 1, id.size() - open - 2);
  if (digits.size() > 9 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  int index = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    index = index * 10 + (c - '0');
  }
  return std::pair<std::string, int>(std::string(id.substr(0, open)), index);
}

}  // namespace weir
