// NetlinkLink: the WAN link's state, read from the kernel. It watches one network
// interface, named by configuration ("eth0", "wwan0"), through an rtnetlink socket
// subscribed to link notifications (RTMGRP_LINK) and serviced by its own monitor thread.
// Up and down follow InterfaceStateTracker's rule (interface_state_tracker.h): up when
// the interface is IFF_UP and IFF_RUNNING, down otherwise and while it does not exist.
//
// The initial state comes from an RTM_GETLINK query for the name before create()
// returns. If the kernel drops notifications because the socket's buffer overflowed
// (ENOBUFS), the monitor drains what is queued and then asks again, so after a burst
// listeners may hear a stale state briefly, but the final state is never missed. Listeners hear
// only changes, not the initial state: read state() after subscribe() to start from the present.
//
// The monitor sleeps in poll() on the socket and an eventfd; the destructor signals the
// eventfd and joins the thread, so shutdown is prompt and nothing spins.
//
// Owned by LinuxHal. Thread-safety: per link.h; listeners run on the monitor thread.
// Subscriptions may outlive the NetlinkLink (cancelling them then does nothing).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/hal/link.h"
#include "edgeroute/hal/linux/interface_state_tracker.h"
#include "edgeroute/hal/linux/unique_fd.h"

namespace edgeroute::hal {

class LinkListenerRegistry;

class NetlinkLink final : public Link {
 public:
  // Starts watching `interface_name`. not_found naming the interface when none has that
  // name, invalid_argument when it cannot be an interface name, or the failure of the
  // netlink socket (unavailable when the kernel does not answer the query in time).
  static Result<std::unique_ptr<NetlinkLink>> create(std::string interface_name);

  NetlinkLink(const NetlinkLink&) = delete;
  NetlinkLink& operator=(const NetlinkLink&) = delete;
  ~NetlinkLink() override;

  LinkState state() const override;
  [[nodiscard]] LinkSubscription subscribe(Listener listener) override;

  const std::string& interface_name() const { return tracker_.interface_name(); }

 private:
  NetlinkLink(UniqueFd socket, UniqueFd stop_event, InterfaceStateTracker tracker,
              LinkState initial_state, std::uint32_t last_sequence);

  // The monitor thread's body and its steps.
  void monitor();
  void drain_socket();
  void handle(const RtnetlinkMessage& message);
  void query_again();
  void publish(LinkState state);

  UniqueFd socket_;
  UniqueFd stop_event_;
  // Owned by the monitor thread once it runs.
  InterfaceStateTracker tracker_;
  std::vector<std::byte> receive_buffer_;
  std::uint32_t query_sequence_;
  // Written by the monitor thread only; read by anyone.
  std::atomic<LinkState> state_;
  std::shared_ptr<LinkListenerRegistry> listeners_;
  std::thread monitor_thread_;
};

}  // namespace edgeroute::hal
