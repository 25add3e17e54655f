// Cpu: how many cores the process may use, and pinning a thread to one of them
// (routing workers and the journal writer each get a core when there are enough).
//
// Thread-safety: core_count() from any thread; pin_current_thread() affects only the
// calling thread.
#pragma once

#include "edgeroute/base/status.h"

namespace edgeroute::hal {

class Cpu {
 public:
  virtual ~Cpu() = default;

  // Cores in this process's affinity mask (not the machine's total: containers and
  // taskset restrict it). Always at least 1.
  virtual unsigned core_count() const = 0;
  // Pins the calling thread to `core`, an index in [0, core_count()).
  virtual Status pin_current_thread(unsigned core) = 0;
};

}  // namespace edgeroute::hal
