#include "edgeroute/hal/linux/netlink_link.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <string>
#include <system_error>
#include <thread>

#include "edgeroute/base/assert.h"
#include "link_listener_registry.h"

namespace edgeroute::hal {
namespace {

// Larger than any datagram the kernel sends for one link (it sizes them to at most
// 32 KiB); a bigger one arrives truncated and is handled like lost notifications.
constexpr std::size_t kReceiveBufferBytes = 64 * 1024;
constexpr std::chrono::milliseconds kInitialQueryTimeout{5000};
// After a socket error nobody expects, the monitor waits this long before trying
// again, doubling up to the maximum while the errors go on.
constexpr std::chrono::milliseconds kRetryBackoffMin{10};
constexpr std::chrono::milliseconds kRetryBackoffMax{1000};

Status check_interface_name(const std::string& name) {
  // The kernel's own rule (dev_valid_name): 1..IFNAMSIZ-1 bytes, not "." or "..", no
  // '/', ':' or white space.
  const bool valid = !name.empty() && name.size() < IFNAMSIZ && name != "." && name != ".." &&
                     name.find_first_of("/: \t\n\r\v\f") == std::string::npos;
  if (valid) return Status::ok();
  return Status(StatusCode::invalid_argument, "'" + name + "' is not a network interface name");
}

Result<UniqueFd> open_route_socket(const std::string& interface_name) {
  UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (!fd.is_open()) {
    return status_from_errno(errno, "rtnetlink socket to watch '" + interface_name + "'");
  }
  sockaddr_nl address{};
  address.nl_family = AF_NETLINK;
  address.nl_groups = RTMGRP_LINK;
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    return status_from_errno(
        errno, "rtnetlink socket to watch '" + interface_name + "': bind to link notifications");
  }
  return fd;
}

Status send_query(int socket, const std::string& interface_name, std::uint32_t sequence) {
  const std::vector<std::byte> request = encode_link_query(interface_name, sequence);
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = 0;
  do {
    sent = ::sendto(socket, request.data(), request.size(), 0,
                    reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return status_from_errno(errno, "rtnetlink query for '" + interface_name + "'");
  return Status::ok();
}

struct Datagram {
  enum class Outcome : std::uint8_t { messages, nothing_pending, messages_lost, failed };
  Outcome outcome = Outcome::nothing_pending;
  std::vector<RtnetlinkMessage> messages;  // Outcome::messages only
  int error_number = 0;                    // Outcome::failed only
};

// Reads one datagram without blocking. Messages the kernel dropped (ENOBUFS), a
// truncated datagram and one that does not decode all mean the same to the caller:
// notifications were lost and the state must be asked for again. Any other error
// (ENOMEM under memory pressure, or whatever else the kernel may say) is `failed`:
// the environment's doing, so the caller must survive it, and messages may be lost too.
Datagram receive_datagram(int socket, std::vector<std::byte>& buffer) {
  sockaddr_nl sender{};
  iovec vector{buffer.data(), buffer.size()};
  msghdr header{};
  header.msg_name = &sender;
  header.msg_namelen = sizeof(sender);
  header.msg_iov = &vector;
  header.msg_iovlen = 1;
  ssize_t received = 0;
  do {
    received = ::recvmsg(socket, &header, MSG_DONTWAIT);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {Datagram::Outcome::nothing_pending, {}};
    if (errno == ENOBUFS) return {Datagram::Outcome::messages_lost, {}};
    return {Datagram::Outcome::failed, {}, errno};
  }
  if ((header.msg_flags & MSG_TRUNC) != 0) return {Datagram::Outcome::messages_lost, {}};
  // Only the kernel (port 0) speaks for the kernel; ignore anything another process
  // sends to our port.
  if (sender.nl_pid != 0) return {Datagram::Outcome::messages, {}};
  auto messages = decode_rtnetlink_datagram(
      std::span<const std::byte>(buffer.data(), static_cast<std::size_t>(received)));
  if (!messages) return {Datagram::Outcome::messages_lost, {}};
  return {Datagram::Outcome::messages, std::move(*messages)};
}

Status wait_readable(int socket, std::chrono::steady_clock::time_point deadline,
                     const std::string& interface_name) {
  for (;;) {
    const auto remaining =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) break;
    pollfd watched{socket, POLLIN, 0};
    const int ready = ::poll(&watched, 1, static_cast<int>(remaining.count()));
    if (ready > 0) return Status::ok();
    if (ready < 0 && errno != EINTR) {
      return status_from_errno(errno,
                               "waiting for the kernel's answer about '" + interface_name + "'");
    }
  }
  return Status(StatusCode::unavailable, "the kernel did not answer the query about '" +
                                             interface_name + "' within " +
                                             std::to_string(kInitialQueryTimeout.count()) + " ms");
}

// The state the kernel reports now, asking until it answers (a lost answer is asked
// for again) or kInitialQueryTimeout passes. Notifications queued before the answer
// are applied too, so `tracker` ends up consistent with the socket's position.
Result<LinkState> query_initial_state(int socket, InterfaceStateTracker& tracker,
                                      std::uint32_t& sequence, std::vector<std::byte>& buffer) {
  const std::string& name = tracker.interface_name();
  const auto deadline = std::chrono::steady_clock::now() + kInitialQueryTimeout;
  if (Status sent = send_query(socket, name, sequence); !sent.is_ok()) return sent;
  bool must_ask_again = false;
  for (;;) {
    if (Status ready = wait_readable(socket, deadline, name); !ready.is_ok()) return ready;
    Datagram datagram = receive_datagram(socket, buffer);
    switch (datagram.outcome) {
      case Datagram::Outcome::messages: break;
      case Datagram::Outcome::messages_lost: must_ask_again = true; break;
      case Datagram::Outcome::failed:
        return status_from_errno(datagram.error_number,
                                 "receiving the kernel's answer about '" + name + "'");
      case Datagram::Outcome::nothing_pending:
        // Ask again only once the socket is drained: while its buffer is still full
        // the kernel would drop the answer too (and under a flood of notifications from
        // other interfaces, again and again).
        if (must_ask_again) {
          if (Status sent = send_query(socket, name, ++sequence); !sent.is_ok()) return sent;
          must_ask_again = false;
        }
        continue;
    }
    for (const RtnetlinkMessage& message : datagram.messages) {
      const bool is_answer = message.sequence == sequence;
      if (message.kind == RtnetlinkMessage::Kind::error && is_answer && message.error_number != 0) {
        if (message.error_number == ENODEV) {
          return Status(StatusCode::not_found, "network interface '" + name + "' does not exist");
        }
        return status_from_errno(message.error_number, "rtnetlink query for '" + name + "'");
      }
      const std::optional<LinkState> state = tracker.observe(message);
      if (state && is_answer && message.kind == RtnetlinkMessage::Kind::new_link) return *state;
    }
  }
}

}  // namespace

Result<std::unique_ptr<NetlinkLink>> NetlinkLink::create(std::string interface_name) {
  if (Status valid = check_interface_name(interface_name); !valid.is_ok()) return valid;
  Result<UniqueFd> socket = open_route_socket(interface_name);
  if (!socket) return socket.status();
  UniqueFd stop_event(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!stop_event.is_open()) return status_from_errno(errno, "eventfd for the link monitor");

  InterfaceStateTracker tracker(std::move(interface_name));
  std::uint32_t sequence = 1;
  std::vector<std::byte> buffer(kReceiveBufferBytes);
  Result<LinkState> initial = query_initial_state(socket->get(), tracker, sequence, buffer);
  if (!initial) return initial.status();

  std::unique_ptr<NetlinkLink> link(new NetlinkLink(std::move(*socket), std::move(stop_event),
                                                    std::move(tracker), *initial, sequence));
  link->receive_buffer_ = std::move(buffer);
  // std::thread reports a failure to start by throwing; keep that at this edge.
  try {
    link->monitor_thread_ = std::thread([raw = link.get()] { raw->monitor(); });
  } catch (const std::system_error& error) {
    return status_from_errno(error.code().value(), "starting the link monitor thread for '" +
                                                       link->interface_name() + "'");
  }
  return link;
}

NetlinkLink::NetlinkLink(UniqueFd socket, UniqueFd stop_event, InterfaceStateTracker tracker,
                         LinkState initial_state, std::uint32_t last_sequence)
    : socket_(std::move(socket)),
      stop_event_(std::move(stop_event)),
      tracker_(std::move(tracker)),
      query_sequence_(last_sequence),
      state_(initial_state),
      listeners_(std::make_shared<LinkListenerRegistry>()) {}

NetlinkLink::~NetlinkLink() {
  if (!monitor_thread_.joinable()) return;
  const std::uint64_t stop = 1;
  ssize_t written = 0;
  do {
    written = ::write(stop_event_.get(), &stop, sizeof(stop));
  } while (written < 0 && errno == EINTR);
  EDGEROUTE_ASSERT(written == sizeof(stop), "signalling the link monitor to stop failed");
  monitor_thread_.join();
}

LinkState NetlinkLink::state() const {
  return state_.load(std::memory_order_acquire);
}

LinkSubscription NetlinkLink::subscribe(Listener listener) {
  return listeners_->add(std::move(listener));
}

void NetlinkLink::monitor() {
  std::chrono::milliseconds backoff = kRetryBackoffMin;
  for (;;) {
    // While a query is still owed (the last attempt to send it failed) poll only looks;
    // the backoff below paces the attempts.
    const int timeout_ms = query_owed_ ? 0 : -1;
    std::array<pollfd, 2> watched{{{socket_.get(), POLLIN, 0}, {stop_event_.get(), POLLIN, 0}}};
    const int ready = ::poll(watched.data(), watched.size(), timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    bool healthy = ready >= 0;
    if (healthy && watched[1].revents != 0) return;
    // POLLERR as well as POLLIN: an overflow is reported as a socket error (ENOBUFS).
    if (healthy && watched[0].revents != 0) healthy = drain_socket();
    if (healthy && query_owed_) healthy = query_again();
    if (healthy) {
      backoff = kRetryBackoffMin;
      continue;
    }
    // The environment failed us (poll, recvmsg or sendto said something unexpected).
    // Notifications may have been lost, so the state is asked for again once the
    // socket works; until then wait, longer each time, so a persistent error costs a
    // few system calls a second rather than a spinning core.
    socket_errors_.fetch_add(1, std::memory_order_relaxed);
    query_owed_ = true;
    if (stop_requested_within(backoff)) return;
    backoff = std::min(backoff * 2, kRetryBackoffMax);
  }
}

bool NetlinkLink::drain_socket() {
  for (;;) {
    Datagram datagram = receive_datagram(socket_.get(), receive_buffer_);
    switch (datagram.outcome) {
      // Ask (in monitor) only once the buffer is empty: while it is still full the
      // kernel would drop the answer as well.
      case Datagram::Outcome::nothing_pending: return true;
      case Datagram::Outcome::messages_lost: query_owed_ = true; break;
      case Datagram::Outcome::failed: return false;
      case Datagram::Outcome::messages:
        for (const RtnetlinkMessage& message : datagram.messages) handle(message);
        break;
    }
  }
}

bool NetlinkLink::stop_requested_within(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto remaining =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (remaining.count() <= 0) return false;
    pollfd stop{stop_event_.get(), POLLIN, 0};
    const int ready = ::poll(&stop, 1, static_cast<int>(remaining.count()));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) {
      // Even this poll failed: still wait out the backoff, without the early wake-up.
      std::this_thread::sleep_for(remaining);
      return false;
    }
  }
}

void NetlinkLink::handle(const RtnetlinkMessage& message) {
  if (message.kind == RtnetlinkMessage::Kind::error) {
    // Only our own query is answered with an error; ENODEV means the name is gone.
    if (message.sequence == query_sequence_ && message.error_number == ENODEV) {
      publish(tracker_.mark_absent());
    }
    return;
  }
  if (const std::optional<LinkState> state = tracker_.observe(message)) publish(*state);
}

bool NetlinkLink::query_again() {
  if (!send_query(socket_.get(), tracker_.interface_name(), ++query_sequence_).is_ok()) {
    return false;  // still owed; monitor() retries after a backoff
  }
  query_owed_ = false;
  return true;
}

std::uint64_t NetlinkLink::socket_error_count() const {
  return socket_errors_.load(std::memory_order_relaxed);
}

void NetlinkLink::publish(LinkState state) {
  if (state_.exchange(state, std::memory_order_acq_rel) != state) listeners_->notify(state);
}

}  // namespace edgeroute::hal
