// Tests built for ARM run under qemu-user in CI. qemu-user emulates one process: it
// cannot follow fork()+exec() of the test binary or clone() a child sharing memory,
// which is what GoogleTest death tests need. ctest sets EDGEROUTE_UNDER_EMULATOR for
// cross builds (cmake/EdgerouteTesting.cmake) so those few tests skip there and still
// run on the host and on real ARM hardware.
#pragma once

#include <cstdlib>

#include <gtest/gtest.h>

namespace edgeroute::testing {

inline bool running_under_emulator() { return std::getenv("EDGEROUTE_UNDER_EMULATOR") != nullptr; }

}  // namespace edgeroute::testing

#define EDGEROUTE_SKIP_UNDER_EMULATOR(why)                               \
  do {                                                                   \
    if (::edgeroute::testing::running_under_emulator()) {                \
      GTEST_SKIP() << "skipped under qemu-user: " << (why);              \
    }                                                                    \
  } while (false)

#define EDGEROUTE_SKIP_DEATH_TEST_UNDER_EMULATOR() \
  EDGEROUTE_SKIP_UNDER_EMULATOR("death tests need fork/exec, which qemu-user cannot emulate")
