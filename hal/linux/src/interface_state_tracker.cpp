#include "edgeroute/hal/linux/interface_state_tracker.h"

#include <net/if.h>

namespace edgeroute::hal {

LinkState InterfaceStateTracker::state_from_flags(unsigned interface_flags) {
  constexpr unsigned kUpAndRunning = IFF_UP | IFF_RUNNING;
  return (interface_flags & kUpAndRunning) == kUpAndRunning ? LinkState::up : LinkState::down;
}

bool InterfaceStateTracker::is_about_this_interface(const RtnetlinkMessage& message) const {
  if (message.interface_name == interface_name_) return true;
  return interface_index_ && message.interface_index == *interface_index_;
}

std::optional<LinkState> InterfaceStateTracker::observe(const RtnetlinkMessage& message) {
  const bool is_link_message = message.kind == RtnetlinkMessage::Kind::new_link ||
                               message.kind == RtnetlinkMessage::Kind::deleted_link;
  if (!is_link_message || !is_about_this_interface(message)) return std::nullopt;
  // A message about our index with another name is the interface being renamed away.
  const bool renamed_away =
      !message.interface_name.empty() && message.interface_name != interface_name_;
  if (message.kind == RtnetlinkMessage::Kind::deleted_link || renamed_away) return mark_absent();
  interface_index_ = message.interface_index;
  return state_from_flags(message.interface_flags);
}

LinkState InterfaceStateTracker::mark_absent() {
  interface_index_.reset();
  return LinkState::down;
}

}  // namespace edgeroute::hal
