// SystemdWatchdog: the Watchdog spoken to systemd through sd_notify(3). Under a unit
// with Type=notify and WatchdogSec=, systemd sets NOTIFY_SOCKET, WATCHDOG_USEC and
// WATCHDOG_PID; each call sends one datagram ("READY=1", "WATCHDOG=1", "STOPPING=1",
// "STATUS=<text>") to that socket. Without NOTIFY_SOCKET (a developer's shell, tests)
// every call does nothing and succeeds, so the daemon needs no special case.
//
// The watchdog timeout is read once, at construction, because systemd fixes it when it
// starts the process; keep_alive_interval() is half of it, as sd_watchdog_enabled(3)
// recommends. A WATCHDOG_PID naming another process means the watchdog is not ours
// (nullopt).
//
// Owned by LinuxHal. Thread-safety: every method may be called from any thread
// (sd_notify opens a fresh socket per call), as long as nobody modifies the process
// environment meanwhile.
#pragma once

#include <optional>

#include "edgeroute/hal/watchdog.h"

namespace edgeroute::hal {

class SystemdWatchdog final : public Watchdog {
 public:
  SystemdWatchdog();

  Status notify_ready() override;
  Status keep_alive() override;
  Status notify_stopping() override;
  // Line breaks and other control characters become spaces: the text stays one line
  // and cannot smuggle in another assignment ("x\nREADY=1").
  Status notify_status(std::string_view status) override;
  std::optional<Duration> keep_alive_interval() const override;

 private:
  std::optional<Duration> keep_alive_interval_;
};

}  // namespace edgeroute::hal
