#include "edgeroute/hal/sim/sim_link.h"

#include <atomic>
#include <map>
#include <thread>
#include <utility>

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {

struct SimLink::Listeners {
  // Held while a change is applied and notified, and to add or remove a listener:
  // that is what serialises notifications and makes unsubscribing wait for one.
  std::mutex mutex;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, Listener> by_id;  // in subscription order
  // The thread running listeners, if any, so that a listener calling back into the link
  // (which would wait for the mutex it already holds) asserts instead of deadlocking.
  // Relaxed is enough: a thread only ever compares it with its own id, and it stores
  // that id itself before calling out.
  std::atomic<std::thread::id> delivering_thread{};

  void assert_not_delivering(const char* message) const {
    EDGEROUTE_ASSERT(
        delivering_thread.load(std::memory_order_relaxed) != std::this_thread::get_id(), message);
  }
};

namespace {
constexpr const char* kNoSubscribing =
    "a link listener must not subscribe or unsubscribe from inside a callback";
}  // namespace

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
  listeners_->assert_not_delivering(kNoSubscribing);
  std::lock_guard lock(listeners_->mutex);
  const std::uint64_t id = listeners_->next_id++;
  listeners_->by_id.emplace(id, std::move(listener));
  return LinkSubscription([weak = std::weak_ptr<Listeners>(listeners_), id] {
    if (const auto listeners = weak.lock()) {
      listeners->assert_not_delivering(kNoSubscribing);
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
  listeners_->assert_not_delivering("a link listener must not change the link's state");
  std::lock_guard lock(listeners_->mutex);
  if (state_.exchange(state) == state) return;
  listeners_->delivering_thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
  for (const auto& [id, listener] : listeners_->by_id) listener(state);
  listeners_->delivering_thread.store(std::thread::id{}, std::memory_order_relaxed);
}

}  // namespace edgeroute::hal
