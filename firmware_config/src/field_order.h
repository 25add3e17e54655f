// Orders errors by the schema's field order, so an operator reads them top to bottom
// alongside the file. Errors without a path (about the file as a whole) come first.
#pragma once

#include <vector>

#include "edgeroute/firmware_config/config_error.h"

namespace edgeroute::firmware_config::detail {

// Stable: errors about the same field (or list element) keep their relative order.
void sort_in_schema_order(std::vector<ConfigError>& errors);

}  // namespace edgeroute::firmware_config::detail
