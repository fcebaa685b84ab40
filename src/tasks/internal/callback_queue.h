// CallbackQueue: where callbacks wait to run, so that the engine's
// coordinator only hands them over and never waits on a webhook, a mail
// server or a command.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "common/cancel.h"
#include "common/clock.h"
#include "common/mutex.h"

namespace weir::tasks_internal {

// Jobs run one at a time in the order they become due: posted ones at
// once, timed ones (webhook retries, SLA checks) when `clock` reaches their
// time. With `background`, a thread of the queue's own runs them; without,
// nothing runs until RunDue() is called (tests, with a FakeClock).
// Thread-safe. The destructor cancels the running job (its token is set),
// drops the rest and joins the thread.
class CallbackQueue {
 public:
  using Job = std::function<void(const CancelToken& cancel)>;

  CallbackQueue(Clock& clock, bool background);
  ~CallbackQueue();
  CallbackQueue(const CallbackQueue&) = delete;
  CallbackQueue& operator=(const CallbackQueue&) = delete;

  void Post(Job job);
  // Returns an id for Cancel.
  int PostAt(TimePoint when, Job job);
  // Forgets a timed job that has not started; nothing if it has.
  void Cancel(int id);

  // Waits (in real time) until no job is waiting or running, or `limit`
  // passes. Returns how many jobs are left.
  int Drain(std::chrono::milliseconds limit);
  // Makes Drain return at once, now and later, and cancels the running job.
  void Abandon();
  // Runs, on the caller's thread, every job due at clock.Now(), including
  // those the jobs post meanwhile.
  void RunDue();

 private:
  void Loop();
  // The next due job, taken out of `jobs_`; false when none is due.
  bool TakeDue(Job& job) WEIR_REQUIRES(mu_);
  void Finished();

  Clock& clock_;
  Mutex mu_;
  std::condition_variable wake_;  // a job was posted, or the queue stops
  std::condition_variable idle_;  // a job finished
  // By (due, id): ids grow, so jobs due at once run in the order posted.
  std::map<std::pair<TimePoint, int>, Job> jobs_ WEIR_GUARDED_BY(mu_);
  std::map<int, TimePoint> timed_ WEIR_GUARDED_BY(mu_);  // PostAt ids still waiting
  int next_id_ WEIR_GUARDED_BY(mu_) = 0;
  int running_ WEIR_GUARDED_BY(mu_) = 0;
  bool stopping_ WEIR_GUARDED_BY(mu_) = false;
  bool abandoned_ WEIR_GUARDED_BY(mu_) = false;
  CancelToken cancel_;
  std::thread thread_;
};

}  // namespace weir::tasks_internal
