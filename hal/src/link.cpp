#include "edgeroute/hal/link.h"

namespace edgeroute::hal {

std::string_view to_string(LinkState state) {
  switch (state) {
    case LinkState::unknown: return "unknown";
    case LinkState::up: return "up";
    case LinkState::down: return "down";
  }
  return "invalid";
}

}  // namespace edgeroute::hal
