// Fuzzes the gateway configuration reader: JSON parsing, profile defaults merged field
// by field, validation. Any input must end in a configuration or in field errors.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "edgeroute/firmware_config/config_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  const auto loaded = edgeroute::firmware_config::parse_gateway_config(json);
  if (loaded) (void)edgeroute::firmware_config::to_json(*loaded);
  return 0;
}
