// FixedLink: a WAN link whose state is never learned and never changes. For a gateway
// whose WAN interface cannot be watched (a modem that enumerates late, a network
// namespace without it): the sync agent then treats the link as up and finds out by
// trying, with its backoff, instead of not syncing at all.
#pragma once

#include "edgeroute/hal/link.h"

namespace edgeroute::hal {

class FixedLink final : public Link {
 public:
  explicit FixedLink(LinkState state = LinkState::unknown) : state_(state) {}

  LinkState state() const override { return state_; }
  // Nothing ever changes, so the listener is never called.
  [[nodiscard]] LinkSubscription subscribe(Listener) override { return LinkSubscription(); }

 private:
  const LinkState state_;
};

}  // namespace edgeroute::hal
