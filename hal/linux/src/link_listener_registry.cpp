#include "link_listener_registry.h"

#include "edgeroute/base/assert.h"

namespace edgeroute::hal {

LinkSubscription LinkListenerRegistry::add(Link::Listener listener) {
  EDGEROUTE_ASSERT(listener != nullptr, "a link listener must be callable");
  assert_not_delivering();
  std::uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    listeners_.emplace(id, std::move(listener));
  }
  return LinkSubscription([registry = weak_from_this(), id] {
    if (auto alive = registry.lock()) alive->remove(id);
  });
}

void LinkListenerRegistry::notify(LinkState state) {
  std::lock_guard lock(mutex_);
  delivering_thread_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  for (const auto& [id, listener] : listeners_) listener(state);
  delivering_thread_.store(std::thread::id{}, std::memory_order_relaxed);
}

void LinkListenerRegistry::remove(std::uint64_t id) {
  assert_not_delivering();
  std::lock_guard lock(mutex_);
  listeners_.erase(id);
}

void LinkListenerRegistry::assert_not_delivering() const {
  EDGEROUTE_ASSERT(delivering_thread_.load(std::memory_order_relaxed) != std::this_thread::get_id(),
                   "a link listener must not subscribe or unsubscribe from inside a callback");
}

}  // namespace edgeroute::hal
