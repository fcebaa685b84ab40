#include "common/clock.h"

namespace weir {

bool SystemClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                            TimePoint deadline) {
  return cv.wait_until(lock, deadline) == std::cv_status::no_timeout;
}

TimePoint FakeClock::Now() const {
  std::lock_guard<std::mutex> guard(mu_);
  return now_;
}

bool FakeClock::WaitUntil(std::condition_variable&, std::unique_lock<std::mutex>&,
                          TimePoint deadline) {
  std::lock_guard<std::mutex> guard(mu_);
  waits_.push_back(deadline);
  if (deadline > now_) now_ = deadline;
  return false;
}

void FakeClock::Advance(Duration d) {
  std::lock_guard<std::mutex> guard(mu_);
  now_ += d;
}

std::vector<TimePoint> FakeClock::waits() const {
  std::lock_guard<std::mutex> guard(mu_);
  return waits_;
}

}  // namespace weir
