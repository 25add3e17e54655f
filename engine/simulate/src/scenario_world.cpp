#include "edgeroute/simulate/scenario_world.h"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "edgeroute/demo/default_world.h"
#include "edgeroute/routing/io/compile.h"

namespace edgeroute::simulate {
namespace {

namespace fbs = routing::fbs;

std::vector<FieldError> prefixed(std::string_view prefix, std::vector<FieldError> errors) {
  for (FieldError& error : errors) {
    error.path =
        error.path.empty() ? std::string(prefix) : fmt::format("{}.{}", prefix, error.path);
  }
  return errors;
}

// Scales cents by percent, to the nearest cent.
std::int32_t scaled(std::int32_t cents, std::int32_t percent) {
  return static_cast<std::int32_t>((std::int64_t{cents} * percent + 50) / 100);
}

template <typename Root, typename Native>
std::vector<std::uint8_t> packed(const Native& native, const char* identifier) {
  flatbuffers::FlatBufferBuilder builder(1 << 20);
  builder.Finish(Root::Pack(builder, &native), identifier);
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

}  // namespace

std::string_view to_string(Sensitivity sensitivity) {
  switch (sensitivity) {
    case Sensitivity::none: return "";
    case Sensitivity::demand_plus_20: return "demand+20%";
    case Sensitivity::partner_fee_plus_10: return "partner_fee+10%";
    case Sensitivity::labour_plus_15: return "labour+15%";
  }
  return "";
}

std::optional<Sensitivity> parse_sensitivity(std::string_view text) {
  if (text.ends_with('%')) text.remove_suffix(1);
  for (const Sensitivity sensitivity :
       {Sensitivity::demand_plus_20, Sensitivity::partner_fee_plus_10,
        Sensitivity::labour_plus_15}) {
    std::string_view name = to_string(sensitivity);
    name.remove_suffix(1);
    if (text == name) return sensitivity;
  }
  return std::nullopt;
}

std::int32_t demand_percent(Sensitivity sensitivity) {
  return sensitivity == Sensitivity::demand_plus_20 ? 120 : 100;
}

Result<std::shared_ptr<const BaseWorld>> make_base_world(std::uint64_t seed,
                                                         std::uint32_t sku_count) {
  demo::DefaultWorld world = demo::make_default_world({seed, sku_count});
  Result<routing::Geography> geography = routing::Geography::load_embedded();
  if (!geography) return geography.status();
  auto shared_geography = std::make_shared<const routing::Geography>(std::move(geography).value());
  // The default world is built by this program: a document that fails validation is a
  // defect, reported with its first error.
  const auto defect = [](std::string_view document, const std::vector<FieldError>& errors) {
    return Status{StatusCode::internal,
                  fmt::format("the default world's {}: {}", document, errors.front().to_string())};
  };
  Validated<routing::io::NetworkDocument> network =
      routing::io::load_network_json(world.network_json, *shared_geography);
  if (!network) return defect("network", network.errors());
  Validated<routing::io::PolicyDocument> policy =
      routing::io::load_policy_json(world.policy_json, network->root());
  if (!policy) return defect("policy", policy.errors());
  Validated<routing::io::InventoryDocument> inventory =
      routing::io::load_inventory_json(world.inventory_json, network->root());
  if (!inventory) return defect("inventory", inventory.errors());
  return std::make_shared<const BaseWorld>(
      BaseWorld{std::move(shared_geography), std::move(network).value(), std::move(policy).value(),
                std::move(inventory).value(), std::move(world.skus_by_popularity), seed});
}

Validated<ScenarioWorld> build_scenario_world(const BaseWorld& base, const Scenario& scenario,
                                              Sensitivity sensitivity,
                                              routing::UnixSeconds from_utc,
                                              routing::UnixSeconds until_utc) {
  std::unique_ptr<fbs::NetworkT> network(base.network.root().UnPack());
  std::vector<NodeEconomics> economics(network->nodes.size());
  std::unordered_map<std::string, std::int32_t> stock_percent;
  std::vector<FieldError> errors;
  for (std::size_t i = 0; i < network->nodes.size(); ++i) {
    if (const fbs::NodeHealthT* health = network->nodes[i]->health.get(); health != nullptr) {
      economics[i].health = {health->on_time_bp, health->fill_bp, health->acceptance_bp};
    }
  }
  for (std::size_t v = 0; v < scenario.nodes.size(); ++v) {
    const NodeVariant& variant = scenario.nodes[v];
    const auto found = std::find_if(network->nodes.begin(), network->nodes.end(),
                                    [&](const auto& node) { return node->id == variant.node_id; });
    if (found == network->nodes.end()) {
      errors.push_back({fmt::format("nodes[{}].node_id", v),
                        fmt::format("'{}' is not a node of the default world", variant.node_id)});
      continue;
    }
    fbs::NodeT& node = **found;
    NodeEconomics& node_economics =
        economics[static_cast<std::size_t>(found - network->nodes.begin())];
    if (variant.enabled) node.enabled = *variant.enabled;
    if (!node.capacity) node.capacity = std::make_unique<fbs::NodeCapacityT>();
    if (variant.orders_per_day) node.capacity->orders_per_day = *variant.orders_per_day;
    if (variant.units_per_day) node.capacity->units_per_day = *variant.units_per_day;
    if (!node.costs) node.costs = std::make_unique<fbs::NodeCostsT>();
    if (variant.per_order_cents) node.costs->per_order_cents = *variant.per_order_cents;
    if (variant.per_unit_cents) node.costs->per_unit_cents = *variant.per_unit_cents;
    if (variant.partner_fee_cents) node.costs->partner_fee_cents = *variant.partner_fee_cents;
    if (variant.stock_percent) stock_percent[node.id] = *variant.stock_percent;
    if (variant.fixed_cents_per_day)
      node_economics.fixed_cents_per_day = *variant.fixed_cents_per_day;
    if (variant.on_time_bp) node_economics.health.on_time_bp = *variant.on_time_bp;
    if (variant.fill_bp) node_economics.health.fill_bp = *variant.fill_bp;
    if (variant.acceptance_bp) node_economics.health.acceptance_bp = *variant.acceptance_bp;
  }
  // A failure naming a node or carrier the world does not have would inject nothing and
  // leave its band looking like the baseline: refused instead.
  for (std::size_t f = 0; f < scenario.failures.size(); ++f) {
    const FailureInjection& failure = scenario.failures[f];
    if (failure.kind == FailureKind::node_dark &&
        std::none_of(network->nodes.begin(), network->nodes.end(),
                     [&](const auto& node) { return node->id == failure.node_id; })) {
      errors.push_back({fmt::format("failures[{}].node_id", f),
                        fmt::format("'{}' is not a node of the default world", failure.node_id)});
    }
    if (failure.kind == FailureKind::carrier_cutoff_miss &&
        std::none_of(network->carrier_services.begin(), network->carrier_services.end(),
                     [&](const auto& service) { return service->carrier == failure.carrier; })) {
      std::vector<std::string> carriers;
      for (const auto& service : network->carrier_services) {
        if (std::find(carriers.begin(), carriers.end(), service->carrier) == carriers.end()) {
          carriers.push_back(service->carrier);
        }
      }
      errors.push_back({fmt::format("failures[{}].carrier", f),
                        fmt::format("'{}' is not a carrier of the default world ({})",
                                    failure.carrier, fmt::join(carriers, ", "))});
    }
  }
  if (!errors.empty()) return errors;

  for (std::size_t i = 0; i < network->nodes.size(); ++i) {
    fbs::NodeT& node = *network->nodes[i];
    const bool owned = node.kind == fbs::NodeKind::owned_fc || node.kind == fbs::NodeKind::store;
    if (sensitivity == Sensitivity::partner_fee_plus_10 && node.costs) {
      node.costs->partner_fee_cents = scaled(node.costs->partner_fee_cents, 110);
    }
    if (sensitivity == Sensitivity::labour_plus_15 && owned) {
      if (node.costs) {
        node.costs->per_order_cents = scaled(node.costs->per_order_cents, 115);
        node.costs->per_unit_cents = scaled(node.costs->per_unit_cents, 115);
      }
      economics[i].fixed_cents_per_day = economics[i].fixed_cents_per_day * 115 / 100;
    }
    if (!node.enabled) economics[i].fixed_cents_per_day = 0;
  }

  const std::vector<std::uint8_t> network_bytes =
      packed<fbs::Network>(*network, fbs::NetworkIdentifier());
  const fbs::Network& network_root = *fbs::GetNetwork(network_bytes.data());
  Result<std::shared_ptr<const routing::NetworkModel>> network_model = routing::io::compile_network(
      network_root, base.geography, routing::io::OffsetHorizon{from_utc, until_utc});
  if (!network_model) return std::vector<FieldError>{{"nodes", network_model.status().message()}};

  std::optional<routing::io::PolicyDocument> scenario_policy;
  if (!scenario.policy_source.empty()) {
    Validated<routing::io::PolicyDocument> loaded =
        routing::io::load_policy_json(scenario.policy_json, network_root);
    if (!loaded) return prefixed(scenario.policy_source, loaded.errors());
    scenario_policy = std::move(loaded).value();
  }
  const fbs::Policy& policy_root = scenario_policy ? scenario_policy->root() : base.policy.root();
  Result<std::shared_ptr<const routing::PolicyModel>> policy_model =
      routing::io::compile_policy(policy_root, **network_model);
  if (!policy_model) {
    return std::vector<FieldError>{
        {scenario.policy_source.empty() ? "policy" : scenario.policy_source,
         policy_model.status().message()}};
  }

  std::unique_ptr<fbs::InventorySnapshotT> inventory(base.inventory.root().UnPack());
  for (const auto& record : inventory->records) {
    if (const auto percent = stock_percent.find(record->node_id); percent != stock_percent.end()) {
      record->on_hand =
          static_cast<std::int32_t>(std::int64_t{record->on_hand} * percent->second / 100);
    }
  }
  const std::vector<std::uint8_t> inventory_bytes =
      packed<fbs::InventorySnapshot>(*inventory, fbs::InventorySnapshotIdentifier());
  Result<routing::InventoryTable> table = routing::io::compile_inventory(
      *fbs::GetInventorySnapshot(inventory_bytes.data()), **network_model);
  if (!table) return std::vector<FieldError>{{"inventory", table.status().message()}};

  ScenarioWorld world{std::move(network_model).value(),
                      std::move(policy_model).value(),
                      std::move(table).value(),
                      {},
                      std::move(economics)};
  world.stock_targets.reserve(world.inventory.cell_count());
  for (std::uint32_t sku = 0; sku < world.inventory.sku_count(); ++sku) {
    for (const routing::InventoryCell& cell : world.inventory.stocked_nodes(sku)) {
      world.stock_targets.push_back(cell.levels().on_hand);
    }
  }
  return world;
}

}  // namespace edgeroute::simulate
