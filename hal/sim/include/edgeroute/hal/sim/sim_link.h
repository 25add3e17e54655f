// SimLink: a WAN link that flaps on a script. Each LinkStep becomes an alarm on the
// SimClock, so the link changes state exactly when a test advances the clock past
// the step's time, on the advancing thread, and listeners see each change with the
// clock reading the step's time. set_state() changes it directly. Only changes are
// notified: a step to the state the link is already in notifies nobody.
//
// Ownership: the test (or SimHal) owns it; the SimClock must outlive it. Destroying
// it cancels the steps that have not happened yet, so REQUIRES: no other thread is
// advancing the clock meanwhile (a step could be running). Subscriptions may outlive
// it (resetting them then does nothing).
// Thread-safety: every method may be called from any thread. Notifications are
// serialised: one at a time, in the order of the changes. Listeners run with the
// link's listener lock held (as on Linux), so destroying a subscription waits for a
// notification in progress and its listener is never called afterwards. A listener
// therefore must not subscribe, unsubscribe or set_state() from inside the callback:
// that would wait for itself, and is asserted instead (as LinkListenerRegistry does).
// A slow listener delays every other listener and every subscribe/unsubscribe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "edgeroute/hal/link.h"
#include "edgeroute/hal/sim/sim_clock.h"

namespace edgeroute::hal {

struct LinkStep {
  MonotonicTime at;
  LinkState state;
};

class SimLink final : public Link {
 public:
  SimLink(SimClock& clock, LinkState initial, const std::vector<LinkStep>& script = {});
  SimLink(const SimLink&) = delete;
  SimLink& operator=(const SimLink&) = delete;
  ~SimLink() override;

  LinkState state() const override;
  [[nodiscard]] LinkSubscription subscribe(Listener listener) override;

  // Adds a step to the script; steps at equal times happen in the order added.
  void schedule(LinkStep step);
  // Changes the state now, notifying listeners if it differs.
  void set_state(LinkState state);

 private:
  struct Listeners;  // shared with subscriptions, which may outlive the link

  SimClock& clock_;
  std::atomic<LinkState> state_;
  std::shared_ptr<Listeners> listeners_;

  std::mutex alarms_mutex_;
  std::vector<SimClock::AlarmId> alarms_;  // guarded by alarms_mutex_
};

}  // namespace edgeroute::hal
