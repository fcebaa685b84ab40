// Mutex and MutexLock with Clang thread-safety annotations, so that
// `-Wthread-safety` checks at compile time that members marked
// WEIR_GUARDED_BY(mu_) are only touched with mu_ held (LevelDB's
// port/thread_annotations.h and mutexlock.h). On other compilers the
// annotations compile to nothing.
#pragma once

#include <mutex>

#if defined(__clang__)
#define WEIR_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define WEIR_THREAD_ANNOTATION(x)
#endif

#define WEIR_CAPABILITY(name) WEIR_THREAD_ANNOTATION(capability(name))
#define WEIR_SCOPED_CAPABILITY WEIR_THREAD_ANNOTATION(scoped_lockable)
#define WEIR_GUARDED_BY(mu) WEIR_THREAD_ANNOTATION(guarded_by(mu))
#define WEIR_PT_GUARDED_BY(mu) WEIR_THREAD_ANNOTATION(pt_guarded_by(mu))
#define WEIR_ACQUIRE(...) WEIR_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define WEIR_RELEASE(...) WEIR_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define WEIR_REQUIRES(...) WEIR_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define WEIR_EXCLUDES(...) WEIR_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))

namespace weir {

class WEIR_CAPABILITY("mutex") Mutex {
 public:
  void Lock() WEIR_ACQUIRE() { mu_.lock(); }
  void Unlock() WEIR_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope. native() is for std::condition_variable
// waits, which release and retake the mutex before they return.
class WEIR_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) WEIR_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() WEIR_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace weir
