#include "edgeroute/hal/linux/systemd_watchdog.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace edgeroute::hal {
namespace {

std::optional<Duration> read_keep_alive_interval() {
  std::uint64_t timeout_us = 0;
  // 0: no watchdog for this process; negative: malformed environment. Either way no
  // supervisor is waiting for keep-alives from us.
  if (::sd_watchdog_enabled(0, &timeout_us) <= 0) return std::nullopt;
  return std::chrono::duration_cast<Duration>(std::chrono::microseconds(timeout_us / 2));
}

Status notify(const std::string& state) {
  // > 0: sent; 0: NOTIFY_SOCKET unset, nothing supervises us; < 0: -errno.
  const int result = ::sd_notify(0, state.c_str());
  if (result >= 0) return Status::ok();
  const char* socket = std::getenv("NOTIFY_SOCKET");
  return status_from_errno(-result, "sd_notify \"" + state + "\" to NOTIFY_SOCKET=" +
                                        (socket != nullptr ? socket : "(unset)"));
}

}  // namespace

SystemdWatchdog::SystemdWatchdog() : keep_alive_interval_(read_keep_alive_interval()) {}

Status SystemdWatchdog::notify_ready() {
  return notify("READY=1");
}

Status SystemdWatchdog::keep_alive() {
  return notify("WATCHDOG=1");
}

Status SystemdWatchdog::notify_stopping() {
  return notify("STOPPING=1");
}

Status SystemdWatchdog::notify_status(std::string_view status) {
  std::string state = "STATUS=";
  state += status;
  std::replace_if(
      state.begin(), state.end(),
      [](char character) { return static_cast<unsigned char>(character) < 0x20; }, ' ');
  return notify(state);
}

std::optional<Duration> SystemdWatchdog::keep_alive_interval() const {
  return keep_alive_interval_;
}

}  // namespace edgeroute::hal
