// Watchdog: tells the service manager the gateway is alive. Under systemd
// (Type=notify, WatchdogSec=) it speaks the sd_notify protocol and the daemon must
// call keep_alive() at least every keep_alive_interval(), or systemd restarts it.
// Elsewhere (a developer's shell, tests) NullWatchdog does nothing.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <optional>
#include <string_view>

#include "edgeroute/base/status.h"
#include "edgeroute/hal/clock.h"

namespace edgeroute::hal {

class Watchdog {
 public:
  virtual ~Watchdog() = default;

  // Start-up is complete: the daemon accepts work.
  virtual Status notify_ready() = 0;
  // The daemon is still making progress.
  virtual Status keep_alive() = 0;
  // Shutdown has begun.
  virtual Status notify_stopping() = 0;
  // A one-line status a person sees in `systemctl status`.
  virtual Status notify_status(std::string_view status) = 0;
  // How often keep_alive() must be called (half the supervisor's timeout, as systemd
  // recommends); nullopt when nothing supervises the process.
  virtual std::optional<Duration> keep_alive_interval() const = 0;
};

// For processes that nothing supervises.
class NullWatchdog final : public Watchdog {
 public:
  Status notify_ready() override { return Status::ok(); }
  Status keep_alive() override { return Status::ok(); }
  Status notify_stopping() override { return Status::ok(); }
  Status notify_status(std::string_view) override { return Status::ok(); }
  std::optional<Duration> keep_alive_interval() const override { return std::nullopt; }
};

}  // namespace edgeroute::hal
