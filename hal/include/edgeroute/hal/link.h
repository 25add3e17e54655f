// Link: whether the gateway's WAN link to the central control plane is up, and a
// notification whenever that changes. Routing never waits on it; the sync agent uses
// it to decide when to reconnect.
//
// Thread-safety: state() and subscribe() may be called from any thread. Listeners run
// on the backend's notifying thread (Linux: its netlink monitor; simulation: the
// thread advancing the simulated clock), one notification at a time, in order of the
// changes. Once a LinkSubscription is destroyed its listener is never called again; to
// keep that promise every backend runs listeners while holding the lock that
// subscribe() and unsubscribing take. Hence a listener must be quick (it delays the
// other listeners, and any thread subscribing or unsubscribing, on every link change),
// must not block on a thread that may be subscribing or unsubscribing, and must not
// itself subscribe or unsubscribe from inside the callback (both backends assert it).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace edgeroute::hal {

enum class LinkState : std::uint8_t { unknown, up, down };

std::string_view to_string(LinkState state);

class LinkSubscription {
 public:
  LinkSubscription() = default;
  explicit LinkSubscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  LinkSubscription(LinkSubscription&& other) noexcept : cancel_(std::move(other.cancel_)) {
    other.cancel_ = nullptr;
  }
  LinkSubscription& operator=(LinkSubscription&& other) noexcept {
    if (this != &other) {
      reset();
      cancel_ = std::move(other.cancel_);
      other.cancel_ = nullptr;
    }
    return *this;
  }
  LinkSubscription(const LinkSubscription&) = delete;
  LinkSubscription& operator=(const LinkSubscription&) = delete;
  ~LinkSubscription() { reset(); }

  void reset() {
    if (cancel_) {
      auto cancel = std::move(cancel_);
      cancel_ = nullptr;
      cancel();
    }
  }

 private:
  std::function<void()> cancel_;
};

class Link {
 public:
  using Listener = std::function<void(LinkState)>;

  virtual ~Link() = default;

  virtual LinkState state() const = 0;
  [[nodiscard]] virtual LinkSubscription subscribe(Listener listener) = 0;
};

}  // namespace edgeroute::hal
