// Link: whether the gateway's WAN link to the central control plane is up, and a
// notification whenever that changes. Routing never waits on it; the sync agent uses
// it to decide when to reconnect.
//
// Thread-safety: state() and subscribe() may be called from any thread. Listeners run
// on the backend's notifying thread (Linux: its netlink monitor; simulation: the
// thread advancing the simulated clock), one notification at a time, in order of the
// changes. A listener must be quick and must not subscribe or unsubscribe from inside
// the callback. Once a LinkSubscription is destroyed its listener is never called again.
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
