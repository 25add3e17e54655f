// Identifiers of gateways and nodes: lowercase letters, digits, '-' and '_', 1..64
// characters. One rule for every place that accepts one (a gateway's configuration,
// central's registry of gateways), so that an id one accepts the other never refuses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace edgeroute {

inline constexpr std::size_t kIdentifierLengthMax = 64;

inline bool is_identifier_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

inline bool is_identifier(std::string_view id) {
  return !id.empty() && id.size() <= kIdentifierLengthMax &&
         std::all_of(id.begin(), id.end(), is_identifier_character);
}

}  // namespace edgeroute
