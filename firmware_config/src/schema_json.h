// The bridge between JSON text and FlatBuffers buffers of the gateway schema, through
// FlatBuffers' IDL parser and text generator loaded with the embedded schema. Only
// this module's sources include it; the generated types stay out of public headers.
//
// Thread-safety: reentrant; each call builds its own parser.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/firmware_config/gateway_config_generated.h"

namespace edgeroute::firmware_config::detail {

// A verified, finished buffer whose root is an fbs::GatewayConfig.
class ConfigBuffer {
 public:
  explicit ConfigBuffer(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const fbs::GatewayConfig& root() const { return *fbs::GetGatewayConfig(bytes_.data()); }

 private:
  std::vector<std::uint8_t> bytes_;
};

// Parses `json` against the schema. A syntax or schema error fails with
// invalid_argument and a message that starts with the position FlatBuffers reports:
// "line 3, column 12: unknown field: prot".
Result<ConfigBuffer> parse_config_json(std::string_view json);

// The JSON text of a finished buffer of the schema, keys quoted, two-space indent.
Result<std::string> config_buffer_to_json(const std::uint8_t* buffer);

}  // namespace edgeroute::firmware_config::detail
