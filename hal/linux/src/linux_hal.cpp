#include "edgeroute/hal/linux/linux_hal.h"

namespace edgeroute::hal {

Result<std::unique_ptr<LinuxHal>> LinuxHal::create(LinuxHalOptions options) {
  Result<std::unique_ptr<NetlinkLink>> link = NetlinkLink::create(std::move(options.wan_interface));
  if (!link) return link.status().with_context("WAN link");
  return std::unique_ptr<LinuxHal>(new LinuxHal(std::move(*link)));
}

Hal LinuxHal::hal() {
  return Hal{clock_, storage_, *link_, watchdog_, cpu_};
}

}  // namespace edgeroute::hal
