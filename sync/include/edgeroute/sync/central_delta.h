// How a gateway marks the journal entry that applied a change decided at central: a
// change of stock (an inventory delta), the closure of a node, or a grant of escrow. The
// entry's correlation id is the one central gave the change, "central-delta:<nonce>",
// "central-closure:<nonce>" or "central-escrow:<nonce>" with 64 random bits, unique in
// central's store (a closure has one per gateway it goes to). The entry reaches central
// with the rest of the journal, exactly once, and the transaction that stores it marks
// the change applied. A random nonce rather than the change's id: a central restored from
// an older copy hands out ids again, and an old entry must never settle a new change.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace edgeroute::sync {

inline constexpr std::string_view kCentralDeltaPrefix = "central-delta:";
inline constexpr std::string_view kCentralClosurePrefix = "central-closure:";
inline constexpr std::string_view kCentralEscrowPrefix = "central-escrow:";

// `prefix` followed by the nonce as 16 lowercase hex digits: the one place both kinds of
// correlation id are spelled.
inline std::string central_correlation_id(std::string_view prefix, std::uint64_t nonce) {
  return fmt::format("{}{:016x}", prefix, nonce);
}

inline std::string central_delta_correlation_id(std::uint64_t nonce) {
  return central_correlation_id(kCentralDeltaPrefix, nonce);
}

inline bool names_central_delta(std::string_view correlation_id) {
  return correlation_id.starts_with(kCentralDeltaPrefix);
}

inline std::string central_closure_correlation_id(std::uint64_t nonce) {
  return central_correlation_id(kCentralClosurePrefix, nonce);
}

inline bool names_central_closure(std::string_view correlation_id) {
  return correlation_id.starts_with(kCentralClosurePrefix);
}

inline std::string central_escrow_correlation_id(std::uint64_t nonce) {
  return central_correlation_id(kCentralEscrowPrefix, nonce);
}

inline bool names_central_escrow(std::string_view correlation_id) {
  return correlation_id.starts_with(kCentralEscrowPrefix);
}

}  // namespace edgeroute::sync
