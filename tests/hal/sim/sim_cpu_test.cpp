// Specifies SimCpu: it reports the configured number of cores, records each thread's
// pin separately, and refuses a core outside [0, core_count) with invalid_argument
// naming the core and the count (and records nothing then).
#include <optional>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/sim/sim_cpu.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;

TEST(SimCpu, ReportsTheConfiguredCoreCount) {
  EXPECT_EQ(SimCpu(1).core_count(), 1u);
  EXPECT_EQ(SimCpu(4).core_count(), 4u);
}

TEST(SimCpu, RecordsEachThreadsPinSeparately) {
  SimCpu cpu(4);
  EXPECT_EQ(cpu.pinned_core(), std::nullopt);
  ASSERT_TRUE(cpu.pin_current_thread(1).is_ok());

  std::thread::id worker_id;
  std::thread worker([&] {
    worker_id = std::this_thread::get_id();
    EXPECT_TRUE(cpu.pin_current_thread(3).is_ok());
  });
  worker.join();

  EXPECT_EQ(cpu.pinned_core(), 1u);
  EXPECT_EQ(cpu.pinned_core(worker_id), 3u);
  EXPECT_EQ(cpu.pins().size(), 2u);

  ASSERT_TRUE(cpu.pin_current_thread(0).is_ok());  // re-pinning replaces the pin
  EXPECT_EQ(cpu.pinned_core(), 0u);
}

TEST(SimCpu, RefusesACoreOutOfRangeNamingTheCoreAndTheCount) {
  SimCpu cpu(4);
  ASSERT_TRUE(cpu.pin_current_thread(3).is_ok());
  const Status pinned = cpu.pin_current_thread(4);
  EXPECT_EQ(pinned.code(), StatusCode::invalid_argument);
  EXPECT_THAT(pinned.message(), HasSubstr("core 4"));
  EXPECT_THAT(pinned.message(), HasSubstr("4 cores"));
  EXPECT_EQ(cpu.pinned_core(), 3u);
}

}  // namespace
}  // namespace edgeroute::hal
