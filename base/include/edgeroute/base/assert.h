// Always-on assertions for invariants that must never break. Unlike <cassert> they
// stay in release builds: a broken invariant in a routing engine that keeps
// running would sell stock twice or lose an acknowledged decision, so crashing
// (and restarting from the journal) is the safe response.
#pragma once

#include <string_view>

// Where an assertion is, from the macro's own expansion site (__FILE__, __LINE__,
// __func__) rather than std::source_location, which clang before 15 cannot provide with
// libstdc++ (the fuzz preset builds with clang 14).
namespace edgeroute::detail {
[[noreturn]] void assertion_failed(std::string_view condition, std::string_view message,
                                   const char* file, unsigned line, const char* function);
}  // namespace edgeroute::detail

#define EDGEROUTE_ASSERT(condition, message)                                                      \
  do {                                                                                            \
    if (!(condition)) [[unlikely]] {                                                              \
      ::edgeroute::detail::assertion_failed(#condition, (message), __FILE__, __LINE__, __func__); \
    }                                                                                             \
  } while (false)
