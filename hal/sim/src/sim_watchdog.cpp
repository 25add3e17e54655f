#include "edgeroute/hal/sim/sim_watchdog.h"

#include <algorithm>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {

SimWatchdog::SimWatchdog(const Clock& clock, std::optional<Duration> timeout)
    : clock_(clock), timeout_(timeout) {
  EDGEROUTE_ASSERT(!timeout_ || *timeout_ > Duration::zero(), "watchdog timeout must be positive");
}

Status SimWatchdog::notify_ready() {
  const MonotonicTime now = clock_.monotonic_now();
  std::lock_guard lock(mutex_);
  if (!ready_) last_sign_of_life_ = now;
  ready_ = true;
  return Status::ok();
}

Status SimWatchdog::keep_alive() {
  const MonotonicTime now = clock_.monotonic_now();
  std::lock_guard lock(mutex_);
  if (deadline_missed_locked(now)) expired_ = true;
  // Two threads may read the clock and reach the lock in either order.
  last_sign_of_life_ = std::max(last_sign_of_life_, now);
  ++keep_alive_count_;
  return Status::ok();
}

Status SimWatchdog::notify_stopping() {
  const MonotonicTime now = clock_.monotonic_now();
  std::lock_guard lock(mutex_);
  if (deadline_missed_locked(now)) expired_ = true;
  stopping_ = true;
  return Status::ok();
}

Status SimWatchdog::notify_status(std::string_view status) {
  std::lock_guard lock(mutex_);
  statuses_.emplace_back(status);
  return Status::ok();
}

std::optional<Duration> SimWatchdog::keep_alive_interval() const {
  if (!timeout_) return std::nullopt;
  return *timeout_ / 2;
}

bool SimWatchdog::ready() const {
  std::lock_guard lock(mutex_);
  return ready_;
}

bool SimWatchdog::stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

std::uint64_t SimWatchdog::keep_alive_count() const {
  std::lock_guard lock(mutex_);
  return keep_alive_count_;
}

std::vector<std::string> SimWatchdog::statuses() const {
  std::lock_guard lock(mutex_);
  return statuses_;
}

bool SimWatchdog::expired() const {
  const MonotonicTime now = clock_.monotonic_now();
  std::lock_guard lock(mutex_);
  return expired_ || deadline_missed_locked(now);
}

bool SimWatchdog::deadline_missed_locked(MonotonicTime now) const {
  const bool armed = timeout_ && ready_ && !stopping_;
  return armed && now - last_sign_of_life_ > *timeout_;
}

}  // namespace edgeroute::hal
