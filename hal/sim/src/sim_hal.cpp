#include "edgeroute/hal/sim/sim_hal.h"

namespace edgeroute::hal {

SimHal::SimHal(const SimHalOptions& options)
    : clock_(options.start_wall, options.start_monotonic),
      storage_(options.storage_capacity_bytes),
      link_(clock_, options.initial_link, options.link_script),
      watchdog_(clock_, options.watchdog_timeout),
      cpu_(options.core_count) {}

Hal SimHal::hal() {
  return Hal{
      .clock = clock_, .storage = storage_, .link = link_, .watchdog = watchdog_, .cpu = cpu_};
}

}  // namespace edgeroute::hal
