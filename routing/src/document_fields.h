// Internal: reading the fields of a verified routing document (network, policy, order)
// while it is compiled into the routing core's models, and naming a field in an error
// the way routing_io's validators do ("nodes[2].services[0].cutoff: ...").
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <flatbuffers/flatbuffers.h>

#include "edgeroute/base/status.h"

namespace edgeroute::routing::detail {

// An absent string field reads as empty.
inline std::string_view text_of(const flatbuffers::String* text) {
  return text != nullptr ? text->string_view() : std::string_view();
}

// "list[index]", the path of one element.
inline std::string at(std::string_view list, std::size_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

// invalid_argument, worded "path: message".
inline Status invalid(std::string_view path, std::string_view message) {
  return {StatusCode::invalid_argument, std::string(path) + ": " + std::string(message)};
}

}  // namespace edgeroute::routing::detail
