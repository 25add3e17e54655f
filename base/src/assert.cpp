#include "edgeroute/base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace edgeroute::detail {

void assertion_failed(std::string_view condition, std::string_view message, const char* file,
                      unsigned line, const char* function) {
  std::fprintf(stderr, "%s:%u: %s: assertion failed: %.*s (%.*s)\n", file, line, function,
               static_cast<int>(message.size()), message.data(), static_cast<int>(condition.size()),
               condition.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace edgeroute::detail
