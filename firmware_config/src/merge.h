// Merging a gateway file with its device profile: for every field, the file's value
// if it has one, else the profile's, else the field is missing. Nested tables merge
// field by field, so a file may set orders.port and inherit orders.address.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <vector>

#include "edgeroute/firmware_config/gateway_config.h"
#include "edgeroute/firmware_config/gateway_config_generated.h"

namespace edgeroute::firmware_config::detail {

struct MergedConfig {
  GatewayConfig config;                    // missing fields hold zero or empty values
  std::vector<std::string> missing_paths;  // in schema order
};

// `profile` may be null (the file names no known profile): only the file counts.
// schema_version defaults to kSchemaVersionCurrent and central.server_name to
// central.host; neither is ever missing.
MergedConfig merge_with_profile(const fbs::GatewayConfig& file, const fbs::GatewayConfig* profile);

}  // namespace edgeroute::firmware_config::detail
