// SimWatchdog: a supervisor stand-in that records what the daemon told it and judges
// the keep-alive loop against a SimClock, the way systemd's WatchdogSec= would: the
// deadline is armed by notify_ready(), re-armed by every keep_alive(), and disarmed by
// notify_stopping(). expired() becomes true once the clock has moved strictly more
// than the timeout past the last keep-alive (or ready), and stays true: a keep-alive
// that comes too late does not undo a restart systemd would already have made.
// Without a timeout nothing supervises: keep_alive_interval() is nullopt and it never
// expires.
//
// Ownership: the test (or SimHal) owns it; the clock must outlive it.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "edgeroute/hal/clock.h"
#include "edgeroute/hal/watchdog.h"

namespace edgeroute::hal {

class SimWatchdog final : public Watchdog {
 public:
  // REQUIRES: timeout, if given, is positive.
  SimWatchdog(const Clock& clock, std::optional<Duration> timeout);

  Status notify_ready() override;
  Status keep_alive() override;
  Status notify_stopping() override;
  Status notify_status(std::string_view status) override;
  // Half the timeout, as systemd recommends.
  std::optional<Duration> keep_alive_interval() const override;

  std::optional<Duration> timeout() const { return timeout_; }
  bool ready() const;
  bool stopping() const;
  std::uint64_t keep_alive_count() const;
  // Every notify_status() text, oldest first.
  std::vector<std::string> statuses() const;
  bool expired() const;

 private:
  bool deadline_missed_locked(MonotonicTime now) const;  // REQUIRES: mutex_ held

  const Clock& clock_;
  const std::optional<Duration> timeout_;

  mutable std::mutex mutex_;
  bool ready_ = false;                  // guarded by mutex_
  bool stopping_ = false;               // guarded by mutex_
  bool expired_ = false;                // guarded by mutex_: a deadline was missed
  MonotonicTime last_sign_of_life_{};   // guarded by mutex_
  std::uint64_t keep_alive_count_ = 0;  // guarded by mutex_
  std::vector<std::string> statuses_;   // guarded by mutex_
};

}  // namespace edgeroute::hal
