#include "engine/engine.h"

namespace weir {

PoolSlots::PoolSlots(std::map<std::string, int> sizes) : free_(sizes), size_(std::move(sizes)) {}

bool PoolSlots::TryAcquire(const std::string& pool, int slots) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = free_.find(pool);
  if (it == free_.end()) return true;  // not a limited pool
  if (it->second < slots) return false;
  it->second -= slots;
  return true;
}

void PoolSlots::Release(const std::string& pool, int slots) {
  std::vector<std::function<void()>> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(pool);
    if (it == free_.end()) return;
    it->second += slots;
    for (const auto& [id, w] : listeners_) wake.push_back(w);
  }
  for (const auto& w : wake) w();  // outside the lock: a listener may take it again
}

int PoolSlots::AddListener(std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_[next_listener_] = std::move(wake);
  return next_listener_++;
}

void PoolSlots::RemoveListener(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  listeners_.erase(id);
}

int PoolSlots::in_use(const std::string& pool) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = free_.find(pool);
  return it == free_.end() ? 0 : size_.at(pool) - it->second;
}

}  // namespace weir
