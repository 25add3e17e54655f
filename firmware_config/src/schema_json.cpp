#include "schema_json.h"

#include "edgeroute/base/schema_json.h"
#include "edgeroute_firmware_config_bfbs_embedded.h"

namespace edgeroute::firmware_config::detail {
namespace {

const SchemaJson& gateway_schema() {
  static const SchemaJson schema(embedded::gateway_config_schema(), "GatewayConfig");
  return schema;
}

}  // namespace

Result<ConfigBuffer> parse_config_json(std::string_view json) {
  auto parsed = gateway_schema().parse(json);
  if (!parsed) return parsed.status();
  flatbuffers::Verifier verifier(parsed->data(), parsed->size());
  if (!fbs::VerifyGatewayConfigBuffer(verifier)) {
    return Status(StatusCode::internal,
                  "FlatBuffers' parser produced a buffer that fails verification");
  }
  return ConfigBuffer(std::move(parsed).value());
}

Result<std::string> config_buffer_to_json(const std::uint8_t* buffer) {
  return gateway_schema().to_json(buffer);
}

}  // namespace edgeroute::firmware_config::detail
