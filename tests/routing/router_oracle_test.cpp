// The Router against a brute-force oracle written from docs/routing.md sections 1-3 alone:
// random small networks, inventories, policies and orders, each routed by Router::plan()
// and recomputed by trying every assignment of order lines to nodes. Both must agree on
// feasibility, the outcome and reason (with its line), the objective to the cent, and the
// chosen plan under the documented tie-breaks (node per line, service per shipment,
// delivery dates); and the Router's plan must respect every constraint on its own terms
// (distinct nodes, max_shipments, eligibility, available-to-promise, daily capacity,
// service level, each shipment's cost terms).
//
// The oracle keeps its own plain description of the world (the generator's structs) and
// computes eligibility, safety stock, throttled capacity, prices, the service of a
// shipment, the objective, the order of plans and the reasons of a rejection from it with
// its own arithmetic. It borrows three things from the routing core, each with tests of
// its own: the promise calculator (compute_promise(), promise.h) over the node's
// NodeCalendar as compiled from the network (input data), that calendar's UTC offsets
// (to name the local day a parcel is packed), and Geography::zone() between two postal
// codes. Where the document leaves a reading open the oracle takes this one: a node
// "stocks" a SKU when the inventory has a record for the pair, even of 0 units; the line
// of a whole-order reason (too_many_shipments, or no_capacity for lines that cannot go
// together) is not compared. Orders refused by section 1 are not generated.
//
// Documents are rendered as JSON and loaded through routing_io (RoutingFixture), so the
// loader's reading of every field is part of what is checked. Some stock is reserved and
// some daily capacity taken before routing, mirrored in the oracle's view.
//
// Three kinds of world: mixed ones (2-6 nodes, orders of 1-5 lines) where everything can
// go wrong; crowded ones (4-6 nodes, money only in steps of 0 or 100 cents, twin nodes)
// where plans tie and the tie-breaks decide; and orders of 9-11 lines on 2-3 nodes, past
// the exhaustive search, where the Router's plan must be feasible, no cheaper than the
// optimum, and flagged proven_optimal = false. Seeds are fixed: a failure names its seed
// and prints every document, and it replays. The same worlds also check that a pair added
// to the inventory table after it was built is routed as if it had been in the snapshot.

#include <algorithm>
#include <array>
#include <cstdint>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "edgeroute/routing/io/decision_document.h"
#include "edgeroute/routing/objective.h"
#include "edgeroute/routing/promise.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/routing/routing_decision.h"
#include "edgeroute/routing/time_text.h"
#include "routing_fixture.h"

namespace edgeroute::routing {
namespace {

// ---------------------------------------------------------------------------------------
// The world, as the oracle sees it.

// Real postal codes across the US. Orders fall between 2026-11-10 and 2026-12-09, after
// daylight saving time ended (2026-11-01) and long before it starts again, so each
// place's standard offset is its offset for every order (used only to aim order
// instants at a node's cut-offs and windows; promises use the compiled tz data).
struct Place {
  const char* postal_code;
  const char* time_zone;
  int utc_offset_hours;
};

constexpr std::array<Place, 24> kPlaces = {{
    {"10027", "America/New_York", -5},    {"11201", "America/New_York", -5},
    {"02108", "America/New_York", -5},    {"19103", "America/New_York", -5},
    {"30303", "America/New_York", -5},    {"33131", "America/New_York", -5},
    {"43215", "America/New_York", -5},    {"48226", "America/Detroit", -5},
    {"28202", "America/New_York", -5},    {"60614", "America/Chicago", -6},
    {"75201", "America/Chicago", -6},     {"77002", "America/Chicago", -6},
    {"55401", "America/Chicago", -6},     {"63101", "America/Chicago", -6},
    {"64105", "America/Chicago", -6},     {"80202", "America/Denver", -7},
    {"84101", "America/Denver", -7},      {"87102", "America/Denver", -7},
    {"85004", "America/Phoenix", -7},     {"90012", "America/Los_Angeles", -8},
    {"94110", "America/Los_Angeles", -8}, {"98101", "America/Los_Angeles", -8},
    {"97201", "America/Los_Angeles", -8}, {"89502", "America/Los_Angeles", -8},
}};

constexpr std::array<const char*, 4> kChannels = {"web", "marketplace", "store-pickup", "loyalty"};

constexpr std::uint8_t kHazmat = static_cast<std::uint8_t>(fbs::HandlingFlags::hazmat);
constexpr std::uint8_t kOversize = static_cast<std::uint8_t>(fbs::HandlingFlags::oversize);
constexpr std::uint8_t kFragile = static_cast<std::uint8_t>(fbs::HandlingFlags::fragile);

struct WeightBreak {
  std::int32_t up_to_grams = 0;
  std::int32_t cents = 0;
};

struct WorldService {
  std::string id;
  fbs::ServiceLevel level = fbs::ServiceLevel::ground;
  std::array<std::uint8_t, 8> transit_days{};
  bool transit_business_days = true;
  std::array<std::vector<WeightBreak>, 8> breaks_by_zone;  // ascending up_to_grams
};

// A carrier service a node offers, with the node's cut-off for it.
struct ServiceOffer {
  std::size_t service = 0;  // into World::services
  LocalMinute cutoff_minute = 0;
};

struct Window {
  LocalMinute opens = 0;
  LocalMinute closes = 0;
};

struct WorldNode {
  std::string id;
  fbs::NodeKind kind = fbs::NodeKind::owned_fc;
  std::size_t place = 0;
  std::array<std::optional<Window>, 7> windows;  // Monday first
  std::vector<EpochDay> closed_days;
  std::int32_t processing_minutes = 0;
  std::vector<ServiceOffer> offers;  // in the network file's order
  std::int32_t orders_per_day = 0;   // 0: no limit
  std::int32_t units_per_day = 0;    // 0: no limit
  std::int32_t per_order_cents = 0;
  std::int32_t per_unit_cents = 0;
  std::int32_t partner_fee_cents = 0;
  std::int32_t on_time_bp = 10000;
  std::int32_t fill_bp = 10000;
  std::int32_t acceptance_bp = 10000;
  bool enabled = true;

  bool owned() const { return kind == fbs::NodeKind::owned_fc || kind == fbs::NodeKind::store; }
};

struct WorldSku {
  std::string id;
  std::int32_t weight_grams = 0;
  std::uint8_t handling = 0;
  std::vector<fbs::NodeKind> eligible_kinds;  // empty: every kind
};

struct Exclusion {
  std::string channel;            // empty: every channel
  std::uint8_t sku_handling = 0;  // 0: every line
  std::vector<fbs::NodeKind> node_kinds;
};

// At most one entry per (node, SKU) key: the generator never repeats a key.
struct SafetyEntry {
  std::optional<std::size_t> node;
  std::optional<std::size_t> sku;
  std::int32_t units = 0;
};

struct NodeFigure {
  std::size_t node = 0;
  std::int32_t value = 0;
};

struct WorldPolicy {
  std::int32_t risk_centicents_per_bp = 0;
  std::int32_t lateness_cents_per_day = 0;
  std::int32_t split_cents = 0;
  std::int32_t owned_bias_cents = 0;
  std::int32_t max_shipments = 1;
  std::vector<Exclusion> exclusions;
  std::vector<std::string> owned_only_channels;
  std::vector<NodeFigure> preferences;  // a node may be listed twice
  std::vector<SafetyEntry> safety_stock;
  std::vector<NodeFigure> throttles;  // percent; at most one per node
  bool backorder = false;
  std::size_t backorder_node = 0;
};

struct World {
  std::vector<WorldNode> nodes;
  std::vector<WorldService> services;
  std::vector<WorldSku> skus;
  // on_hand[node][sku]; nullopt: no inventory record for the pair.
  std::vector<std::vector<std::optional<std::int32_t>>> on_hand;
  // Units reserved before routing, [node][sku].
  std::vector<std::vector<std::int32_t>> reserved;
  WorldPolicy policy;
};

struct WorldOrderLine {
  std::size_t sku = 0;
  std::int32_t quantity = 0;
};

struct WorldOrder {
  std::string id;
  std::string channel;
  std::vector<WorldOrderLine> lines;
  std::size_t destination = 0;  // into kPlaces
  UnixSeconds created_at = 0;
  std::optional<fbs::ServiceLevel> requested_level;
  std::optional<EpochDay> latest_delivery_day;
};

// Orders and capacity taken on one node's local day before routing.
struct TakenCapacity {
  std::size_t node = 0;
  EpochDay day = 0;
  std::uint32_t orders = 0;
  std::uint32_t units = 0;
};

// ---------------------------------------------------------------------------------------
// Rendering the world as the JSON documents of routing/schema.

std::string json_string(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string handling_text(std::uint8_t flags) {
  std::string text;
  const std::pair<std::uint8_t, const char*> names[] = {
      {kHazmat, "hazmat"}, {kOversize, "oversize"}, {kFragile, "fragile"}};
  for (const auto& [flag, name] : names) {
    if ((flags & flag) == 0) continue;
    if (!text.empty()) text += " ";
    text += name;
  }
  return json_string(text);
}

std::string kinds_text(const std::vector<fbs::NodeKind>& kinds) {
  std::string text = "[";
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (i > 0) text += ", ";
    text += json_string(fbs::EnumNameNodeKind(kinds[i]));
  }
  return text + "]";
}

std::string network_json(const World& world) {
  std::string json = "{\n  \"schema_version\": 1, \"version\": 1,\n  \"nodes\": [\n";
  for (std::size_t n = 0; n < world.nodes.size(); ++n) {
    const WorldNode& node = world.nodes[n];
    json += "    { \"id\": " + json_string(node.id) +
            ", \"kind\": " + json_string(fbs::EnumNameNodeKind(node.kind)) +
            ", \"postal_code\": " + json_string(kPlaces[node.place].postal_code) +
            ", \"time_zone\": " + json_string(kPlaces[node.place].time_zone) +
            ", \"processing_minutes\": " + std::to_string(node.processing_minutes) +
            ",\n      \"pick_windows\": [";
    bool first = true;
    for (std::size_t weekday = 0; weekday < 7; ++weekday) {
      if (!node.windows[weekday]) continue;
      json += std::string(first ? "" : ", ") + "{ \"weekday\": " +
              json_string(fbs::EnumNameWeekday(static_cast<fbs::Weekday>(weekday))) +
              ", \"opens\": " + json_string(format_local_minute(node.windows[weekday]->opens)) +
              ", \"closes\": " + json_string(format_local_minute(node.windows[weekday]->closes)) +
              " }";
      first = false;
    }
    json += "],\n      \"closed_dates\": [";
    for (std::size_t i = 0; i < node.closed_days.size(); ++i) {
      json += std::string(i > 0 ? ", " : "") + json_string(format_epoch_day(node.closed_days[i]));
    }
    json += "],\n      \"services\": [";
    for (std::size_t i = 0; i < node.offers.size(); ++i) {
      json += std::string(i > 0 ? ", " : "") +
              "{ \"service_id\": " + json_string(world.services[node.offers[i].service].id) +
              ", \"cutoff\": " + json_string(format_local_minute(node.offers[i].cutoff_minute)) +
              " }";
    }
    json += "],\n      \"capacity\": { \"orders_per_day\": " + std::to_string(node.orders_per_day) +
            ", \"units_per_day\": " + std::to_string(node.units_per_day) +
            " },\n      \"costs\": { \"per_order_cents\": " + std::to_string(node.per_order_cents) +
            ", \"per_unit_cents\": " + std::to_string(node.per_unit_cents) +
            ", \"partner_fee_cents\": " + std::to_string(node.partner_fee_cents) +
            " },\n      \"health\": { \"on_time_bp\": " + std::to_string(node.on_time_bp) +
            ", \"fill_bp\": " + std::to_string(node.fill_bp) +
            ", \"acceptance_bp\": " + std::to_string(node.acceptance_bp) +
            " },\n      \"enabled\": " + (node.enabled ? "true" : "false") + " }" +
            (n + 1 < world.nodes.size() ? ",\n" : "\n");
  }
  json += "  ],\n  \"carrier_services\": [\n";
  for (std::size_t s = 0; s < world.services.size(); ++s) {
    const WorldService& service = world.services[s];
    json += "    { \"id\": " + json_string(service.id) + ", \"carrier\": \"Carrier\", \"level\": " +
            json_string(fbs::EnumNameServiceLevel(service.level)) + ", \"transit_days\": [";
    for (std::size_t z = 0; z < 8; ++z) {
      json += std::string(z > 0 ? ", " : "") + std::to_string(service.transit_days[z]);
    }
    json += std::string("], \"transit_business_days\": ") +
            (service.transit_business_days ? "true" : "false") + ",\n      \"rates\": [";
    for (std::size_t z = 0; z < 8; ++z) {
      json += std::string(z > 0 ? ",\n        " : "") + "{ \"zone\": " + std::to_string(z + 1) +
              ", \"breaks\": [";
      const std::vector<WeightBreak>& breaks = service.breaks_by_zone[z];
      for (std::size_t b = 0; b < breaks.size(); ++b) {
        json += std::string(b > 0 ? ", " : "") +
                "{ \"up_to_grams\": " + std::to_string(breaks[b].up_to_grams) +
                ", \"cents\": " + std::to_string(breaks[b].cents) + " }";
      }
      json += "] }";
    }
    json += "] }" + std::string(s + 1 < world.services.size() ? ",\n" : "\n");
  }
  json += "  ],\n  \"skus\": [\n";
  for (std::size_t k = 0; k < world.skus.size(); ++k) {
    const WorldSku& sku = world.skus[k];
    json += "    { \"id\": " + json_string(sku.id) +
            ", \"weight_grams\": " + std::to_string(sku.weight_grams);
    if (sku.handling != 0) json += ", \"handling\": " + handling_text(sku.handling);
    if (!sku.eligible_kinds.empty()) {
      json += ", \"eligible_node_kinds\": " + kinds_text(sku.eligible_kinds);
    }
    json += " }" + std::string(k + 1 < world.skus.size() ? ",\n" : "\n");
  }
  return json + "  ]\n}\n";
}

std::string inventory_json(const World& world) {
  std::string json =
      "{ \"schema_version\": 1, \"taken_at\": \"2026-11-10T00:00:00Z\", \"records\": [\n";
  bool first = true;
  for (std::size_t n = 0; n < world.nodes.size(); ++n) {
    for (std::size_t k = 0; k < world.skus.size(); ++k) {
      if (!world.on_hand[n][k]) continue;
      json += std::string(first ? "" : ",\n") +
              "  { \"node_id\": " + json_string(world.nodes[n].id) +
              ", \"sku_id\": " + json_string(world.skus[k].id) +
              ", \"on_hand\": " + std::to_string(*world.on_hand[n][k]) + " }";
      first = false;
    }
  }
  return json + "\n] }\n";
}

std::string policy_json(const World& world) {
  const WorldPolicy& policy = world.policy;
  std::string json =
      "{\n  \"schema_version\": 1, \"version\": 1, \"expires_at\": \"2027-06-30T00:00:00Z\",\n"
      "  \"weights\": { \"risk_centicents_per_bp\": " +
      std::to_string(policy.risk_centicents_per_bp) +
      ", \"lateness_cents_per_day\": " + std::to_string(policy.lateness_cents_per_day) +
      ", \"split_cents\": " + std::to_string(policy.split_cents) +
      ", \"owned_bias_cents\": " + std::to_string(policy.owned_bias_cents) +
      " },\n  \"max_shipments\": " + std::to_string(policy.max_shipments) +
      ",\n  \"exclusions\": [";
  for (std::size_t i = 0; i < policy.exclusions.size(); ++i) {
    const Exclusion& exclusion = policy.exclusions[i];
    json += std::string(i > 0 ? ", " : "") + "{ \"channel\": " + json_string(exclusion.channel);
    if (exclusion.sku_handling != 0) {
      json += ", \"sku_handling\": " + handling_text(exclusion.sku_handling);
    }
    json += ", \"node_kinds\": " + kinds_text(exclusion.node_kinds) + ", \"reason\": \"rule " +
            std::to_string(i) + "\" }";
  }
  json += "],\n  \"owned_only_channels\": [";
  for (std::size_t i = 0; i < policy.owned_only_channels.size(); ++i) {
    json += std::string(i > 0 ? ", " : "") + json_string(policy.owned_only_channels[i]);
  }
  json += "],\n  \"preferences\": [";
  for (std::size_t i = 0; i < policy.preferences.size(); ++i) {
    json += std::string(i > 0 ? ", " : "") +
            "{ \"node_id\": " + json_string(world.nodes[policy.preferences[i].node].id) +
            ", \"cents\": " + std::to_string(policy.preferences[i].value) + " }";
  }
  json += "],\n  \"safety_stock\": [";
  for (std::size_t i = 0; i < policy.safety_stock.size(); ++i) {
    const SafetyEntry& entry = policy.safety_stock[i];
    json += std::string(i > 0 ? ", " : "") + "{ ";
    if (entry.node) json += "\"node_id\": " + json_string(world.nodes[*entry.node].id) + ", ";
    if (entry.sku) json += "\"sku_id\": " + json_string(world.skus[*entry.sku].id) + ", ";
    json += "\"units\": " + std::to_string(entry.units) + " }";
  }
  json += "],\n  \"capacity_throttles\": [";
  for (std::size_t i = 0; i < policy.throttles.size(); ++i) {
    json += std::string(i > 0 ? ", " : "") +
            "{ \"node_id\": " + json_string(world.nodes[policy.throttles[i].node].id) +
            ", \"percent\": " + std::to_string(policy.throttles[i].value) + " }";
  }
  json += "],\n  \"backorder_rule\": ";
  json += policy.backorder ? "\"backorder\", \"backorder_node_id\": " +
                                 json_string(world.nodes[policy.backorder_node].id)
                           : std::string("\"reject\"");
  return json + "\n}\n";
}

std::string order_json(const World& world, const WorldOrder& order) {
  std::string json = "{ \"id\": " + json_string(order.id) +
                     ", \"channel\": " + json_string(order.channel) + ", \"lines\": [";
  for (std::size_t i = 0; i < order.lines.size(); ++i) {
    json += std::string(i > 0 ? ", " : "") +
            "{ \"sku_id\": " + json_string(world.skus[order.lines[i].sku].id) +
            ", \"quantity\": " + std::to_string(order.lines[i].quantity) + " }";
  }
  json +=
      "], \"ship_to\": { \"postal_code\": " + json_string(kPlaces[order.destination].postal_code) +
      " }, \"created_at\": " + json_string(format_utc_instant(order.created_at));
  if (order.requested_level) {
    json +=
        ", \"requested_level\": " + json_string(fbs::EnumNameServiceLevel(*order.requested_level));
  }
  if (order.latest_delivery_day) {
    json +=
        ", \"latest_delivery_date\": " + json_string(format_epoch_day(*order.latest_delivery_day));
  }
  return json + " }";
}

// ---------------------------------------------------------------------------------------
// The generator.

EpochDay day_from_text(std::string_view text) {
  return parse_epoch_day(text).value();
}

// The sizes of a world; everything else is drawn at random.
struct WorldShape {
  int nodes_min = 2;
  int nodes_max = 6;
  int skus_min = 1;
  int skus_max = 6;
  std::int32_t sku_weight_max = 12000;
  double stock_probability = 0.65;
  bool ample_stock = false;  // no empty or nearly empty records
  double eligible_kinds_probability = 0.2;
  double coarse_money_probability = 0.3;  // money only as 0 or 100 cents
  double disabled_probability = 0.1;
  double limited_capacity_probability = 0.5;
  int exclusions_max = 2;
};

class WorldGenerator {
 public:
  explicit WorldGenerator(std::uint64_t seed) : random_(seed) {}

  World world(const WorldShape& shape) {
    World world;
    coarse_money_ = coin(shape.coarse_money_probability);
    const int service_count = uniform(1, 3);
    for (int s = 0; s < service_count; ++s) world.services.push_back(service(s));
    const int node_count = uniform(shape.nodes_min, shape.nodes_max);
    for (int n = 0; n < node_count; ++n) world.nodes.push_back(node(n, world, shape));
    // Sometimes a twin: a node identical to an earlier one but for its id (and often
    // with the same stock), so that whole plans tie and only the node order decides.
    std::optional<std::pair<std::size_t, std::size_t>> twin_of;
    if (node_count > 1 && coin(0.4)) {
      const std::size_t twin = index(world.nodes.size() - 1) + 1;
      const std::size_t original = index(twin);
      world.nodes[twin] = world.nodes[original];
      world.nodes[twin].id = "node-" + std::to_string(twin);
      if (coin(0.6)) twin_of.emplace(twin, original);
    }
    const int sku_count = uniform(shape.skus_min, shape.skus_max);
    for (int k = 0; k < sku_count; ++k) world.skus.push_back(sku(k, shape));
    world.on_hand.assign(world.nodes.size(), {});
    world.reserved.assign(world.nodes.size(), std::vector<std::int32_t>(world.skus.size(), 0));
    for (auto& row : world.on_hand) {
      for (std::size_t k = 0; k < world.skus.size(); ++k) {
        if (!coin(shape.stock_probability)) {
          row.push_back(std::nullopt);
        } else {
          row.push_back(shape.ample_stock ? pick<std::int32_t>({8, 20, 100})
                                          : pick<std::int32_t>({0, 1, 3, 8, 20, 100}));
        }
      }
    }
    if (twin_of) world.on_hand[twin_of->first] = world.on_hand[twin_of->second];
    world.policy = policy(world, shape);
    return world;
  }

  WorldOrder order(const World& world, int lines_min, int lines_max, int number) {
    WorldOrder order;
    order.id = "ord-" + std::to_string(number);
    order.channel = kChannels[index(kChannels.size())];
    std::vector<std::size_t> skus(world.skus.size());
    std::iota(skus.begin(), skus.end(), std::size_t{0});
    std::shuffle(skus.begin(), skus.end(), random_);
    // Short orders are the common case, and the likeliest to find a plan.
    const int line_count =
        std::min(std::max(lines_min, uniform(lines_min, lines_max) - (coin(0.4) ? 1 : 0)),
                 static_cast<int>(skus.size()));
    for (int i = 0; i < line_count; ++i) {
      order.lines.push_back({skus[static_cast<std::size_t>(i)], uniform(1, 4)});
    }
    order.destination = index(kPlaces.size());
    order.created_at = order_instant(world);
    if (coin(0.25)) order.requested_level = static_cast<fbs::ServiceLevel>(uniform(0, 2));
    if (coin(0.4)) {
      order.latest_delivery_day = day_of(order.created_at) + uniform(0, 7);
    }
    return order;
  }

  bool coin(double probability) { return std::bernoulli_distribution(probability)(random_); }
  std::int32_t uniform(std::int32_t low, std::int32_t high) {
    return std::uniform_int_distribution<std::int32_t>(low, high)(random_);
  }
  std::size_t index(std::size_t count) {
    return std::uniform_int_distribution<std::size_t>(0, count - 1)(random_);
  }
  template <typename T>
  T pick(std::initializer_list<T> choices) {
    return *(choices.begin() + static_cast<std::ptrdiff_t>(index(choices.size())));
  }

 private:
  static constexpr std::array<fbs::NodeKind, 4> kKinds = {
      fbs::NodeKind::owned_fc, fbs::NodeKind::store, fbs::NodeKind::partner_3pl,
      fbs::NodeKind::dropship};

  // Money comes in steps, and in some worlds only as 0 or 100 cents, so that equal
  // objectives (and with them the tie-breaks) are common.
  std::int32_t cents(std::int32_t steps_max, std::int32_t step = 50) {
    return coarse_money_ ? pick<std::int32_t>({0, 0, 0, 100}) : uniform(0, steps_max) * step;
  }
  std::int32_t health_bp(std::int32_t shortfall_max) {
    return coarse_money_ || coin(0.3) ? 10000 : 10000 - uniform(0, shortfall_max);
  }

  std::vector<fbs::NodeKind> some_kinds() {
    std::vector<fbs::NodeKind> kinds;
    for (fbs::NodeKind kind : kKinds) {
      if (coin(0.4)) kinds.push_back(kind);
    }
    if (kinds.empty()) kinds.push_back(kKinds[index(kKinds.size())]);
    return kinds;
  }

  std::uint8_t some_flags() {
    std::uint8_t flags = 0;
    while (flags == 0) {
      for (std::uint8_t flag : {kHazmat, kOversize, kFragile}) {
        if (coin(0.4)) flags = static_cast<std::uint8_t>(flags | flag);
      }
    }
    return flags;
  }

  WorldService service(int number) {
    WorldService service;
    service.id = "svc-" + std::to_string(number);
    service.level = static_cast<fbs::ServiceLevel>(uniform(0, 2));
    service.transit_business_days = coin(0.6);
    for (std::size_t z = 0; z < 8; ++z) {
      service.transit_days[z] = static_cast<std::uint8_t>(uniform(0, 5));
      std::int32_t grams = 0;
      for (int b = uniform(1, 3); b > 0; --b) {
        grams += uniform(1, 40) * (grams == 0 ? 500 : 1000);
        service.breaks_by_zone[z].push_back({grams, (coarse_money_ ? 0 : 300) + cents(40)});
      }
    }
    return service;
  }

  WorldNode node(int number, const World& world, const WorldShape& shape) {
    WorldNode node;
    node.id = "node-" + std::to_string(number);
    node.kind = kKinds[index(kKinds.size())];
    node.place = index(kPlaces.size());
    for (auto& window : node.windows) {
      if (coin(0.2)) continue;
      const LocalMinute opens = coin(0.3) ? uniform(0, 12) * 60 : uniform(0, 1200);
      const LocalMinute closes =
          coin(0.3) ? uniform(opens / 60 + 1, 23) * 60 : uniform(opens + 1, kMinutesPerDay - 1);
      window = Window{opens, std::min(closes, kMinutesPerDay - 1)};
    }
    if (coin(0.3)) {
      for (int i = uniform(1, 3); i > 0; --i) {
        node.closed_days.push_back(coin(0.4) ? day_from_text("2026-11-26")
                                             : day_from_text("2026-11-10") + uniform(0, 30));
      }
    }
    node.processing_minutes = coin(0.15) ? 0 : uniform(0, 600);
    std::vector<std::size_t> services(world.services.size());
    std::iota(services.begin(), services.end(), std::size_t{0});
    std::shuffle(services.begin(), services.end(), random_);
    services.resize(static_cast<std::size_t>(uniform(1, static_cast<int>(services.size()))));
    for (std::size_t service : services) {
      node.offers.push_back({service, coin(0.5) ? uniform(12, 22) * 60 : uniform(0, 1439)});
    }
    const bool limited = coin(shape.limited_capacity_probability);
    node.orders_per_day = limited && coin(0.7) ? uniform(1, 4) : 0;
    node.units_per_day = limited && coin(0.6) ? uniform(1, 12) : 0;
    node.per_order_cents = cents(10);
    node.per_unit_cents = cents(4, 25);
    node.partner_fee_cents = node.owned() ? 0 : cents(6);
    node.on_time_bp = health_bp(2000);
    node.fill_bp = health_bp(2000);
    node.acceptance_bp = health_bp(2000);
    node.enabled = !coin(shape.disabled_probability);
    return node;
  }

  WorldSku sku(int number, const WorldShape& shape) {
    WorldSku sku;
    sku.id = "sku-" + std::to_string(number);
    sku.weight_grams = uniform(50, shape.sku_weight_max);
    if (coin(0.35)) sku.handling = some_flags();
    if (coin(shape.eligible_kinds_probability)) sku.eligible_kinds = some_kinds();
    return sku;
  }

  WorldPolicy policy(const World& world, const WorldShape& shape) {
    WorldPolicy policy;
    const std::size_t node_count = world.nodes.size();
    const std::size_t sku_count = world.skus.size();
    policy.risk_centicents_per_bp = coin(0.3) ? 0 : uniform(0, 20);
    policy.lateness_cents_per_day = pick<std::int32_t>({0, 100, 500, 2000});
    policy.split_cents =
        coarse_money_ ? pick<std::int32_t>({0, 0, 100}) : pick<std::int32_t>({0, 100, 300, 800});
    policy.owned_bias_cents =
        coarse_money_ ? pick<std::int32_t>({0, 0, 50}) : pick<std::int32_t>({0, 50, 150});
    policy.max_shipments = uniform(1, 3);
    const int exclusion_count = coin(0.5) ? 0 : uniform(0, shape.exclusions_max);
    for (int i = 0; i < exclusion_count; ++i) {
      // Each names node kinds or handling flags: a rule without either would exclude
      // every node from every order (of its channel).
      Exclusion exclusion;
      if (coin(0.5)) exclusion.channel = kChannels[index(kChannels.size())];
      if (coin(0.5)) exclusion.sku_handling = some_flags();
      if (coin(0.5) || exclusion.sku_handling == 0) {
        exclusion.node_kinds = some_kinds();
      }
      policy.exclusions.push_back(std::move(exclusion));
    }
    if (coin(0.2)) policy.owned_only_channels.push_back(kChannels[index(kChannels.size())]);
    for (int i = coarse_money_ ? pick({0, 0, 1}) : pick({0, 0, 1, 2, 3}); i > 0; --i) {
      policy.preferences.push_back(
          {index(node_count), pick<std::int32_t>({-800, -300, -100, 50, 250})});
    }
    // Safety stock at each level of specificity, one entry per key at most.
    if (coin(0.3)) policy.safety_stock.push_back({std::nullopt, std::nullopt, uniform(0, 2)});
    for (std::size_t n = 0; n < node_count; ++n) {
      if (coin(0.2)) policy.safety_stock.push_back({n, std::nullopt, uniform(0, 3)});
    }
    for (std::size_t k = 0; k < sku_count; ++k) {
      if (coin(0.2)) policy.safety_stock.push_back({std::nullopt, k, uniform(0, 3)});
    }
    for (std::size_t n = 0; n < node_count; ++n) {
      for (std::size_t k = 0; k < sku_count; ++k) {
        if (coin(0.08)) policy.safety_stock.push_back({n, k, uniform(0, 3)});
      }
    }
    std::shuffle(policy.safety_stock.begin(), policy.safety_stock.end(), random_);
    for (std::size_t n = 0; n < node_count; ++n) {
      if (coin(0.25)) policy.throttles.push_back({n, pick<std::int32_t>({0, 50, 100, 34, 75})});
    }
    policy.backorder = coin(0.25);
    policy.backorder_node = index(node_count);
    return policy;
  }

  // Half of the orders land anywhere in four weeks around 2026-11-24; the other half a
  // second or a minute either side of a node's cut-off, of the instant that packs
  // exactly at a cut-off, or of a pick window's edge.
  UnixSeconds order_instant(const World& world) {
    const EpochDay day = day_from_text("2026-11-10") + uniform(0, 28);
    const std::int64_t midnight_utc = std::int64_t{day} * kSecondsPerDay;
    if (coin(0.5)) return midnight_utc + uniform(0, static_cast<std::int32_t>(kSecondsPerDay - 1));
    const WorldNode& node = world.nodes[index(world.nodes.size())];
    const ServiceOffer& offer = node.offers[index(node.offers.size())];
    const std::optional<Window>& window = node.windows[static_cast<std::size_t>(weekday_of(day))];
    LocalMinute target = offer.cutoff_minute;
    switch (uniform(0, 3)) {
      case 0: target = offer.cutoff_minute - node.processing_minutes; break;
      case 1:
        if (window) target = window->opens;
        break;
      case 2:
        if (window) target = window->closes;
        break;
      default: break;
    }
    const std::int64_t local =
        midnight_utc + std::int64_t{target} * 60 + pick<std::int64_t>({-60, -1, 0, 1, 59});
    return local - std::int64_t{kPlaces[node.place].utc_offset_hours} * 3600;
  }

  std::mt19937_64 random_;
  bool coarse_money_ = false;
};

// ---------------------------------------------------------------------------------------
// The oracle: docs/routing.md sections 1-3, computed from the world by brute force.

// How far a node gets with a block of lines, in the order of docs/routing.md section 3.
enum class Stage : std::uint8_t {
  not_stocked,     // the node holds no record of the SKU
  excluded,        // 2.1 (1)-(4)
  short_of_stock,  // 2.1 (5)
  no_promise,      // 2.2 (1)
  no_capacity,     // 2.2 (2)
  no_carrier,      // 2.2 (3)
  feasible,
};

fbs::ReasonCode reason_of(Stage stage) {
  switch (stage) {
    case Stage::not_stocked:
    case Stage::short_of_stock: return fbs::ReasonCode::no_inventory;
    case Stage::excluded: return fbs::ReasonCode::excluded_by_policy;
    case Stage::no_promise: return fbs::ReasonCode::promise_unmeetable;
    case Stage::no_capacity: return fbs::ReasonCode::no_capacity;
    case Stage::no_carrier: return fbs::ReasonCode::no_carrier_service;
    case Stage::feasible: break;
  }
  return fbs::ReasonCode::none;
}

// One shipment: a block of lines from one node.
struct ShipmentQuote {
  Stage stage = Stage::not_stocked;
  std::size_t offer = 0;  // into WorldNode::offers, when feasible
  Promise promise;
  std::int64_t units = 0;
  std::int64_t weight_grams = 0;
  CostTerms cost;

  bool feasible() const { return stage == Stage::feasible; }
};

struct OraclePlan {
  std::vector<std::size_t> node_of_line;
  std::int64_t objective_cents = 0;
  EpochDay last_delivery_day = 0;
  std::size_t shipment_count = 0;
};

struct OracleAnswer {
  std::optional<OraclePlan> plan;
  fbs::ReasonCode reason = fbs::ReasonCode::none;  // when there is no plan
  int reason_line = -1;
};

std::uint32_t line_bit(std::size_t line) {
  return std::uint32_t{1} << line;
}

class Oracle {
 public:
  Oracle(const World& world, const WorldOrder& order, const NetworkModel& network)
      : world_(world), order_(order) {
    const Zip3 destination = Zip3::from_postal_code(kPlaces[order.destination].postal_code).value();
    for (std::size_t n = 0; n < world.nodes.size(); ++n) {
      const WorldNode& node = world.nodes[n];
      const Zip3 origin = Zip3::from_postal_code(kPlaces[node.place].postal_code).value();
      zones_.push_back(network.geography().zone(origin, destination));
      const NodeCalendar& calendar = network.node(static_cast<std::uint32_t>(n)).calendar;
      std::vector<std::optional<Promise>> promises;
      std::optional<EpochDay> packed_day;
      for (const ServiceOffer& offer : node.offers) {
        const WorldService& service = world.services[offer.service];
        const PromiseResult promise = compute_promise(
            calendar, order.created_at, offer.cutoff_minute,
            service.transit_days[zones_.back().number() - 1u], service.transit_business_days);
        promises.push_back(promise ? std::optional(*promise) : std::nullopt);
        if (promise && !packed_day) {
          packed_day = day_of(calendar.utc_offsets().to_local(promise->packed_at_utc));
        }
      }
      promises_.push_back(std::move(promises));
      packed_days_.push_back(packed_day);
    }
  }

  // The local day a shipment from `node` would be packed, when it has any promise.
  std::optional<EpochDay> packed_day(std::size_t node) const { return packed_days_[node]; }
  Zone zone(std::size_t node) const { return zones_[node]; }

  // Capacity taken before routing; call before answer().
  void set_taken_capacity(std::vector<TakenCapacity> taken) { taken_ = std::move(taken); }

  // 2.1 (5): the policy's most specific safety stock entry.
  std::int32_t safety_stock(std::size_t node, std::size_t sku) const {
    const WorldPolicy& policy = world_.policy;
    const auto entry_units = [&](std::optional<std::size_t> n,
                                 std::optional<std::size_t> k) -> std::optional<std::int32_t> {
      for (const SafetyEntry& entry : policy.safety_stock) {
        if (entry.node == n && entry.sku == k) return entry.units;
      }
      return std::nullopt;
    };
    if (auto units = entry_units(node, sku)) return *units;
    if (auto units = entry_units(std::nullopt, sku)) return *units;
    if (auto units = entry_units(node, std::nullopt)) return *units;
    if (auto units = entry_units(std::nullopt, std::nullopt)) return *units;
    return 0;
  }

  // 2.1 (1)-(4).
  bool eligible(std::size_t node_index, std::size_t sku_index) const {
    const WorldNode& node = world_.nodes[node_index];
    const WorldSku& sku = world_.skus[sku_index];
    const WorldPolicy& policy = world_.policy;
    const auto contains = [](const std::vector<fbs::NodeKind>& kinds, fbs::NodeKind kind) {
      return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
    };
    if (!node.enabled) return false;
    if (!sku.eligible_kinds.empty() && !contains(sku.eligible_kinds, node.kind)) return false;
    const bool owned_only_channel =
        std::find(policy.owned_only_channels.begin(), policy.owned_only_channels.end(),
                  order_.channel) != policy.owned_only_channels.end();
    if (owned_only_channel && !node.owned()) return false;
    for (const Exclusion& exclusion : policy.exclusions) {
      const bool channel_matches = exclusion.channel.empty() || exclusion.channel == order_.channel;
      const bool handling_matches =
          exclusion.sku_handling == 0 || (exclusion.sku_handling & sku.handling) != 0;
      const bool kind_matches =
          exclusion.node_kinds.empty() || contains(exclusion.node_kinds, node.kind);
      if (channel_matches && handling_matches && kind_matches) return false;
    }
    return true;
  }

  // How far `node` gets with the lines of `mask` as one shipment (2.1, 2.2), and the
  // shipment's service, promise and cost terms (2.2, 2.3) when it is feasible.
  const ShipmentQuote& quote(std::size_t node, std::uint32_t mask) {
    const std::size_t line_count = order_.lines.size();
    if (quotes_.empty()) quotes_.resize(world_.nodes.size() << line_count);
    std::optional<ShipmentQuote>& slot = quotes_[(node << line_count) | mask];
    if (!slot) slot = compute_quote(node, mask);
    return *slot;
  }

  OracleAnswer answer() {
    OracleAnswer answer;
    const std::size_t line_count = order_.lines.size();
    const std::size_t node_count = world_.nodes.size();
    std::vector<std::size_t> node_of_line(line_count, 0);
    masks_.assign(node_count, 0);
    assign_from(0, node_of_line, 0, answer.plan);
    if (answer.plan) return answer;
    // Section 3: the first line no node can ship on its own, with the furthest stage
    // any node reached for it.
    for (std::size_t line = 0; line < line_count; ++line) {
      Stage furthest = Stage::not_stocked;
      for (std::size_t node = 0; node < node_count; ++node) {
        furthest = std::max(furthest, quote(node, line_bit(line)).stage);
      }
      if (furthest != Stage::feasible) {
        answer.reason = reason_of(furthest);
        answer.reason_line = static_cast<int>(line);
        return answer;
      }
    }
    answer.reason = static_cast<std::size_t>(world_.policy.max_shipments) < line_count
                        ? fbs::ReasonCode::too_many_shipments
                        : fbs::ReasonCode::no_capacity;
    return answer;
  }

  // Every assignment of lines [line, end) to nodes, on top of node_of_line's for the
  // lines before: depth first, so masks_ (the lines of each node) follows along. Two
  // kinds of branch are cut, neither of which can hold a feasible plan: a node that
  // cannot ship the line on its own (2.1 is per line, the promise does not depend on
  // the block, and a block only adds units and weight), and a shipment beyond
  // max_shipments.
  void assign_from(std::size_t line, std::vector<std::size_t>& node_of_line,
                   std::size_t shipment_count, std::optional<OraclePlan>& best) {
    if (line == node_of_line.size()) {
      consider(node_of_line, best);
      return;
    }
    for (std::size_t node = 0; node < masks_.size(); ++node) {
      if (!quote(node, line_bit(line)).feasible()) continue;
      const std::size_t shipments = shipment_count + (masks_[node] == 0 ? 1 : 0);
      if (shipments > static_cast<std::size_t>(world_.policy.max_shipments)) continue;
      node_of_line[line] = node;
      masks_[node] |= line_bit(line);
      assign_from(line + 1, node_of_line, shipments, best);
      masks_[node] &= ~line_bit(line);
    }
  }

  // The plan of node_of_line (whose lines per node are masks_), when it is feasible
  // (2.2) and within max_shipments, priced (2.3) and kept if it precedes `best` (2.4).
  void consider(const std::vector<std::size_t>& node_of_line, std::optional<OraclePlan>& best) {
    std::int64_t objective_cents = 0;
    EpochDay last_delivery_day = 0;
    std::size_t shipment_count = 0;
    for (std::size_t node = 0; node < masks_.size(); ++node) {
      if (masks_[node] == 0) continue;
      const ShipmentQuote& shipment = quote(node, masks_[node]);
      if (!shipment.feasible()) return;
      ++shipment_count;
      objective_cents += shipment.cost.objective_cents();
      last_delivery_day = std::max(last_delivery_day, shipment.promise.delivery_local_day);
    }
    if (shipment_count > static_cast<std::size_t>(world_.policy.max_shipments)) return;
    objective_cents +=
        std::int64_t{world_.policy.split_cents} * static_cast<std::int64_t>(shipment_count - 1);
    // 2.4: objective, last delivery, fewer shipments, node list read by order line.
    if (!best || std::tie(objective_cents, last_delivery_day, shipment_count, node_of_line) <
                     std::tie(best->objective_cents, best->last_delivery_day, best->shipment_count,
                              best->node_of_line)) {
      best = OraclePlan{node_of_line, objective_cents, last_delivery_day, shipment_count};
    }
  }

 private:
  ShipmentQuote compute_quote(std::size_t node_index, std::uint32_t mask) const {
    const WorldNode& node = world_.nodes[node_index];
    const WorldPolicy& policy = world_.policy;
    ShipmentQuote quote;
    // 2.1, line by line; a block goes no further than its weakest line.
    Stage lines_stage = Stage::feasible;
    for (std::size_t line = 0; line < order_.lines.size(); ++line) {
      if ((mask & line_bit(line)) == 0) continue;
      const WorldOrderLine& order_line = order_.lines[line];
      const std::optional<std::int32_t>& on_hand = world_.on_hand[node_index][order_line.sku];
      Stage stage = Stage::feasible;
      if (!on_hand) {
        stage = Stage::not_stocked;
      } else if (!eligible(node_index, order_line.sku)) {
        stage = Stage::excluded;
      } else if (std::int64_t{*on_hand} - world_.reserved[node_index][order_line.sku] -
                     safety_stock(node_index, order_line.sku) <
                 order_line.quantity) {
        stage = Stage::short_of_stock;
      }
      lines_stage = std::min(lines_stage, stage);
      quote.units += order_line.quantity;
      quote.weight_grams +=
          std::int64_t{order_line.quantity} * world_.skus[order_line.sku].weight_grams;
    }
    if (lines_stage != Stage::feasible) {
      quote.stage = lines_stage;
      return quote;
    }
    // 2.2 (1): services of the requested level or better that have a promise.
    std::vector<std::size_t> promised;
    for (std::size_t offer = 0; offer < node.offers.size(); ++offer) {
      const WorldService& service = world_.services[node.offers[offer].service];
      const bool level_ok = !order_.requested_level || service.level >= *order_.requested_level;
      if (level_ok && promises_[node_index][offer]) promised.push_back(offer);
    }
    if (promised.empty()) {
      quote.stage = Stage::no_promise;
      return quote;
    }
    // 2.2 (2): the packing day's capacity, throttled.
    std::int32_t percent = 100;
    for (const NodeFigure& throttle : policy.throttles) {
      if (throttle.node == node_index) percent = throttle.value;
    }
    const auto daily_limit = [percent](std::int32_t figure) -> std::optional<std::int64_t> {
      if (percent == 0) return 0;
      if (figure == 0) return std::nullopt;
      return std::int64_t{figure} * percent / 100;
    };
    const EpochDay day = *packed_days_[node_index];
    std::int64_t orders_taken = 0;
    std::int64_t units_taken = 0;
    for (const TakenCapacity& taken : taken_) {
      if (taken.node != node_index || taken.day != day) continue;
      orders_taken += taken.orders;
      units_taken += taken.units;
    }
    const std::optional<std::int64_t> orders_limit = daily_limit(node.orders_per_day);
    const std::optional<std::int64_t> units_limit = daily_limit(node.units_per_day);
    if ((orders_limit && orders_taken >= *orders_limit) ||
        (units_limit && units_taken + quote.units > *units_limit)) {
      quote.stage = Stage::no_capacity;
      return quote;
    }
    // 2.2 (3) and the service: lowest carrier + lateness, then earliest delivery, then
    // the node's first listed.
    const Zone zone = zones_[node_index];
    std::optional<std::tuple<std::int64_t, EpochDay, std::size_t>> best;
    for (std::size_t offer : promised) {
      const WorldService& service = world_.services[node.offers[offer].service];
      std::optional<std::int64_t> price;
      for (const WeightBreak& weight_break : service.breaks_by_zone[zone.number() - 1u]) {
        if (weight_break.up_to_grams >= quote.weight_grams) {
          price = weight_break.cents;
          break;
        }
      }
      if (!price) continue;
      const Promise& promise = *promises_[node_index][offer];
      const std::tuple<std::int64_t, EpochDay, std::size_t> rank{
          *price + lateness(promise.delivery_local_day), promise.delivery_local_day, offer};
      if (!best || rank < *best) {
        best = rank;
        quote.offer = offer;
        quote.cost.carrier_cents = *price;
      }
    }
    if (!best) {
      quote.stage = Stage::no_carrier;
      return quote;
    }
    // 2.3.
    quote.stage = Stage::feasible;
    quote.promise = *promises_[node_index][quote.offer];
    const std::int64_t shortfall_bp =
        (10000 - node.on_time_bp) + (10000 - node.fill_bp) + (10000 - node.acceptance_bp);
    quote.cost.handling_cents = node.per_order_cents;
    quote.cost.pick_cents = std::int64_t{node.per_unit_cents} * quote.units;
    quote.cost.partner_fee_cents = node.partner_fee_cents;
    quote.cost.risk_cents = (policy.risk_centicents_per_bp * shortfall_bp + 50) / 100;
    quote.cost.lateness_cents = lateness(quote.promise.delivery_local_day);
    for (const NodeFigure& preference : policy.preferences) {
      if (preference.node == node_index) quote.cost.preference_cents += preference.value;
    }
    if (node.owned()) quote.cost.preference_cents -= policy.owned_bias_cents;
    return quote;
  }

  std::int64_t lateness(EpochDay delivery_day) const {
    if (!order_.latest_delivery_day) return 0;
    return std::int64_t{world_.policy.lateness_cents_per_day} *
           std::max<std::int64_t>(0, delivery_day - *order_.latest_delivery_day);
  }

  const World& world_;
  const WorldOrder& order_;
  std::vector<Zone> zones_;
  std::vector<std::vector<std::optional<Promise>>> promises_;  // [node][offer]
  std::vector<std::optional<EpochDay>> packed_days_;
  std::vector<TakenCapacity> taken_;
  std::vector<std::optional<ShipmentQuote>> quotes_;  // [node << lines | mask]
  std::vector<std::uint32_t> masks_;                  // assign_from()'s lines per node
};

// ---------------------------------------------------------------------------------------
// Comparing the Router's decision with the oracle.

std::string describe(const OracleAnswer& answer) {
  if (!answer.plan) {
    return std::string("no plan: ") + fbs::EnumNameReasonCode(answer.reason) + " line " +
           std::to_string(answer.reason_line);
  }
  std::string text = "objective " + std::to_string(answer.plan->objective_cents) +
                     ", last delivery " + format_epoch_day(answer.plan->last_delivery_day) +
                     ", nodes by line [";
  for (std::size_t line = 0; line < answer.plan->node_of_line.size(); ++line) {
    text += (line > 0 ? " " : "") + std::to_string(answer.plan->node_of_line[line]);
  }
  return text + "]";
}

std::string describe(const RoutingDecision& decision, const NetworkModel& network) {
  std::string text = std::string(fbs::EnumNameOutcome(decision.outcome)) + " " +
                     fbs::EnumNameReasonCode(decision.reason) + " line " +
                     std::to_string(decision.reason_line);
  if (decision.outcome != fbs::Outcome::routed) return text;
  text += ", objective " + std::to_string(decision.cost.objective_cents()) +
          (decision.proven_optimal ? " (proven optimal)" : " (bounded)");
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    text += "; node " + std::to_string(shipment.node_index) + " line mask " +
            std::to_string(shipment.line_mask) + " by " +
            network.service(shipment.service_index).id + " delivered " +
            format_epoch_day(shipment.promise.delivery_local_day) + " cost " +
            std::to_string(shipment.cost.objective_cents());
  }
  return text;
}

// What is wrong with a routed decision on its own terms: the constraints of 2.1-2.2 and
// the cost terms of 2.3 for each of its shipments, whatever plan it chose.
std::vector<std::string> constraint_violations(const RoutingDecision& decision, const World& world,
                                               const WorldOrder& order, Oracle& oracle,
                                               const NetworkModel& network) {
  std::vector<std::string> problems;
  const auto problem = [&problems](std::string text) { problems.push_back(std::move(text)); };
  const std::size_t shipment_count = decision.shipment_count;
  if (shipment_count < 1 || shipment_count > static_cast<std::size_t>(world.policy.max_shipments)) {
    problem("has " + std::to_string(shipment_count) + " shipments, max_shipments is " +
            std::to_string(world.policy.max_shipments));
  }
  std::uint32_t lines_seen = 0;
  std::vector<bool> node_used(world.nodes.size(), false);
  CostTerms total;
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    const std::string at = "shipment from node " + std::to_string(shipment.node_index);
    if (shipment.node_index >= world.nodes.size()) {
      problem(at + ": no such node");
      continue;
    }
    if (node_used[shipment.node_index]) problem(at + ": a second shipment from the node");
    node_used[shipment.node_index] = true;
    if (shipment.line_mask == 0) problem(at + ": no lines");
    if ((lines_seen & shipment.line_mask) != 0) problem(at + ": a line shipped twice");
    lines_seen |= shipment.line_mask;
    if (shipment.line_mask >> order.lines.size() != 0) {
      problem(at + ": lines beyond the order");
      continue;
    }
    const WorldNode& node = world.nodes[shipment.node_index];
    for (std::size_t line = 0; line < order.lines.size(); ++line) {
      if ((shipment.line_mask & line_bit(line)) == 0) continue;
      const std::size_t sku = order.lines[line].sku;
      if (!world.on_hand[shipment.node_index][sku]) {
        problem(at + ": line " + std::to_string(line) + " is not stocked there");
      } else if (!oracle.eligible(shipment.node_index, sku)) {
        problem(at + ": line " + std::to_string(line) + " is excluded there");
      } else if (*world.on_hand[shipment.node_index][sku] -
                     world.reserved[shipment.node_index][sku] -
                     oracle.safety_stock(shipment.node_index, sku) <
                 order.lines[line].quantity) {
        problem(at + ": line " + std::to_string(line) + " exceeds available-to-promise");
      }
    }
    const ShipmentQuote& expected = oracle.quote(shipment.node_index, shipment.line_mask);
    if (!expected.feasible()) {
      problem(at + ": infeasible, stops at " + fbs::EnumNameReasonCode(reason_of(expected.stage)));
      continue;
    }
    const WorldService& service = world.services[node.offers[expected.offer].service];
    const CarrierServiceModel& used = network.service(shipment.service_index);
    if (used.id != service.id) problem(at + ": service " + used.id + ", expected " + service.id);
    if (order.requested_level && used.level < *order.requested_level) {
      problem(at + ": service " + used.id + " is below the requested level");
    }
    if (shipment.units != expected.units) problem(at + ": units differ");
    if (shipment.weight_grams != expected.weight_grams) problem(at + ": weight differs");
    if (shipment.zone != oracle.zone(shipment.node_index)) problem(at + ": zone differs");
    if (shipment.promise != expected.promise) {
      problem(at + ": promise delivers " + format_epoch_day(shipment.promise.delivery_local_day) +
              ", expected " + format_epoch_day(expected.promise.delivery_local_day));
    }
    if (shipment.cost != expected.cost) {
      problem(at + ": cost " + std::to_string(shipment.cost.objective_cents()) + " (carrier " +
              std::to_string(shipment.cost.carrier_cents) + "), expected " +
              std::to_string(expected.cost.objective_cents()) + " (carrier " +
              std::to_string(expected.cost.carrier_cents) + ")");
    }
    total += shipment.cost;
  }
  if (lines_seen != (line_bit(order.lines.size()) - 1u)) problem("not every line is shipped");
  total.split_cents =
      std::int64_t{world.policy.split_cents} * (static_cast<std::int64_t>(shipment_count) - 1);
  if (decision.cost != total) {
    problem("plan terms sum to " + std::to_string(decision.cost.objective_cents()) +
            ", its shipments and split to " + std::to_string(total.objective_cents()));
  }
  return problems;
}

// The node of each line in the Router's plan.
std::vector<std::size_t> node_of_line(const RoutingDecision& decision, std::size_t line_count) {
  std::vector<std::size_t> nodes(line_count, SIZE_MAX);
  for (const PlannedShipment& shipment : decision.planned_shipments()) {
    for (std::size_t line = 0; line < line_count; ++line) {
      if ((shipment.line_mask & line_bit(line)) != 0) nodes[line] = shipment.node_index;
    }
  }
  return nodes;
}

std::vector<std::string> disagreements(const RoutingDecision& decision, const OracleAnswer& answer,
                                       const World& world, const WorldOrder& order) {
  std::vector<std::string> problems;
  if (!answer.plan) {
    const fbs::Outcome expected_outcome =
        world.policy.backorder ? fbs::Outcome::backordered : fbs::Outcome::rejected;
    if (decision.outcome != expected_outcome || decision.reason != answer.reason) {
      problems.push_back("outcome or reason differs");
    }
    // Whole-order reasons (too_many_shipments, no_capacity of the lines together) name
    // no line in docs/routing.md; a line's reason names its line.
    if (answer.reason_line >= 0 && decision.reason_line != answer.reason_line) {
      problems.push_back("reason line differs");
    }
    if (decision.outcome == fbs::Outcome::backordered &&
        decision.backorder_node_index != world.policy.backorder_node) {
      problems.push_back("backorder node differs");
    }
    return problems;
  }
  if (decision.outcome != fbs::Outcome::routed) {
    problems.push_back("not routed although a plan exists");
    return problems;
  }
  const std::vector<std::size_t> nodes = node_of_line(decision, order.lines.size());
  if (decision.cost.objective_cents() != answer.plan->objective_cents) {
    problems.push_back("objective differs");
  }
  if (decision.delivery_day() != answer.plan->last_delivery_day) {
    problems.push_back("last delivery differs");
  }
  if (nodes != answer.plan->node_of_line) problems.push_back("plan differs");
  if (!decision.proven_optimal) problems.push_back("exhaustive search not proven optimal");
  return problems;
}

std::string describe(const std::vector<TakenCapacity>& taken) {
  std::string text;
  for (const TakenCapacity& claim : taken) {
    text += " node " + std::to_string(claim.node) + " on " + format_epoch_day(claim.day) + ": " +
            std::to_string(claim.orders) + " orders, " + std::to_string(claim.units) + " units;";
  }
  return text;
}

std::string describe_reservations(const World& world) {
  std::string text;
  for (std::size_t n = 0; n < world.nodes.size(); ++n) {
    for (std::size_t k = 0; k < world.skus.size(); ++k) {
      if (world.reserved[n][k] == 0) continue;
      text += " " + world.nodes[n].id + "/" + world.skus[k].id + " " +
              std::to_string(world.reserved[n][k]) + ";";
    }
  }
  return text;
}

// ---------------------------------------------------------------------------------------
// One world: its documents loaded, stock reserved, then orders routed and recomputed.

struct Tally {
  int cases = 0;
  int routed = 0;
  int split = 0;
  int backordered = 0;
  int missed_plans = 0;   // bounded search: not routed although a plan exists
  int above_optimum = 0;  // bounded search: routed at a higher objective
  std::array<int, static_cast<std::size_t>(fbs::ReasonCode::MAX) + 1> reasons{};
  int failed_cases = 0;
};

constexpr int kFailedCasesReported = 3;

struct CaseKind {
  WorldShape shape;
  int lines_min = 1;
  int lines_max = 5;
  bool exhaustive = true;
};

const UnixSeconds kFirstOrderUtc = parse_utc_instant("2026-11-10T00:00:00Z").value();

void run_world(std::uint64_t seed, const CaseKind& kind, int orders, Tally& tally) {
  WorldGenerator generator(seed);
  World world = generator.world(kind.shape);
  const std::string network_text = network_json(world);
  const std::string inventory_text = inventory_json(world);
  const std::string policy_text = policy_json(world);
  std::optional<testing::RoutingFixture> fixture =
      testing::RoutingFixture::load(network_text, inventory_text, policy_text, kFirstOrderUtc);
  if (!fixture) {
    ADD_FAILURE() << "seed " << seed << " does not load:\n" << network_text << policy_text;
    ++tally.failed_cases;
    return;
  }
  const NetworkModel& network = fixture->network();
  for (std::size_t n = 0; n < world.nodes.size(); ++n) {
    ASSERT_EQ(network.node(static_cast<std::uint32_t>(n)).id, world.nodes[n].id);
  }
  for (std::size_t k = 0; k < world.skus.size(); ++k) {
    ASSERT_EQ(network.find_sku(world.skus[k].id), static_cast<std::uint32_t>(k));
  }
  // Earlier decisions' reservations: some units held at some stocked pairs.
  for (std::size_t n = 0; n < world.nodes.size(); ++n) {
    for (std::size_t k = 0; k < world.skus.size(); ++k) {
      const std::optional<std::int32_t> on_hand = world.on_hand[n][k];
      if (!on_hand || *on_hand == 0 || !generator.coin(0.25)) continue;
      const std::int32_t units = generator.uniform(1, std::max(1, *on_hand / 2));
      const InventoryCell* cell =
          fixture->inventory().find(static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(n));
      ASSERT_NE(cell, nullptr);
      ASSERT_TRUE(fixture->inventory().try_reserve(*cell, units, 0).value().reserved);
      world.reserved[n][k] = units;
    }
  }

  Router router;
  for (int number = 0; number < orders; ++number) {
    const WorldOrder order = generator.order(world, kind.lines_min, kind.lines_max, number);
    const std::string order_text = order_json(world, order);
    SCOPED_TRACE("seed " + std::to_string(seed) + ", order " + std::to_string(number));
    const OrderRequest request = fixture->order(order_text);
    Oracle oracle(world, order, network);
    // Capacity other orders took on the days this order's shipments would be packed.
    CapacityCounters capacity(network.node_count());
    std::vector<TakenCapacity> taken;
    for (std::size_t n = 0; n < world.nodes.size(); ++n) {
      const std::optional<EpochDay> day = oracle.packed_day(n);
      if (!day || !generator.coin(0.35)) continue;
      TakenCapacity claim{n, *day, static_cast<std::uint32_t>(generator.uniform(0, 3)),
                          static_cast<std::uint32_t>(generator.uniform(0, 8))};
      if (claim.orders == 0 && claim.units == 0) claim.orders = 1;
      const CapacityLimits unlimited{CapacityCounters::kOrdersMax, CapacityCounters::kUnitsMax};
      ASSERT_EQ(capacity
                    .try_reserve(static_cast<std::uint32_t>(n), claim.day, claim.orders,
                                 claim.units, unlimited)
                    .value(),
                CapacityOutcome::reserved);
      taken.push_back(claim);
    }
    oracle.set_taken_capacity(taken);

    const RoutingDecision& decision =
        router.plan(request, fixture->model(), fixture->inventory(), capacity);
    const OracleAnswer answer = oracle.answer();

    std::vector<std::string> problems;
    if (decision.outcome == fbs::Outcome::routed) {
      problems = constraint_violations(decision, world, order, oracle, network);
    }
    if (kind.exhaustive || !answer.plan) {
      // Without a plan the reason is the order's, whatever the search.
      for (std::string& problem : disagreements(decision, answer, world, order)) {
        problems.push_back(std::move(problem));
      }
    } else if (decision.outcome == fbs::Outcome::routed) {
      if (decision.cost.objective_cents() < answer.plan->objective_cents) {
        problems.push_back("cheaper than the optimum");
      } else if (decision.cost.objective_cents() > answer.plan->objective_cents) {
        ++tally.above_optimum;
      }
      if (decision.proven_optimal) problems.push_back("bounded search claims proven optimal");
    } else {
      ++tally.missed_plans;
    }

    ++tally.cases;
    if (decision.outcome == fbs::Outcome::routed) {
      ++tally.routed;
      if (decision.shipment_count > 1) ++tally.split;
    } else {
      if (decision.outcome == fbs::Outcome::backordered) ++tally.backordered;
      ++tally.reasons[static_cast<std::size_t>(decision.reason)];
    }
    if (problems.empty()) continue;
    std::string report;
    for (const std::string& problem : problems) report += "  - " + problem + "\n";
    ADD_FAILURE() << "Router and oracle disagree (seed " << seed << ", order " << number << "):\n"
                  << report << "router: " << describe(decision, network)
                  << "\noracle: " << describe(answer) << "\ncapacity taken:" << describe(taken)
                  << "\nreserved before routing:" << describe_reservations(world)
                  << "\norder: " << order_text << "\nnetwork: " << network_text
                  << "inventory: " << inventory_text << "policy: " << policy_text;
    if (++tally.failed_cases >= kFailedCasesReported) return;
  }
}

std::string summary(const Tally& tally) {
  std::string text = std::to_string(tally.cases) + " orders: " + std::to_string(tally.routed) +
                     " routed (" + std::to_string(tally.split) + " split), " +
                     std::to_string(tally.backordered) + " backordered;";
  for (std::size_t reason = 1; reason < tally.reasons.size(); ++reason) {
    if (tally.reasons[reason] == 0) continue;
    text += std::string(" ") + fbs::EnumNameReasonCode(static_cast<fbs::ReasonCode>(reason)) + " " +
            std::to_string(tally.reasons[reason]);
  }
  return text;
}

int reason_count(const Tally& tally, fbs::ReasonCode reason) {
  return tally.reasons[static_cast<std::size_t>(reason)];
}

// 600 worlds of 5 orders: 3000 decisions.
constexpr int kExhaustiveWorlds = 600;
constexpr int kOrdersPerWorld = 5;
constexpr std::uint64_t kExhaustiveSeed = 0x5eed'0000;

TEST(RouterOracle, SmallOrdersGetTheOptimalPlanOrTheDocumentedReason) {
  const CaseKind kind{WorldShape{}, 1, 5, true};
  Tally tally;
  for (int w = 0; w < kExhaustiveWorlds && tally.failed_cases < kFailedCasesReported; ++w) {
    run_world(kExhaustiveSeed + static_cast<std::uint64_t>(w), kind, kOrdersPerWorld, tally);
  }
  std::cout << "[ oracle   ] " << summary(tally) << "\n";
  // The worlds exercise what they are meant to: plans of one and several shipments, and
  // every reason section 3 can give.
  EXPECT_GT(tally.routed, tally.cases / 5);
  EXPECT_GT(tally.split, tally.cases / 50);
  EXPECT_GT(tally.backordered, 0);
  for (fbs::ReasonCode reason :
       {fbs::ReasonCode::no_inventory, fbs::ReasonCode::excluded_by_policy,
        fbs::ReasonCode::promise_unmeetable, fbs::ReasonCode::no_capacity,
        fbs::ReasonCode::no_carrier_service, fbs::ReasonCode::too_many_shipments}) {
    EXPECT_GT(reason_count(tally, reason), 0) << fbs::EnumNameReasonCode(reason);
  }
}

// Worlds where plans tie often: many nodes with prices of 0 or 100 cents, each SKU
// stocked at some of them, no capacity limits or exclusions, orders of 2-5 lines.
constexpr int kCrowdedWorlds = 400;
constexpr std::uint64_t kCrowdedSeed = 0xc0c0'0000;

WorldShape crowded_shape() {
  WorldShape shape;
  shape.nodes_min = 4;
  shape.nodes_max = 6;
  shape.skus_min = 3;
  shape.skus_max = 6;
  shape.sku_weight_max = 3000;
  shape.stock_probability = 0.5;
  shape.ample_stock = true;
  shape.disabled_probability = 0.0;
  shape.limited_capacity_probability = 0.0;
  shape.exclusions_max = 0;
  shape.eligible_kinds_probability = 0.0;
  shape.coarse_money_probability = 1.0;
  return shape;
}

TEST(RouterOracle, SplitOrdersOnCrowdedNetworksFollowTheDocumentedTieBreaks) {
  const CaseKind kind{crowded_shape(), 2, 5, true};
  Tally tally;
  for (int w = 0; w < kCrowdedWorlds && tally.failed_cases < kFailedCasesReported; ++w) {
    run_world(kCrowdedSeed + static_cast<std::uint64_t>(w), kind, kOrdersPerWorld, tally);
  }
  std::cout << "[ oracle   ] " << summary(tally) << "\n";
  EXPECT_GT(tally.split, tally.cases / 10);
}

constexpr int kBoundedWorlds = 60;
constexpr std::uint64_t kBoundedSeed = 0xb0b0'0000;

WorldShape large_order_shape() {
  WorldShape shape;
  shape.nodes_min = 2;
  shape.nodes_max = 3;
  shape.skus_min = 11;
  shape.skus_max = 12;
  shape.sku_weight_max = 600;
  shape.stock_probability = 0.95;
  shape.ample_stock = true;
  shape.eligible_kinds_probability = 0.05;
  shape.disabled_probability = 0.0;
  shape.limited_capacity_probability = 0.2;
  shape.exclusions_max = 1;
  return shape;
}

TEST(RouterOracle, LargeOrdersGetAFeasiblePlanNoCheaperThanTheOptimum) {
  const CaseKind kind{large_order_shape(), 9, 11, false};
  Tally tally;
  for (int w = 0; w < kBoundedWorlds && tally.failed_cases < kFailedCasesReported; ++w) {
    run_world(kBoundedSeed + static_cast<std::uint64_t>(w), kind, kOrdersPerWorld, tally);
  }
  std::cout << "[ oracle   ] " << summary(tally) << "; routed above the optimum "
            << tally.above_optimum << ", not routed although a plan exists " << tally.missed_plans
            << "\n";
  EXPECT_GT(tally.routed, tally.cases / 5);
}

// ---------------------------------------------------------------------------------------
// Built or added: a pair added to the inventory table after it was built
// (InventoryTable::add_cell) is routed exactly as if it had been in the snapshot. Each
// world's table is rebuilt from a random part of its pairs, the rest added afterwards in
// a random order, with the same reservations; every order's decision document, from
// route() on each table, must be the same bytes.

InventoryTable grown_copy(const InventoryTable& built, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::vector<StockRecord> at_build;
  std::vector<StockRecord> added_later;
  for (std::uint32_t sku = 0; sku < built.sku_count(); ++sku) {
    for (const InventoryCell& cell : built.stocked_nodes(sku)) {
      const StockLevels levels = cell.levels();
      const StockRecord record{sku, cell.node_index(), levels.on_hand, levels.reserved};
      (random() % 2 == 0 ? at_build : added_later).push_back(record);
    }
  }
  std::shuffle(added_later.begin(), added_later.end(), random);
  InventoryTable grown =
      InventoryTable::build(built.sku_count(), at_build, added_later.size()).value();
  for (const StockRecord& record : added_later) {
    const InventoryCell* cell =
        grown.add_cell(record.sku_index, record.node_index, record.on_hand).value();
    if (record.reserved > 0) {
      EDGEROUTE_ASSERT(grown.try_reserve(*cell, record.reserved, 0).value().reserved,
                       "the reservation fitted the built cell");
    }
  }
  return grown;
}

std::vector<std::uint8_t> routed_document(Router& router, const OrderRequest& order,
                                          const RoutingModel& model, InventoryTable& inventory) {
  CapacityCounters capacity(model.network().node_count());
  PlanReservation reservation(inventory, capacity);
  const RoutingDecision& decision = router.route(order, model, inventory, capacity, reservation);
  const io::DecisionDocument document = io::build_decision(decision, order, model, kFirstOrderUtc);
  if (reservation.holds_reservation()) reservation.release();
  return document.bytes();
}

// Returns how many orders were compared.
int compare_built_and_added(std::uint64_t seed, const CaseKind& kind, int orders) {
  WorldGenerator generator(seed);
  const World world = generator.world(kind.shape);
  std::optional<testing::RoutingFixture> fixture = testing::RoutingFixture::load(
      network_json(world), inventory_json(world), policy_json(world), kFirstOrderUtc);
  if (!fixture) {
    ADD_FAILURE() << "seed " << seed << " does not load";
    return 0;
  }
  InventoryTable& built = fixture->inventory();
  // Earlier decisions' reservations, as in the oracle's worlds.
  for (std::uint32_t sku = 0; sku < built.sku_count(); ++sku) {
    for (const InventoryCell& cell : built.stocked_nodes(sku)) {
      const std::int32_t on_hand = cell.levels().on_hand;
      if (on_hand == 0 || !generator.coin(0.25)) continue;
      const std::int32_t units = generator.uniform(1, std::max(1, on_hand / 2));
      EDGEROUTE_ASSERT(built.try_reserve(cell, units, 0).value().reserved, "units are there");
    }
  }
  InventoryTable grown = grown_copy(built, seed);
  Router router_built;
  Router router_grown;
  int compared = 0;
  for (int number = 0; number < orders; ++number) {
    const WorldOrder order = generator.order(world, kind.lines_min, kind.lines_max, number);
    const std::string order_text = order_json(world, order);
    const OrderRequest request = fixture->order(order_text);
    const std::vector<std::uint8_t> from_built =
        routed_document(router_built, request, fixture->model(), built);
    const std::vector<std::uint8_t> from_grown =
        routed_document(router_grown, request, fixture->model(), grown);
    if (from_built != from_grown) {
      ADD_FAILURE() << "seed " << seed << ", order " << number
                    << ": the decision differs when some pairs were added after build\n"
                    << "order: " << order_text << "\nnetwork: " << network_json(world)
                    << "inventory: " << inventory_json(world) << "policy: " << policy_json(world);
      return compared;
    }
    ++compared;
  }
  return compared;
}

constexpr std::uint64_t kGrowthSeed = 0x96a0'0000;

TEST(RouterInventoryGrowth, PlansAreTheSameWhetherPairsWereBuiltOrAddedLater) {
  const std::array<std::pair<CaseKind, int>, 3> kinds = {{
      {CaseKind{WorldShape{}, 1, 5, true}, 150},
      {CaseKind{crowded_shape(), 2, 5, true}, 100},
      {CaseKind{large_order_shape(), 9, 11, false}, 30},
  }};
  int compared = 0;
  std::uint64_t seed = kGrowthSeed;
  for (const auto& [kind, worlds] : kinds) {
    for (int w = 0; w < worlds; ++w) compared += compare_built_and_added(seed++, kind, 5);
  }
  EXPECT_EQ(compared, 5 * (150 + 100 + 30));
}

}  // namespace
}  // namespace edgeroute::routing
