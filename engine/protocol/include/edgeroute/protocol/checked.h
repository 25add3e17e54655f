// Refusal and Checked<T>: the outcome of reading something a peer sent (a frame, a
// message). A refusal is worded for that peer: it is the Error response the gateway
// answers with — an ErrorCode to branch on, a message naming what was wrong
// ("request 42: RouteOrder.order is not a valid Order buffer") and the request id to
// answer under, read from the message even when its body is broken. A Status could
// carry the message but neither the code nor the id.
//
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "edgeroute/base/assert.h"
#include "edgeroute/base/status.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"

namespace edgeroute::protocol {

struct Refusal {
  fbs::ErrorCode code = fbs::ErrorCode::malformed_frame;
  std::string message;
  // The id of the request refused; 0 when the frame's id could not be read (0 is
  // reserved for that: docs/protocol.md).
  std::uint64_t request_id = 0;

  // For callers that speak Status (the client): "<error code>: <message>", as
  // invalid_argument.
  Status to_status() const;

  friend bool operator==(const Refusal&, const Refusal&) = default;
};

template <typename T>
class [[nodiscard]] Checked {
 public:
  Checked(T value)  // NOLINT: implicit by design, like Result<T>
      : state_(std::in_place_index<0>, std::move(value)) {}
  Checked(Refusal refusal)  // NOLINT
      : state_(std::in_place_index<1>, std::move(refusal)) {}

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  const T& value() const& {
    EDGEROUTE_ASSERT(has_value(), "value() of a refused Checked");
    return std::get<0>(state_);
  }
  T&& value() && {
    EDGEROUTE_ASSERT(has_value(), "value() of a refused Checked");
    return std::get<0>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !has_value().
  const Refusal& refusal() const {
    EDGEROUTE_ASSERT(!has_value(), "refusal() of an accepted Checked");
    return std::get<1>(state_);
  }

 private:
  std::variant<T, Refusal> state_;
};

}  // namespace edgeroute::protocol
