// LinuxClock: the kernel's clocks. Monotonic time is CLOCK_MONOTONIC (std::chrono::
// steady_clock), wall time is CLOCK_REALTIME (std::chrono::system_clock), which NTP may
// step; sleeping measures against the monotonic clock, so a wall-clock step never
// lengthens or shortens a sleep.
//
// Owned by LinuxHal. Thread-safety: stateless; every method may be called from any
// thread, and any number of threads may sleep at once.
#pragma once

#include "edgeroute/hal/clock.h"

namespace edgeroute::hal {

class LinuxClock final : public Clock {
 public:
  MonotonicTime monotonic_now() const override;
  WallTime wall_now() const override;
  // Wakes within scheduler latency of the deadline or of a stop request made from any
  // thread (the stop callback notifies the sleeper's condition variable).
  bool sleep_until(MonotonicTime deadline, std::stop_token stop) override;
};

}  // namespace edgeroute::hal
