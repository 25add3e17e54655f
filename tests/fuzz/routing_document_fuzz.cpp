// Fuzzes the routing documents people write by hand: the first byte picks network,
// inventory or policy, the rest is the JSON text. A network is parsed and validated (and
// compiled when valid); inventory and policy are validated against the example network
// and compiled when valid. Any input must end in a model or in field errors.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_world.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace io = edgeroute::routing::io;
  if (size == 0) return 0;
  const auto& world = edgeroute::fuzz::FuzzWorld::get();
  const std::string_view json(reinterpret_cast<const char*>(data + 1), size - 1);
  const edgeroute::routing::fbs::Network& network = world.network_document->root();
  switch (data[0] % 3) {
    case 0: {
      auto loaded = io::load_network_json(json, *world.geography);
      if (loaded) {
        (void)io::compile_network(loaded->root(), world.geography,
                                  io::OffsetHorizon::around(0, 30 * 86400, 30));
      }
      break;
    }
    case 1: {
      auto loaded = io::load_inventory_json(json, network);
      if (loaded) (void)io::compile_inventory(loaded->root(), world.model->network());
      break;
    }
    default: {
      auto loaded = io::load_policy_json(json, network);
      if (loaded) (void)io::compile_policy(loaded->root(), world.model->network());
      break;
    }
  }
  return 0;
}
