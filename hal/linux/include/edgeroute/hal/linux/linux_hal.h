// LinuxHal: the HAL of a real gateway, owning one of each Linux backend. The daemon's
// main creates it once, before starting any thread, and hands hal() to the components
// it builds; LinuxHal must outlive them all.
//
// Thread-safety: create() from one thread; hal() and the services it returns follow
// their own contracts (all may be used from any thread).
#pragma once

#include <memory>
#include <string>

#include "edgeroute/base/result.h"
#include "edgeroute/hal/hal.h"
#include "edgeroute/hal/linux/linux_clock.h"
#include "edgeroute/hal/linux/linux_cpu.h"
#include "edgeroute/hal/linux/linux_storage.h"
#include "edgeroute/hal/linux/netlink_link.h"
#include "edgeroute/hal/linux/systemd_watchdog.h"

namespace edgeroute::hal {

struct LinuxHalOptions {
  // The network interface that carries the WAN link to central ("eth0", "wwan0").
  std::string wan_interface;
};

class LinuxHal {
 public:
  // Fails when the WAN interface does not exist (not_found naming it) or cannot be
  // watched; every error names the interface.
  static Result<std::unique_ptr<LinuxHal>> create(LinuxHalOptions options);

  LinuxHal(const LinuxHal&) = delete;
  LinuxHal& operator=(const LinuxHal&) = delete;

  Hal hal();

 private:
  explicit LinuxHal(std::unique_ptr<NetlinkLink> link) : link_(std::move(link)) {}

  LinuxClock clock_;
  LinuxStorage storage_;
  std::unique_ptr<NetlinkLink> link_;
  SystemdWatchdog watchdog_;
  LinuxCpu cpu_;
};

}  // namespace edgeroute::hal
