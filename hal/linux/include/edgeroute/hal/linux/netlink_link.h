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
// Any other failure of poll(), recvmsg() or sendto() in the monitor (the environment's
// doing: ENOMEM, or an error nobody foresaw) never stops the daemon: it is counted
// (socket_error_count()), treated as lost notifications, and the monitor waits a
// bounded backoff (10 ms doubling to 1 s while errors persist, never a busy loop)
// before it drains the socket and asks for the state again.
//
// The monitor sleeps in poll() on the socket and an eventfd; the destructor signals the
// eventfd and joins the thread, so shutdown is prompt (also during a backoff) and
// nothing spins.
//
// Owned by LinuxHal. Thread-safety: per link.h; listeners run on the monitor thread.
// Subscriptions may outlive the NetlinkLink (cancelling them then does nothing).
#pragma once

#include <atomic>
#include <chrono>
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

  // How many unexpected socket failures the monitor has survived (each one followed by
  // a backoff and a fresh query). For metrics; any thread may read it.
  std::uint64_t socket_error_count() const;

 private:
  NetlinkLink(UniqueFd socket, UniqueFd stop_event, InterfaceStateTracker tracker,
              LinkState initial_state, std::uint32_t last_sequence);

  // The monitor thread's body and its steps. drain_socket() and query_again() return
  // false when a system call failed unexpectedly.
  void monitor();
  bool drain_socket();
  void handle(const RtnetlinkMessage& message);
  bool query_again();
  void publish(LinkState state);
  // Waits up to `timeout`; true if the destructor asked the monitor to stop meanwhile.
  bool stop_requested_within(std::chrono::milliseconds timeout);

  UniqueFd socket_;
  UniqueFd stop_event_;
  // Owned by the monitor thread once it runs.
  InterfaceStateTracker tracker_;
  std::vector<std::byte> receive_buffer_;
  std::uint32_t query_sequence_;
  // Notifications were lost; ask for the state once the socket is drained.
  bool query_owed_ = false;
  std::atomic<std::uint64_t> socket_errors_{0};  // relaxed: a statistic, orders nothing
  // Written by the monitor thread only; read by anyone.
  std::atomic<LinkState> state_;
  std::shared_ptr<LinkListenerRegistry> listeners_;
  std::thread monitor_thread_;
};

}  // namespace edgeroute::hal
