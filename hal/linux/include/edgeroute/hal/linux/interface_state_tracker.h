// InterfaceStateTracker: follows one network interface, by name, through the stream of
// rtnetlink messages and says whether it is up. The pure half of NetlinkLink's monitor.
//
// The rule: the interface is up when its flags carry both IFF_UP (an administrator
// enabled it) and IFF_RUNNING; it is down otherwise, and down while no interface has the
// name (never created, deleted, or renamed away). IFF_RUNNING is the kernel's RFC 2863
// verdict: it is set exactly when the operational state is IF_OPER_UP or IF_OPER_UNKNOWN.
// UNKNOWN counts as up because drivers that do not track carrier report it while passing
// traffic (loopback, tun, many virtual devices); a cable pulled (NO-CARRIER,
// LOWERLAYERDOWN) or a wireless link not yet authenticated (DORMANT) clears IFF_RUNNING
// and so counts as down.
//
// Interfaces are followed by name because the name is what configuration gives; the
// kernel's index is remembered only to notice a rename, whose notification carries the
// new name and the old index.
//
// Thread-safety: none; NetlinkLink uses it from one thread at a time.
#pragma once

#include <optional>
#include <string>

#include "edgeroute/hal/link.h"
#include "edgeroute/hal/linux/rtnetlink_codec.h"

namespace edgeroute::hal {

class InterfaceStateTracker {
 public:
  explicit InterfaceStateTracker(std::string interface_name)
      : interface_name_(std::move(interface_name)) {}

  static LinkState state_from_flags(unsigned interface_flags);

  const std::string& interface_name() const { return interface_name_; }

  // The interface's state after `message` (new_link and deleted_link messages only), or
  // nullopt when the message is not about this interface.
  std::optional<LinkState> observe(const RtnetlinkMessage& message);

  // The kernel said no interface has the name (a query answered ENODEV).
  LinkState mark_absent();

 private:
  bool is_about_this_interface(const RtnetlinkMessage& message) const;

  std::string interface_name_;
  std::optional<int> interface_index_;  // while an interface with the name exists
};

}  // namespace edgeroute::hal
