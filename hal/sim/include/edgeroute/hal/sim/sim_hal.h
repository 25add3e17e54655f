// SimHal: one simulated backend of each kind, wired together (the link and the
// watchdog run on the clock), handed to the code under test as a hal::Hal while the
// test keeps the concrete sims to drive time, flap the link, crash the disk and
// check the watchdog. There is no global: each test builds its own.
//
// Ownership: the test owns the SimHal; everything built from hal() must be destroyed
// before it.
// Thread-safety: as each sim's own header says; the accessors themselves are safe
// from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "edgeroute/hal/hal.h"
#include "edgeroute/hal/sim/sim_clock.h"
#include "edgeroute/hal/sim/sim_cpu.h"
#include "edgeroute/hal/sim/sim_link.h"
#include "edgeroute/hal/sim/sim_storage.h"
#include "edgeroute/hal/sim/sim_watchdog.h"

namespace edgeroute::hal {

struct SimHalOptions {
  // 2024-03-01T08:00:00Z: a fixed, ordinary working morning, so results repeat.
  WallTime start_wall = WallTime{std::chrono::seconds(1'709'280'000)};
  // Not zero, so code that treats a zero time point as "unset" gets caught.
  MonotonicTime start_monotonic = MonotonicTime{std::chrono::hours(1)};
  LinkState initial_link = LinkState::up;
  std::vector<LinkStep> link_script;
  std::optional<Duration> watchdog_timeout;
  unsigned core_count = 4;
  std::uint64_t storage_capacity_bytes = SimStorage::kDefaultCapacityBytes;
};

class SimHal {
 public:
  explicit SimHal(const SimHalOptions& options = {});
  SimHal(const SimHal&) = delete;
  SimHal& operator=(const SimHal&) = delete;

  Hal hal();

  SimClock& clock() { return clock_; }
  SimStorage& storage() { return storage_; }
  SimLink& link() { return link_; }
  SimWatchdog& watchdog() { return watchdog_; }
  SimCpu& cpu() { return cpu_; }

 private:
  // Declared first so it is destroyed last: the link and the watchdog use it.
  SimClock clock_;
  SimStorage storage_;
  SimLink link_;
  SimWatchdog watchdog_;
  SimCpu cpu_;
};

}  // namespace edgeroute::hal
