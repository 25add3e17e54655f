// The example routing world (routing/examples/: network, inventory, policy) loaded
// once per fuzzing process, for targets that feed arbitrary input to the code that
// reads orders and policies against a network.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/io/compile.h"
#include "edgeroute/routing/io/load.h"

namespace edgeroute::fuzz {

inline std::string read_example(const std::string& name) {
  std::ifstream file(std::string(EDGEROUTE_SOURCE_DIR) + "/routing/examples/" + name);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

struct FuzzWorld {
  std::shared_ptr<const routing::Geography> geography;
  std::unique_ptr<routing::io::NetworkDocument> network_document;
  std::unique_ptr<routing::RoutingModel> model;
  std::unique_ptr<routing::InventoryTable> inventory;
  std::unique_ptr<routing::CapacityCounters> capacity;

  static const FuzzWorld& get() {
    static const FuzzWorld world = load();
    return world;
  }

 private:
  static FuzzWorld load() {
    namespace io = routing::io;
    FuzzWorld world;
    world.geography = std::make_shared<const routing::Geography>(
        std::move(routing::Geography::load_embedded()).value());
    auto network = io::load_network_json(read_example("network.json"), *world.geography);
    EDGEROUTE_ASSERT(network.has_value(), "the example network loads");
    world.network_document = std::make_unique<io::NetworkDocument>(std::move(network).value());
    const routing::fbs::Network& root = world.network_document->root();
    auto inventory = io::load_inventory_json(read_example("inventory.json"), root);
    auto policy = io::load_policy_json(read_example("policy.json"), root);
    EDGEROUTE_ASSERT(inventory.has_value() && policy.has_value(), "the examples load");
    // Orders may claim any instant from 1970 to 9999: the offset tables cover five years
    // around the examples, and a promise outside them is an answer, not a crash.
    const auto horizon =
        io::OffsetHorizon::around(routing::parse_utc_instant("2024-01-01T00:00:00Z").value(),
                                  routing::parse_utc_instant("2029-06-01T00:00:00Z").value(), 30);
    auto network_model = io::compile_network(root, world.geography, horizon);
    EDGEROUTE_ASSERT(network_model.has_value(), "the example network compiles");
    auto policy_model = io::compile_policy(policy->root(), **network_model);
    EDGEROUTE_ASSERT(policy_model.has_value(), "the example policy compiles");
    world.model = std::make_unique<routing::RoutingModel>(
        std::move(routing::RoutingModel::create(*network_model, *policy_model)).value());
    world.inventory = std::make_unique<routing::InventoryTable>(
        std::move(io::compile_inventory(inventory->root(), **network_model)).value());
    world.capacity = std::make_unique<routing::CapacityCounters>((*network_model)->node_count());
    return world;
  }
};

}  // namespace edgeroute::fuzz
