// `edgeroute serve` run as a real process on the shipped example world
// (routing/examples), and the one-unit orders the process tests stream at it: what the
// crash test and the sync process test both drive. Header-only; its users link
// edgeroute::routing_io and define EDGEROUTE_SOURCE_DIR (every gtest target does).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgeroute/routing/io/load.h"
#include "edgeroute/testing/child_process.h"

namespace edgeroute::testing {

inline std::string example_document(const std::string& name) {
  return std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/" + name;
}

// `binary serve --config config`, ready once it logs gateway.listening. The first start
// on a data directory also names the example network, policy and inventory its new
// journal starts from.
class ExampleGatewayProcess : public ChildProcess {
 public:
  ExampleGatewayProcess(const std::string& binary, const std::string& config, bool first_start)
      : ChildProcess(arguments(binary, config, first_start), "gateway.listening") {}

 private:
  static std::vector<std::string> arguments(const std::string& binary, const std::string& config,
                                            bool first_start) {
    std::vector<std::string> args = {binary, "serve", "--config", config};
    if (first_start) {
      for (const char* kind : {"network", "policy", "inventory"}) {
        args.push_back(std::string("--") + kind);
        args.push_back(example_document(std::string(kind) + ".json"));
      }
    }
    return args;
  }
};

// An order of one unit of `sku` to a Manhattan ZIP, as a finished Order buffer.
inline std::vector<std::uint8_t> one_unit_order(const std::string& id, const std::string& sku) {
  const std::string json = R"({ "id": ")" + id + R"(", "channel": "web", "lines": [{ "sku_id": ")" +
                           sku +
                           R"(", "quantity": 1 }], "ship_to": { "postal_code": "10027" }, )"
                           R"("created_at": "2026-11-24T15:04:05Z" })";
  return routing::io::parse_order_json(json)->bytes();
}

}  // namespace edgeroute::testing
