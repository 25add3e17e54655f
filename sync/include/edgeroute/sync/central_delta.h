// How a gateway marks the journal entry that applied a change of stock decided at
// central: its correlation id is the one central gave the delta, "central-delta:<nonce>"
// with 64 random bits, unique in central's store. The entry reaches central with the rest
// of the journal, exactly once, and the transaction that stores it marks the delta
// applied. A random nonce rather than the delta's id: a central restored from an older
// copy hands out ids again, and an old entry must never settle a new delta.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace edgeroute::sync {

inline constexpr std::string_view kCentralDeltaPrefix = "central-delta:";

inline std::string central_delta_correlation_id(std::uint64_t nonce) {
  return fmt::format("{}{:016x}", kCentralDeltaPrefix, nonce);
}

inline bool names_central_delta(std::string_view correlation_id) {
  return correlation_id.starts_with(kCentralDeltaPrefix);
}

}  // namespace edgeroute::sync
