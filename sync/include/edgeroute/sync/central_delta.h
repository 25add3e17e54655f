// How a gateway marks the journal entry that applied a change of stock decided at
// central: its correlation id is "central-delta:<id>", central's id of the change. The
// entry reaches central with the rest of the journal, exactly once, and tells central
// that the change is applied, in the same transaction that stores the entry.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edgeroute::sync {

inline constexpr std::string_view kCentralDeltaPrefix = "central-delta:";

inline std::string central_delta_correlation_id(std::uint64_t delta_id) {
  return std::string(kCentralDeltaPrefix) + std::to_string(delta_id);
}

// The delta id a correlation id names, or nullopt when it names none.
inline std::optional<std::uint64_t> central_delta_of(std::string_view correlation_id) {
  if (!correlation_id.starts_with(kCentralDeltaPrefix)) return std::nullopt;
  const std::string_view digits = correlation_id.substr(kCentralDeltaPrefix.size());
  std::uint64_t id = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc() || end != digits.data() + digits.size() || id == 0) return std::nullopt;
  return id;
}

}  // namespace edgeroute::sync
