// The gateway configuration file: JSON written against
// firmware_config/schema/gateway_config.fbs, read with FlatBuffers' own parser in
// its strict-JSON mode (keys quoted, no trailing commas; unknown fields and repeated
// fields are errors; see edgeroute/base/schema_json.h for what else the dialect
// accepts), completed with the defaults of the device profile it names,
// then validated (validate.h).
//
// The schema and the profiles are compiled into the library, so nothing here
// depends on the working directory or an installed data file.
//
// How a file becomes a GatewayConfig:
//   1. JSON syntax and schema errors stop there: one error, with FlatBuffers' line
//      and column ("line 3, column 12: unknown field: prot").
//   2. device_profile is required and must name a known profile; that profile's
//      value fills every field the file omits, field by field (orders.port may come
//      from the profile while orders.address comes from the file).
//   3. A field neither sets is reported as missing. schema_version defaults to 1 and
//      central.server_name to central.host instead.
//   4. validate() runs on the result; every error is reported together.
//
// Thread-safety: every function here is reentrant and touches no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "edgeroute/base/result.h"
#include "edgeroute/firmware_config/config_result.h"
#include "edgeroute/firmware_config/gateway_config.h"

namespace edgeroute::firmware_config {

// Files larger than this are rejected unread: a configuration is a few kilobytes.
inline constexpr std::size_t kConfigFileBytesMax = 1024 * 1024;

// The effective configuration described by `json`, or every reason it is invalid.
ConfigResult parse_gateway_config(std::string_view json);

// Reads `path` and parses it as above. A file that cannot be read gives one error
// with an empty path: "cannot read: No such file or directory".
ConfigResult load_gateway_config(const std::filesystem::path& path);

// `config` as JSON of the same schema, every field written (defaults included), so
// that parse_gateway_config() of the text gives back an equal GatewayConfig.
// Fails only if a string is not valid UTF-8, which JSON cannot carry.
Result<std::string> to_json(const GatewayConfig& config);

}  // namespace edgeroute::firmware_config
