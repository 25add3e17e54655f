// LinkListenerRegistry: the listeners of one Link and the delivery of its changes, with
// link.h's guarantee that a listener is never called once its subscription is gone.
//
// Delivery holds the registry's mutex while the listeners run, so cancelling a
// subscription from another thread waits for a delivery in progress to finish. That is
// why a listener must not subscribe or unsubscribe from inside a callback (it would
// wait for itself); doing so is asserted rather than left to deadlock. A subscription
// holds the registry weakly, so it may outlive the Link that issued it.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "edgeroute/hal/link.h"

namespace edgeroute::hal {

class LinkListenerRegistry : public std::enable_shared_from_this<LinkListenerRegistry> {
 public:
  [[nodiscard]] LinkSubscription add(Link::Listener listener);
  // Calls every listener with `state`, in the calling thread.
  void notify(LinkState state);

 private:
  void remove(std::uint64_t id);
  void assert_not_delivering() const;

  std::mutex mutex_;
  std::uint64_t next_id_ = 0;                          // guarded by mutex_
  std::map<std::uint64_t, Link::Listener> listeners_;  // guarded by mutex_
  // The thread running listeners, if any. Relaxed is enough: a thread only ever
  // compares it with its own id, and it stores that id itself before calling out.
  std::atomic<std::thread::id> delivering_thread_{};
};

}  // namespace edgeroute::hal
