// Internal: untrusted text (postal codes from clients, rows of a data file) as it may
// appear inside an error message: in double quotes, cut to a bounded length, bytes
// that are not printable ASCII replaced by '?' so a message never carries control
// characters into a log.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace edgeroute::routing::detail {

inline std::string quote_for_message(std::string_view text) {
  constexpr std::size_t quoted_length_max = 32;
  std::string quoted = "\"";
  for (char c : text.substr(0, quoted_length_max)) quoted += (c >= ' ' && c <= '~') ? c : '?';
  if (text.size() > quoted_length_max) quoted += "...";
  quoted += '"';
  return quoted;
}

}  // namespace edgeroute::routing::detail
