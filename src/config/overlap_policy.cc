// The names of the scheduler's overlap policies, as pipelines write them.
#include "config/config.h"

namespace weir {
namespace {

const std::pair<OverlapPolicy, const char*> kOverlapPolicyNames[] = {
    {OverlapPolicy::kAllow, "allow"},
    {OverlapPolicy::kSkip, "skip"},
    {OverlapPolicy::kBufferOne, "buffer_one"},
    {OverlapPolicy::kCancelOther, "cancel_other"},
};

}  // namespace

std::optional<OverlapPolicy> ParseOverlapPolicy(std::string_view name) {
  for (const auto& [policy, text] : kOverlapPolicyNames) {
    if (name == text) return policy;
  }
  return std::nullopt;
}

std::string_view OverlapPolicyName(OverlapPolicy policy) {
  for (const auto& [p, text] : kOverlapPolicyNames) {
    if (p == policy) return text;
  }
  return "";
}

const std::vector<std::string>& OverlapPolicyNames() {
  static const std::vector<std::string> kNames = [] {
    std::vector<std::string> names;
    for (const auto& [policy, text] : kOverlapPolicyNames) names.emplace_back(text);
    return names;
  }();
  return kNames;
}

}  // namespace weir
