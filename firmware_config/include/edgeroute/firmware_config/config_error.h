// ConfigError: one reason a gateway configuration was rejected, as the field it
// concerns and why ("orders.port" + "70000 is not a TCP port"). Errors about the
// file as a whole (it cannot be read, its JSON is malformed) have an empty path and
// say where in the file, as "line 3, column 12: unknown field: prot".
//
// Thread-safety: a value type.
#pragma once

#include <string>

namespace edgeroute::firmware_config {

struct ConfigError {
  std::string path;  // dotted field path with indices: "served_node_ids[2]"; may be empty
  std::string message;

  // "path: message", or just the message when there is no path.
  std::string to_string() const;

  friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

}  // namespace edgeroute::firmware_config
