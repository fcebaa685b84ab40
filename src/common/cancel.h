// CancelToken: a flag a long operation polls to stop early. Thread-safe.
#pragma once

#include <atomic>

namespace weir {

class CancelToken {
 public:
  void Cancel() { cancelled_.store(true, std::memory_order_release); }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }

 private:
  std::atomic<bool> cancelled_{false};
};

}  // namespace weir
