// Always-on assertions for invariants that must never break. Unlike <cassert> they
// stay in release builds: a broken invariant in a routing engine that keeps
// running would sell stock twice or lose an acknowledged decision, so crashing
// (and restarting from the journal) is the safe response.
#pragma once

#include <source_location>
#include <string_view>

namespace edgeroute::detail {
[[noreturn]] void assertion_failed(std::string_view condition, std::string_view message,
                                   std::source_location where);
}  // namespace edgeroute::detail

#define EDGEROUTE_ASSERT(condition, message)                                  \
  do {                                                                        \
    if (!(condition)) [[unlikely]] {                                          \
      ::edgeroute::detail::assertion_failed(#condition, (message),            \
                                            std::source_location::current()); \
    }                                                                         \
  } while (false)
