// ScenarioWorld: the models one simulation run routes from, made by applying a
// scenario (scenario.h) and a cost sensitivity to the default world
// (engine/demo/default_world.h): the network with the scenario's node variants, the
// scenario's policy, the inventory with each node's stock scaled, and what the router
// does not know: each node's fixed cost and its true health.
//
// The default world is parsed once (BaseWorld) and varied per run; its documents pass
// the same validation as any network, policy and inventory a person writes.
//
// Thread-safety: BaseWorld is immutable and shared by concurrent runs;
// build_scenario_world() is a pure function of its arguments.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/base/validated.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/routing_model.h"
#include "edgeroute/simulate/scenario.h"

namespace edgeroute::simulate {

// A what-if applied on top of a scenario (docs/simulate.md): more demand, dearer
// partners, dearer labour at owned nodes.
enum class Sensitivity : std::uint8_t { none, demand_plus_20, partner_fee_plus_10, labour_plus_15 };
// "", "demand+20%", "partner_fee+10%", "labour+15%".
std::string_view to_string(Sensitivity sensitivity);
// The sensitivity named `text` ("demand+20", "partner_fee+10", "labour+15", with or
// without the % sign).
std::optional<Sensitivity> parse_sensitivity(std::string_view text);
// The demand multiplier of a sensitivity, percent.
std::int32_t demand_percent(Sensitivity sensitivity);

struct BaseWorld {
  std::shared_ptr<const routing::Geography> geography;
  routing::io::NetworkDocument network;
  routing::io::PolicyDocument policy;
  routing::io::InventoryDocument inventory;
  std::vector<std::string> skus_by_popularity;
  std::uint64_t seed = 0;
};

// The default world of `seed` with `sku_count` SKUs, parsed and validated.
Result<std::shared_ptr<const BaseWorld>> make_base_world(std::uint64_t seed,
                                                         std::uint32_t sku_count);

// The health a node really has in a run (basis points), against which its shipments'
// fates are drawn; the router starts from the network's configured figures.
struct TrueHealth {
  std::int32_t on_time_bp = 10000;
  std::int32_t fill_bp = 10000;
  std::int32_t acceptance_bp = 10000;
};

struct NodeEconomics {
  std::int64_t fixed_cents_per_day = 0;
  TrueHealth health;
};

struct ScenarioWorld {
  std::shared_ptr<const routing::NetworkModel> network;
  std::shared_ptr<const routing::PolicyModel> policy;
  routing::InventoryTable inventory;
  // What each stocked cell holds at the start, in the table's cell order (SKU-major, as
  // InventoryTable::stocked_nodes walks it): replenishment restores it.
  std::vector<std::int32_t> stock_targets;
  std::vector<NodeEconomics> nodes;  // in network order
};

// Applies `scenario` and `sensitivity` to `base`. The time-zone tables cover
// [from_utc, until_utc] (the run's span, with room for promises after it). Errors name
// the scenario field (nodes[1].node_id: 'x' is not a node of the default world) or the
// policy file's.
Validated<ScenarioWorld> build_scenario_world(const BaseWorld& base, const Scenario& scenario,
                                              Sensitivity sensitivity,
                                              routing::UnixSeconds from_utc,
                                              routing::UnixSeconds until_utc);

}  // namespace edgeroute::simulate
