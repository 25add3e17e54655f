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

  // Blocks the calling thread until monotonic_now() >= deadline or until `stop` is
  // requested. Returns true if the deadline was reached, false if stopped first.
  virtual bool sleep_until(MonotonicTime deadline, std::stop_token stop) = 0;

  bool sleep_for(Duration duration, std::stop_token stop) {
    return sleep_until(monotonic_now() + duration, std::move(stop));
  }
};

}  // namespace edgeroute::hal
