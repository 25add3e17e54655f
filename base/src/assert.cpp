#include "edgeroute/base/assert.h"

#include <cstdio>
#include <cstdlib>

namespace edgeroute::detail {

void assertion_failed(std::string_view condition, std::string_view message,
                      std::source_location where) {
  std::fprintf(stderr, "%s:%u: %s: assertion failed: %.*s (%.*s)\n", where.file_name(),
               static_cast<unsigned>(where.line()), where.function_name(),
               static_cast<int>(message.size()), message.data(), static_cast<int>(condition.size()),
               condition.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace edgeroute::detail
