// Specifies SimHal: the Hal it hands out is made of its own sims (so a test drives
// exactly what the code under test uses), and the link and the watchdog run on its
// clock, so advancing that one clock flaps the scripted link and expires a neglected
// watchdog. Its defaults are fixed, so simulated runs repeat.
#include <chrono>

#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_hal.h"

namespace edgeroute::hal {
namespace {

using namespace std::chrono_literals;

TEST(SimHal, HandsOutItsOwnSims) {
  SimHal sim;
  const Hal hal = sim.hal();
  EXPECT_EQ(&hal.clock, &sim.clock());
  EXPECT_EQ(&hal.storage, &sim.storage());
  EXPECT_EQ(&hal.link, &sim.link());
  EXPECT_EQ(&hal.watchdog, &sim.watchdog());
  EXPECT_EQ(&hal.cpu, &sim.cpu());
}

TEST(SimHal, DefaultsAreFixed) {
  SimHal sim;
  const SimHalOptions defaults;
  EXPECT_EQ(sim.clock().wall_now(), defaults.start_wall);
  EXPECT_EQ(sim.clock().monotonic_now(), defaults.start_monotonic);
  EXPECT_EQ(sim.link().state(), LinkState::up);
  EXPECT_EQ(sim.watchdog().keep_alive_interval(), std::nullopt);
  EXPECT_EQ(sim.cpu().core_count(), 4u);
  EXPECT_EQ(*sim.storage().free_space_bytes("/"), SimStorage::kDefaultCapacityBytes);
}

TEST(SimHal, OneClockDrivesTheLinkAndTheWatchdog) {
  SimHalOptions options;
  options.link_script = {{options.start_monotonic + 30s, LinkState::down}};
  options.watchdog_timeout = 20s;
  options.core_count = 2;
  options.storage_capacity_bytes = 4096;
  SimHal sim(options);
  Hal hal = sim.hal();
  ASSERT_TRUE(hal.watchdog.notify_ready().is_ok());

  sim.clock().advance(25s);
  EXPECT_EQ(hal.link.state(), LinkState::up);
  EXPECT_TRUE(sim.watchdog().expired());

  sim.clock().advance(5s);
  EXPECT_EQ(hal.link.state(), LinkState::down);
  EXPECT_EQ(hal.clock.monotonic_now(), options.start_monotonic + 30s);
  EXPECT_EQ(hal.cpu.core_count(), 2u);
  EXPECT_EQ(*hal.storage.free_space_bytes("/"), 4096u);
}

}  // namespace
}  // namespace edgeroute::hal
