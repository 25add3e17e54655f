// Specifies LinuxCpu against the real scheduler: core_count() is the number of CPUs in
// the process's affinity mask (what taskset or a container allows, not the machine's
// total), pinning to core i runs the thread on the i-th allowed CPU and only there, the
// count does not shrink when read from a pinned thread, and an index past the last
// core is invalid_argument naming the core and the count. Each test that pins puts the
// thread's original affinity back when it ends. (No extra threads: pinning the calling
// thread is the contract, and it keeps the test runnable under qemu-user.)
#include <sched.h>

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/linux_cpu.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;

cpu_set_t affinity_of_this_thread() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  EXPECT_EQ(::sched_getaffinity(0, sizeof(mask), &mask), 0);
  return mask;
}

// Puts the calling thread's affinity back as it was when this was constructed.
class AffinityRestorer {
 public:
  AffinityRestorer() : original_(affinity_of_this_thread()) {}
  AffinityRestorer(const AffinityRestorer&) = delete;
  AffinityRestorer& operator=(const AffinityRestorer&) = delete;
  ~AffinityRestorer() { EXPECT_EQ(::sched_setaffinity(0, sizeof(original_), &original_), 0); }

 private:
  cpu_set_t original_;
};

TEST(LinuxCpu, CoreCountIsTheSizeOfTheAffinityMask) {
  LinuxCpu cpu;
  cpu_set_t mask = affinity_of_this_thread();
  EXPECT_GE(cpu.core_count(), 1U);
  EXPECT_EQ(cpu.core_count(), static_cast<unsigned>(CPU_COUNT(&mask)));
}

TEST(LinuxCpu, CoresMapToTheAllowedCpusInAscendingOrder) {
  LinuxCpu cpu;
  cpu_set_t mask = affinity_of_this_thread();
  unsigned core = 0;
  for (unsigned id = 0; id < CPU_SETSIZE; ++id) {
    if (CPU_ISSET(id, &mask)) {
      EXPECT_EQ(cpu.cpu_of_core(core++), id);
    }
  }
  EXPECT_EQ(core, cpu.core_count());
}

TEST(LinuxCpu, PinningToCoreZeroRunsTheThreadOnTheFirstAllowedCpu) {
  LinuxCpu cpu;
  AffinityRestorer restorer;
  ASSERT_TRUE(cpu.pin_current_thread(0).is_ok());
  EXPECT_EQ(::sched_getcpu(), static_cast<int>(cpu.cpu_of_core(0)));
  cpu_set_t mask = affinity_of_this_thread();
  EXPECT_EQ(CPU_COUNT(&mask), 1);
  EXPECT_TRUE(CPU_ISSET(cpu.cpu_of_core(0), &mask));
}

TEST(LinuxCpu, EveryCoreCanBePinned) {
  LinuxCpu cpu;
  AffinityRestorer restorer;
  for (unsigned core = 0; core < cpu.core_count(); ++core) {
    ASSERT_TRUE(cpu.pin_current_thread(core).is_ok()) << "core " << core;
    EXPECT_EQ(::sched_getcpu(), static_cast<int>(cpu.cpu_of_core(core)));
  }
}

TEST(LinuxCpu, ThePinnedThreadStillSeesEveryCore) {
  LinuxCpu cpu;
  const unsigned cores = cpu.core_count();
  AffinityRestorer restorer;
  ASSERT_TRUE(cpu.pin_current_thread(0).is_ok());
  EXPECT_EQ(cpu.core_count(), cores);
}

TEST(LinuxCpu, ACorePastTheLastIsInvalidNamingCoreAndCount) {
  LinuxCpu cpu;
  const unsigned cores = cpu.core_count();
  AffinityRestorer restorer;
  const Status pinned = cpu.pin_current_thread(cores);
  EXPECT_EQ(pinned.code(), StatusCode::invalid_argument);
  EXPECT_THAT(pinned.message(), HasSubstr("core " + std::to_string(cores)));
  EXPECT_THAT(pinned.message(), HasSubstr(std::to_string(cores) + " cores"));
  // The failed call left the thread's affinity alone.
  cpu_set_t mask = affinity_of_this_thread();
  EXPECT_EQ(static_cast<unsigned>(CPU_COUNT(&mask)), cores);
}

}  // namespace
}  // namespace edgeroute::hal
