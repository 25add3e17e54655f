// Specifies LinuxHal, the daemon's entry to the Linux backend: created for an existing
// WAN interface (loopback, present on every host) it hands out working services; for a
// WAN interface that does not exist it fails with not_found naming the interface, so a
// misconfigured gateway says what is wrong at start-up instead of running with the link
// forever down.
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "edgeroute/hal/linux/linux_hal.h"

namespace edgeroute::hal {
namespace {

using ::testing::HasSubstr;

// qemu-user (or a kernel without netlink) refuses the socket; nothing to test then.
bool netlink_is_unavailable() {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd >= 0) ::close(fd);
  return fd < 0 && (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT || errno == ENOSYS);
}

TEST(LinuxHal, ServesEveryServiceForAnExistingWanInterface) {
  if (netlink_is_unavailable()) GTEST_SKIP() << "rtnetlink sockets are not supported here";
  auto linux_hal = LinuxHal::create({.wan_interface = "lo"});
  ASSERT_TRUE(linux_hal) << linux_hal.status().to_string();
  Hal hal = (*linux_hal)->hal();
  EXPECT_EQ(hal.link.state(), LinkState::up);
  EXPECT_GE(hal.cpu.core_count(), 1U);
  const MonotonicTime before = hal.clock.monotonic_now();
  EXPECT_TRUE(hal.clock.sleep_for(std::chrono::milliseconds(1), std::stop_token{}));
  EXPECT_GT(hal.clock.monotonic_now(), before);
  EXPECT_TRUE(hal.storage.exists("/tmp").value());
}

TEST(LinuxHal, AMissingWanInterfaceIsNotFoundNamingIt) {
  if (netlink_is_unavailable()) GTEST_SKIP() << "rtnetlink sockets are not supported here";
  auto linux_hal = LinuxHal::create({.wan_interface = "edgeroute-wan9"});
  ASSERT_FALSE(linux_hal);
  EXPECT_EQ(linux_hal.status().code(), StatusCode::not_found);
  EXPECT_THAT(linux_hal.status().message(), HasSubstr("WAN link"));
  EXPECT_THAT(linux_hal.status().message(), HasSubstr("'edgeroute-wan9'"));
}

}  // namespace
}  // namespace edgeroute::hal
