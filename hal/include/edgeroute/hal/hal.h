// Hal: the set of operating-system services a component may use, passed in by whoever
// builds the component (only the daemon's main chooses the Linux backend; tests choose
// the simulated one). There is no global HAL.
#pragma once

#include "edgeroute/hal/clock.h"
#include "edgeroute/hal/cpu.h"
#include "edgeroute/hal/link.h"
#include "edgeroute/hal/storage.h"
#include "edgeroute/hal/watchdog.h"

namespace edgeroute::hal {

struct Hal {
  Clock& clock;
  Storage& storage;
  Link& link;
  Watchdog& watchdog;
  Cpu& cpu;
};

}  // namespace edgeroute::hal
