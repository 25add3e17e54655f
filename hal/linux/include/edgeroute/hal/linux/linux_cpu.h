// LinuxCpu: the cores this process may run on, from sched_getaffinity(2), and pinning
// threads to them with pthread_setaffinity_np(3). Core indices are positions in the
// affinity mask, not CPU numbers: under `taskset -c 2,3` core 0 is CPU 2 and core 1 is
// CPU 3, so callers can count from zero whatever the container or taskset allows.
//
// The mask is captured once, at construction, because pinning narrows the mask of the
// pinned thread: a core_count() read later from a pinned thread would say 1. Construct
// it (through LinuxHal) in main before any thread is pinned.
//
// Owned by LinuxHal. Thread-safety: immutable after construction; core_count() from
// any thread, pin_current_thread() affects only the calling thread.
#pragma once

#include <vector>

#include "edgeroute/hal/cpu.h"

namespace edgeroute::hal {

class LinuxCpu final : public Cpu {
 public:
  LinuxCpu();

  unsigned core_count() const override;
  Status pin_current_thread(unsigned core) override;

  // The CPU number core `core` maps to. REQUIRES: core < core_count().
  unsigned cpu_of_core(unsigned core) const;

 private:
  std::vector<unsigned> allowed_cpus_;  // ascending CPU numbers
};

}  // namespace edgeroute::hal
