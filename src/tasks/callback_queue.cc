#include "tasks/internal/callback_queue.h"

namespace weir::tasks_internal {

CallbackQueue::CallbackQueue(Clock& clock, bool background) : clock_(clock) {
  if (background) thread_ = std::thread([this] { Loop(); });
}

CallbackQueue::~CallbackQueue() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cancel_.Cancel();
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void CallbackQueue::Post(Job job) {
  PostAt(TimePoint::min(), std::move(job));
}

int CallbackQueue::PostAt(TimePoint when, Job job) {
  int id = 0;
  {
    MutexLock lock(mu_);
    id = next_id_++;
    jobs_.emplace(std::make_pair(when, id), std::move(job));
    if (when != TimePoint::min()) timed_.emplace(id, when);
  }
  wake_.notify_all();
  return id;
}

void CallbackQueue::Cancel(int id) {
  {
    MutexLock lock(mu_);
    auto it = timed_.find(id);
    if (it == timed_.end()) return;
    jobs_.erase(std::make_pair(it->second, id));
    timed_.erase(it);
  }
  idle_.notify_all();
}

bool CallbackQueue::TakeDue(Job& job) {
  if (jobs_.empty() || jobs_.begin()->first.first > clock_.Now()) return false;
  auto first = jobs_.begin();
  job = std::move(first->second);
  timed_.erase(first->first.second);
  jobs_.erase(first);
  ++running_;
  return true;
}

void CallbackQueue::Finished() {
  {
    MutexLock lock(mu_);
    --running_;
  }
  idle_.notify_all();
}

void CallbackQueue::Loop() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      while (!stopping_ && !TakeDue(job)) {
        if (jobs_.empty()) {
          wake_.wait(lock.native());
        } else {
          clock_.WaitUntil(wake_, lock.native(), jobs_.begin()->first.first);
        }
      }
      if (stopping_) return;
    }
    job(cancel_);
    Finished();
  }
}

void CallbackQueue::Abandon() {
  {
    MutexLock lock(mu_);
    abandoned_ = true;
  }
  cancel_.Cancel();
  idle_.notify_all();
}

void CallbackQueue::RunDue() {
  for (;;) {
    Job job;
    {
      MutexLock lock(mu_);
      if (!TakeDue(job)) return;
    }
    job(cancel_);
    Finished();
  }
}

int CallbackQueue::Drain(std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  MutexLock lock(mu_);
  while (!abandoned_ && (!jobs_.empty() || running_ > 0)) {
    if (idle_.wait_until(lock.native(), until) == std::cv_status::timeout) break;
  }
  return static_cast<int>(jobs_.size()) + running_;
}

}  // namespace weir::tasks_internal
