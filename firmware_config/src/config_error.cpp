#include "edgeroute/firmware_config/config_error.h"

namespace edgeroute::firmware_config {

std::string ConfigError::to_string() const {
  if (path.empty()) return message;
  return path + ": " + message;
}

}  // namespace edgeroute::firmware_config
