// Clock: the only way edgeroute reads time or waits for it.
//
// Two time lines, never mixed:
//   - monotonic time never goes back; it measures intervals, deadlines and latency;
//   - wall time is UTC; it stamps records and drives calendar arithmetic (cut-offs,
//     pick windows, promised dates). NTP can step it.
// The Linux backend reads the kernel's clocks; the simulated backend only moves when a
// test advances it, so time-dependent behaviour is tested exactly and instantly.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <stop_token>

namespace edgeroute::hal {

using Duration = std::chrono::nanoseconds;
using MonotonicTime = std::chrono::time_point<std::chrono::steady_clock, Duration>;
using WallTime = std::chrono::sys_time<Duration>;  // UTC, Unix epoch, no leap seconds

class Clock {
 public:
  virtual ~Clock() = default;

  virtual MonotonicTime monotonic_now() const = 0;
  virtual WallTime wall_now() const = 0;
  // wall_now() in the units records and documents carry: whole seconds, or
  // microseconds, since the Unix epoch.
  std::int64_t wall_unix_seconds() const {
    return std::chrono::duration_cast<std::chrono::seconds>(wall_now().time_since_epoch()).count();
  }
  std::int64_t wall_unix_microseconds() const {
    return std::chrono::duration_cast<std::chrono::microseconds>(wall_now().time_since_epoch())
        .count();
  }

  // Blocks the calling thread until monotonic_now() >= deadline or until `stop` is
  // requested. Returns true if the deadline was reached, false if stopped first.
  virtual bool sleep_until(MonotonicTime deadline, std::stop_token stop) = 0;

  // Sleeps until monotonic_now() + duration; a duration reaching past the end of time
  // (Duration::max(), "until stopped") sleeps until MonotonicTime::max().
  bool sleep_for(Duration duration, std::stop_token stop) {
    return sleep_until(saturating_add(monotonic_now(), duration), std::move(stop));
  }

  // `time` + `duration`, clamped to [MonotonicTime::min(), MonotonicTime::max()] instead of
  // overflowing (signed overflow is undefined behaviour).
  static MonotonicTime saturating_add(MonotonicTime time, Duration duration) {
    const Duration since_epoch = time.time_since_epoch();
    if (duration > Duration::zero() && since_epoch > Duration::max() - duration) {
      return MonotonicTime::max();
    }
    if (duration < Duration::zero() && since_epoch < Duration::min() - duration) {
      return MonotonicTime::min();
    }
    return time + duration;
  }
};

}  // namespace edgeroute::hal
