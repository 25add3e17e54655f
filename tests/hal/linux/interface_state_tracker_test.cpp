// Specifies the rule by which NetlinkLink calls the WAN link up or down, on messages
// built here (the kernel is exercised by netlink_link_test): up needs both IFF_UP and
// IFF_RUNNING, so an interface an administrator enabled but whose cable is out
// (no IFF_RUNNING) is down, and loopback (operstate UNKNOWN, but running) is up. The
// tracker follows its interface by name: other interfaces are ignored, deletion and a
// rename away make it down, and a new interface taking the name is followed.
#include <net/if.h>

#include <optional>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "edgeroute/hal/linux/interface_state_tracker.h"

namespace edgeroute::hal {

// Failures print "up"/"down" rather than raw bytes.
inline void PrintTo(LinkState state, std::ostream* out) {
  *out << to_string(state);
}
namespace {

RtnetlinkMessage link_message(RtnetlinkMessage::Kind kind, int index, std::string name,
                              unsigned flags) {
  RtnetlinkMessage message;
  message.kind = kind;
  message.interface_index = index;
  message.interface_name = std::move(name);
  message.interface_flags = flags;
  return message;
}

RtnetlinkMessage new_link(int index, std::string name, unsigned flags) {
  return link_message(RtnetlinkMessage::Kind::new_link, index, std::move(name), flags);
}

constexpr unsigned kUpAndRunning = IFF_UP | IFF_RUNNING | IFF_BROADCAST | IFF_MULTICAST;

TEST(InterfaceStateTracker, UpNeedsBothAdministrativelyUpAndRunning) {
  EXPECT_EQ(InterfaceStateTracker::state_from_flags(kUpAndRunning), LinkState::up);
  EXPECT_EQ(InterfaceStateTracker::state_from_flags(IFF_UP | IFF_BROADCAST), LinkState::down);
  EXPECT_EQ(InterfaceStateTracker::state_from_flags(IFF_RUNNING), LinkState::down);
  EXPECT_EQ(InterfaceStateTracker::state_from_flags(0), LinkState::down);
  // Loopback as the kernel reports it: operstate UNKNOWN, yet IFF_RUNNING.
  EXPECT_EQ(InterfaceStateTracker::state_from_flags(IFF_UP | IFF_LOOPBACK | IFF_RUNNING),
            LinkState::up);
}

TEST(InterfaceStateTracker, FollowsItsInterfaceAndIgnoresOthers) {
  InterfaceStateTracker tracker("eth0");
  EXPECT_EQ(tracker.observe(new_link(3, "eth1", kUpAndRunning)), std::nullopt);
  EXPECT_EQ(tracker.observe(new_link(2, "eth0", kUpAndRunning)), LinkState::up);
  EXPECT_EQ(tracker.observe(new_link(2, "eth0", IFF_UP)), LinkState::down);  // cable pulled
}

TEST(InterfaceStateTracker, AMessageWithoutANameIsMatchedByIndex) {
  InterfaceStateTracker tracker("eth0");
  ASSERT_EQ(tracker.observe(new_link(2, "eth0", 0)), LinkState::down);
  EXPECT_EQ(tracker.observe(new_link(2, "", kUpAndRunning)), LinkState::up);
}

TEST(InterfaceStateTracker, DeletionMakesItDown) {
  InterfaceStateTracker tracker("eth0");
  ASSERT_EQ(tracker.observe(new_link(2, "eth0", kUpAndRunning)), LinkState::up);
  EXPECT_EQ(tracker.observe(link_message(RtnetlinkMessage::Kind::deleted_link, 2, "eth0", 0)),
            LinkState::down);
}

TEST(InterfaceStateTracker, ARenameAwayMakesItDownAndTheOldIndexIsForgotten) {
  InterfaceStateTracker tracker("eth0");
  ASSERT_EQ(tracker.observe(new_link(2, "eth0", kUpAndRunning)), LinkState::up);
  EXPECT_EQ(tracker.observe(new_link(2, "lan0", kUpAndRunning)), LinkState::down);
  EXPECT_EQ(tracker.observe(new_link(2, "lan0", 0)), std::nullopt);
}

TEST(InterfaceStateTracker, ANewInterfaceTakingTheNameIsFollowed) {
  InterfaceStateTracker tracker("eth0");
  ASSERT_EQ(tracker.observe(new_link(2, "eth0", kUpAndRunning)), LinkState::up);
  ASSERT_EQ(tracker.observe(link_message(RtnetlinkMessage::Kind::deleted_link, 2, "eth0", 0)),
            LinkState::down);
  EXPECT_EQ(tracker.observe(new_link(9, "eth0", kUpAndRunning)), LinkState::up);
  EXPECT_EQ(tracker.observe(new_link(9, "", 0)), LinkState::down);
}

TEST(InterfaceStateTracker, MarkAbsentMakesItDown) {
  InterfaceStateTracker tracker("eth0");
  ASSERT_EQ(tracker.observe(new_link(2, "eth0", kUpAndRunning)), LinkState::up);
  EXPECT_EQ(tracker.mark_absent(), LinkState::down);
  EXPECT_EQ(tracker.observe(new_link(2, "", kUpAndRunning)), std::nullopt);
}

TEST(InterfaceStateTracker, ErrorsAndOtherMessagesAreNotAboutTheLink) {
  InterfaceStateTracker tracker("eth0");
  RtnetlinkMessage error;
  error.kind = RtnetlinkMessage::Kind::error;
  error.interface_name = "eth0";
  EXPECT_EQ(tracker.observe(error), std::nullopt);
}

}  // namespace
}  // namespace edgeroute::hal
