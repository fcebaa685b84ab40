// Clock: the one seam through which Weir reads time and waits.
// SystemClock is the real one; FakeClock (tests) moves only when told to or
// when someone waits on it, so retry gaps are exact and tests never sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace weir {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
  // Waits on `cv` (with `lock` held) until notified or `deadline` passes.
  // Returns false when the deadline passed. Spurious wake-ups return true.
  virtual bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                         TimePoint deadline) = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) override;
};

// A clock for tests: Now() is fixed until Advance() or a wait moves it; a
// wait jumps straight to its deadline and records it. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override;
  bool WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                 TimePoint deadline) override;
  void Advance(Duration d);
  std::vector<TimePoint> waits() const;  // deadlines waited for, in order

 private:
  mutable std::mutex mu_;
  TimePoint now_;
  std::vector<TimePoint> waits_;
};

}  // namespace weir
