#include "edgeroute/hal/linux/linux_clock.h"

#include <condition_variable>
#include <mutex>

namespace edgeroute::hal {

MonotonicTime LinuxClock::monotonic_now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

WallTime LinuxClock::wall_now() const {
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
}

bool LinuxClock::sleep_until(MonotonicTime deadline, std::stop_token stop) {
  // Each sleeper gets its own condition variable: nothing but the stop request ever
  // notifies it, and libstdc++ waits on it with CLOCK_MONOTONIC (pthread_cond_clockwait).
  std::mutex mutex;
  std::condition_variable_any stop_requested;
  std::unique_lock lock(mutex);
  // The predicate is never true: the wait ends only at the deadline or on a stop
  // request, and it absorbs spurious wake-ups itself.
  (void)stop_requested.wait_until(lock, stop, deadline, [] { return false; });
  return !stop.stop_requested() || monotonic_now() >= deadline;
}

}  // namespace edgeroute::hal
