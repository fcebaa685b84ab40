#include <algorithm>
#include <cmath>

#include "engine/engine.h"

namespace weir {

std::chrono::milliseconds RetryDelay(const RetryPolicy& policy, int retry, double jitter) {
  double base = static_cast<double>(policy.delay.count());
  if (policy.exponential_backoff) {
    base *= std::pow(2.0, std::min(retry - 1, 40));
    // Jitter spreads retries of many tasks that failed together (a database
    // restart, an API outage) so they do not all return at the same instant.
    base *= 1.0 - 0.1 * std::clamp(jitter, 0.0, 1.0);
  }
  double capped = std::min(base, static_cast<double>(policy.max_delay.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(capped));
}

}  // namespace weir
