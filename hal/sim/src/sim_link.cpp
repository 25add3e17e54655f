#include "edgeroute/hal/sim/sim_link.h"

#include <map>
#include <utility>

namespace edgeroute::hal {

struct SimLink::Listeners {
  // Held while a change is applied and notified, and to add or remove a listener:
  // that is what serialises notifications and makes unsubscribing wait for one.
  std::mutex mutex;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, Listener> by_id;  // in subscription order
};

SimLink::SimLink(SimClock& clock, LinkState initial, const std::vector<LinkStep>& script)
    : clock_(clock), state_(initial), listeners_(std::make_shared<Listeners>()) {
  for (const LinkStep& step : script) schedule(step);
}

SimLink::~SimLink() {
  std::lock_guard lock(alarms_mutex_);
  for (const SimClock::AlarmId alarm : alarms_) clock_.cancel(alarm);
}

LinkState SimLink::state() const {
  return state_.load();
}

LinkSubscription SimLink::subscribe(Listener listener) {
  std::lock_guard lock(listeners_->mutex);
  const std::uint64_t id = listeners_->next_id++;
  listeners_->by_id.emplace(id, std::move(listener));
  return LinkSubscription([weak = std::weak_ptr<Listeners>(listeners_), id] {
    if (const auto listeners = weak.lock()) {
      std::lock_guard unsubscribe_lock(listeners->mutex);
      listeners->by_id.erase(id);
    }
  });
}

void SimLink::schedule(LinkStep step) {
  std::lock_guard lock(alarms_mutex_);
  alarms_.push_back(clock_.schedule_at(step.at, [this, state = step.state] { set_state(state); }));
}

void SimLink::set_state(LinkState state) {
  std::lock_guard lock(listeners_->mutex);
  if (state_.exchange(state) == state) return;
  for (const auto& [id, listener] : listeners_->by_id) listener(state);
}

}  // namespace edgeroute::hal
