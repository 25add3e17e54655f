#include "edgeroute/demo/default_world.h"

#include <array>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "edgeroute/demo/random.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::demo {
namespace {

// Tuesday 24 November 2026, 06:00 UTC: before the first pick window opens anywhere.
constexpr std::string_view kSnapshotTakenAt = "2026-11-24T06:00:00Z";

using routing::fbs::NodeKind;

struct NodeSpec {
  std::string_view id;
  NodeKind kind;
  std::string_view postal_code;
  std::string_view time_zone;
  std::string_view services;  // carrier service ids with their cut-offs, as JSON
  std::uint32_t on_time_bp, fill_bp, acceptance_bp;
  std::uint32_t partner_fee_cents;
};

// Cut-offs: owned and partner warehouses hand over late in the evening; stores before
// closing; drop-shippers mid-afternoon.
constexpr std::string_view kFcServices =
    R"([{ "service_id": "ups-ground", "cutoff": "20:00" }, { "service_id": "ups-2day", "cutoff": "19:00" }, )"
    R"({ "service_id": "ups-next-day", "cutoff": "18:00" }, { "service_id": "fedex-ground", "cutoff": "20:00" }, )"
    R"({ "service_id": "fedex-2day", "cutoff": "19:00" }, { "service_id": "fedex-next-day", "cutoff": "18:30" }, )"
    R"({ "service_id": "usps-ground", "cutoff": "17:00" }, { "service_id": "usps-priority", "cutoff": "17:00" }, )"
    R"({ "service_id": "usps-express", "cutoff": "16:00" }])";
constexpr std::string_view kStoreServices =
    R"([{ "service_id": "ups-ground", "cutoff": "17:00" }, { "service_id": "ups-next-day", "cutoff": "15:00" }, )"
    R"({ "service_id": "usps-ground", "cutoff": "16:00" }])";
constexpr std::string_view k3plServices =
    R"([{ "service_id": "fedex-ground", "cutoff": "21:00" }, { "service_id": "fedex-2day", "cutoff": "19:00" }, )"
    R"({ "service_id": "fedex-next-day", "cutoff": "18:00" }, { "service_id": "ups-ground", "cutoff": "20:00" }])";
constexpr std::string_view kDropshipServices =
    R"([{ "service_id": "usps-ground", "cutoff": "15:00" }, { "service_id": "usps-priority", "cutoff": "15:00" }, )"
    R"({ "service_id": "fedex-ground", "cutoff": "16:00" }])";

constexpr std::array kNodes{
    NodeSpec{"fc-columbus-oh", NodeKind::owned_fc, "43217", "America/New_York", kFcServices, 9900,
             9950, 10000, 0},
    NodeSpec{"store-brooklyn-ny", NodeKind::store, "11201", "America/New_York", kStoreServices,
             9500, 9300, 9800, 0},
    NodeSpec{"store-chicago-il", NodeKind::store, "60614", "America/Chicago", kStoreServices, 9600,
             9400, 9850, 0},
    NodeSpec{"store-austin-tx", NodeKind::store, "78701", "America/Chicago", kStoreServices, 9450,
             9250, 9800, 0},
    NodeSpec{"store-denver-co", NodeKind::store, "80202", "America/Denver", kStoreServices, 9550,
             9350, 9800, 0},
    NodeSpec{"store-seattle-wa", NodeKind::store, "98101", "America/Los_Angeles", kStoreServices,
             9500, 9300, 9750, 0},
    NodeSpec{"3pl-reno-nv", NodeKind::partner_3pl, "89502", "America/Los_Angeles", k3plServices,
             9750, 9850, 9950, 160},
    NodeSpec{"3pl-atlanta-ga", NodeKind::partner_3pl, "30336", "America/New_York", k3plServices,
             9700, 9800, 9900, 150},
    NodeSpec{"3pl-allentown-pa", NodeKind::partner_3pl, "18106", "America/New_York", k3plServices,
             9800, 9850, 9950, 170},
    NodeSpec{"3pl-dallas-tx", NodeKind::partner_3pl, "75261", "America/Chicago", k3plServices, 9650,
             9750, 9900, 145},
    NodeSpec{"ds-outdoor-gear-ca", NodeKind::dropship, "90058", "America/Los_Angeles",
             kDropshipServices, 9100, 9400, 9500, 350},
    NodeSpec{"ds-home-goods-nc", NodeKind::dropship, "28273", "America/New_York", kDropshipServices,
             9000, 9300, 9400, 320},
    NodeSpec{"ds-bulky-az", NodeKind::dropship, "85043", "America/Phoenix", kDropshipServices, 8900,
             9200, 9300, 420},
};

std::string pick_windows(NodeKind kind) {
  struct Window {
    std::string_view weekday, opens, closes;
  };
  std::span<const Window> windows;
  static constexpr std::array<Window, 7> kFc{{{"monday", "06:00", "23:00"},
                                              {"tuesday", "06:00", "23:00"},
                                              {"wednesday", "06:00", "23:00"},
                                              {"thursday", "06:00", "23:00"},
                                              {"friday", "06:00", "23:00"},
                                              {"saturday", "07:00", "19:00"},
                                              {"sunday", "08:00", "16:00"}}};
  static constexpr std::array<Window, 7> kStore{{{"monday", "10:00", "20:00"},
                                                 {"tuesday", "10:00", "20:00"},
                                                 {"wednesday", "10:00", "20:00"},
                                                 {"thursday", "10:00", "20:00"},
                                                 {"friday", "10:00", "21:00"},
                                                 {"saturday", "10:00", "21:00"},
                                                 {"sunday", "11:00", "18:00"}}};
  static constexpr std::array<Window, 6> k3pl{{{"monday", "07:00", "23:00"},
                                               {"tuesday", "07:00", "23:00"},
                                               {"wednesday", "07:00", "23:00"},
                                               {"thursday", "07:00", "23:00"},
                                               {"friday", "07:00", "23:00"},
                                               {"saturday", "08:00", "14:00"}}};
  static constexpr std::array<Window, 5> kDropship{{{"monday", "08:00", "17:00"},
                                                    {"tuesday", "08:00", "17:00"},
                                                    {"wednesday", "08:00", "17:00"},
                                                    {"thursday", "08:00", "17:00"},
                                                    {"friday", "08:00", "17:00"}}};
  switch (kind) {
    case NodeKind::owned_fc: windows = kFc; break;
    case NodeKind::store: windows = kStore; break;
    case NodeKind::partner_3pl: windows = k3pl; break;
    case NodeKind::dropship: windows = kDropship; break;
  }
  std::string json = "[";
  for (const Window& window : windows) {
    if (json.size() > 1) json += ", ";
    json += fmt::format(R"({{ "weekday": "{}", "opens": "{}", "closes": "{}" }})", window.weekday,
                        window.opens, window.closes);
  }
  return json + "]";
}

struct NodeEconomics {
  std::uint32_t processing_minutes;
  std::uint32_t orders_per_day, units_per_day;  // 0: no limit
  std::uint32_t per_order_cents, per_unit_cents;
  std::string_view closed_dates;
};

NodeEconomics economics(NodeKind kind) {
  switch (kind) {
    case NodeKind::owned_fc: return {120, 3500, 11000, 150, 25, R"(["2026-11-26", "2026-12-25"])"};
    case NodeKind::store: return {240, 120, 300, 380, 60, R"(["2026-11-26", "2026-12-25"])"};
    case NodeKind::partner_3pl:
      return {180, 1500, 4500, 90, 20, R"(["2026-11-26", "2026-11-27", "2026-12-25"])"};
    case NodeKind::dropship:
      return {1440, 0, 0, 0, 0, R"(["2026-11-26", "2026-11-27", "2026-12-24", "2026-12-25"])"};
  }
  return {};
}

std::string node_json(const NodeSpec& node) {
  const NodeEconomics costs = economics(node.kind);
  return fmt::format(
      R"({{ "id": "{}", "kind": "{}", "postal_code": "{}", "time_zone": "{}", )"
      R"("processing_minutes": {}, "pick_windows": {}, "closed_dates": {}, "services": {}, )"
      R"("capacity": {{ "orders_per_day": {}, "units_per_day": {} }}, )"
      R"("costs": {{ "per_order_cents": {}, "per_unit_cents": {}, "partner_fee_cents": {} }}, )"
      R"("health": {{ "on_time_bp": {}, "fill_bp": {}, "acceptance_bp": {} }} }})",
      node.id, routing::fbs::EnumNameNodeKind(node.kind), node.postal_code, node.time_zone,
      costs.processing_minutes, pick_windows(node.kind), costs.closed_dates, node.services,
      costs.orders_per_day, costs.units_per_day, costs.per_order_cents, costs.per_unit_cents,
      node.partner_fee_cents, node.on_time_bp, node.fill_bp, node.acceptance_bp);
}

struct ServiceSpec {
  std::string_view id, carrier, level;
  std::array<int, 8> transit_days;
  bool business_days;
  int base_cents, zone_step_cents;
};

// Published-rate-like cards: a price per zone grows by a fixed step, and heavier
// parcels pay a multiple of it (percent, by weight break).
constexpr std::array kServices{
    ServiceSpec{"ups-ground", "UPS", "ground", {1, 2, 2, 3, 4, 4, 5, 5}, true, 895, 45},
    ServiceSpec{"ups-2day", "UPS", "two_day", {2, 2, 2, 2, 2, 2, 2, 2}, true, 1990, 140},
    ServiceSpec{"ups-next-day", "UPS", "next_day", {1, 1, 1, 1, 1, 1, 1, 1}, true, 3650, 330},
    ServiceSpec{"fedex-ground", "FedEx", "ground", {1, 1, 2, 3, 4, 5, 5, 5}, true, 910, 48},
    ServiceSpec{"fedex-2day", "FedEx", "two_day", {2, 2, 2, 2, 2, 2, 2, 2}, true, 1950, 145},
    ServiceSpec{"fedex-next-day", "FedEx", "next_day", {1, 1, 1, 1, 1, 1, 1, 1}, true, 3590, 335},
    // USPS delivers on Saturdays: its ground transit counts calendar days.
    ServiceSpec{"usps-ground", "USPS", "ground", {2, 2, 3, 3, 4, 5, 5, 6}, false, 640, 40},
    ServiceSpec{"usps-priority", "USPS", "two_day", {2, 2, 2, 2, 2, 2, 2, 2}, false, 1100, 120},
    ServiceSpec{"usps-express", "USPS", "next_day", {1, 1, 1, 1, 1, 1, 1, 1}, false, 2895, 300},
};

struct WeightBreak {
  int up_to_grams, percent;
};
constexpr std::array<WeightBreak, 4> kGroundBreaks{
    {{454, 100}, {2268, 135}, {9072, 220}, {31751, 360}}};
constexpr std::array<WeightBreak, 4> kExpressBreaks{
    {{454, 100}, {2268, 115}, {9072, 210}, {31751, 380}}};

std::string service_json(const ServiceSpec& service) {
  const auto& breaks = service.level == "ground" ? kGroundBreaks : kExpressBreaks;
  std::string rates;
  for (int zone = 1; zone <= 8; ++zone) {
    if (!rates.empty()) rates += ", ";
    rates += fmt::format(R"({{ "zone": {}, "breaks": [)", zone);
    const int zone_cents = service.base_cents + service.zone_step_cents * (zone - 1);
    for (std::size_t i = 0; i < breaks.size(); ++i) {
      rates += fmt::format(R"({}{{ "up_to_grams": {}, "cents": {} }})", i == 0 ? "" : ", ",
                           breaks[i].up_to_grams, zone_cents * breaks[i].percent / 100);
    }
    rates += "] }";
  }
  return fmt::format(R"({{ "id": "{}", "carrier": "{}", "level": "{}", "transit_days": [{}], )"
                     R"("transit_business_days": {}, "rates": [{}] }})",
                     service.id, service.carrier, service.level,
                     fmt::join(service.transit_days, ", "), service.business_days, rates);
}

struct Sku {
  std::string id;
  int weight_grams = 0;
  bool hazmat = false;
  bool oversize = false;
  bool fragile = false;
};

Sku draw_sku(std::uint32_t index, DemoRandom& random) {
  Sku sku;
  sku.id = fmt::format("sku-{:05}", index + 1);
  const std::uint64_t size_class = random.below(100);
  if (size_class < 70) {
    sku.weight_grams = static_cast<int>(random.between(80, 1200));
  } else if (size_class < 90) {
    sku.weight_grams = static_cast<int>(random.between(1200, 4500));
  } else if (size_class < 98) {
    sku.weight_grams = static_cast<int>(random.between(4500, 13000));
  } else {
    sku.weight_grams = static_cast<int>(random.between(12000, 30000));
    sku.oversize = true;
  }
  sku.hazmat = random.chance(20);
  sku.fragile = !sku.oversize && random.chance(50);
  return sku;
}

std::string sku_json(const Sku& sku) {
  std::string json = fmt::format(R"({{ "id": "{}", "weight_grams": {})", sku.id, sku.weight_grams);
  if (sku.hazmat) {
    // Only warehouses certified for dangerous goods may ship it.
    json += R"(, "handling": "hazmat", "eligible_node_kinds": ["owned_fc", "partner_3pl"])";
  } else if (sku.oversize) {
    json += R"(, "handling": "oversize")";
  } else if (sku.fragile) {
    json += R"(, "handling": "fragile")";
  }
  return json + " }";
}

// Where stock sits: the owned FC carries the head of the catalog deep, stores a shallow
// slice of the best sellers, the 3PLs overlapping halves of all but the tail, and the
// drop-shippers the long tail (the bulky one every oversize SKU). Depth follows
// popularity (rank 1 sells most), so a day of demand empties some shelves and the
// router has to look further.
std::uint32_t draw_on_hand(const NodeSpec& node, std::uint32_t rank, const Sku& sku,
                           DemoRandom& random) {
  const std::uint32_t popularity = rank + 1;
  switch (node.kind) {
    case NodeKind::owned_fc:
      if (rank >= 7000) return 0;
      return 700 / popularity + static_cast<std::uint32_t>(random.below(7));
    case NodeKind::store:
      if (rank >= 2000 || sku.hazmat || sku.oversize || !random.chance(600)) return 0;
      return static_cast<std::uint32_t>(random.between(1, 8));
    case NodeKind::partner_3pl:
      if (rank >= 9000 || !random.chance(500)) return 0;
      return 250 / popularity + static_cast<std::uint32_t>(random.below(11));
    case NodeKind::dropship:
      if (sku.hazmat) return 0;
      if (node.id == "ds-bulky-az") {
        return sku.oversize ? static_cast<std::uint32_t>(random.between(20, 150)) : 0;
      }
      if (rank < 2500 || !random.chance(350)) return 0;
      return static_cast<std::uint32_t>(random.between(10, 150));
  }
  return 0;
}

constexpr std::string_view kPolicy = R"({
  "schema_version": 1,
  "version": 1,
  "expires_at": "2027-06-30T00:00:00Z",
  "weights": {
    "risk_centicents_per_bp": 10,
    "lateness_cents_per_day": 1500,
    "split_cents": 600,
    "owned_bias_cents": 100
  },
  "max_shipments": 3,
  "exclusions": [
    { "channel": "marketplace", "node_kinds": ["dropship"], "reason": "marketplace SLA requires tracked partner warehouses" },
    { "sku_handling": "oversize", "node_kinds": ["store"], "reason": "stores cannot stage oversize parcels" }
  ],
  "owned_only_channels": ["loyalty-premium"],
  "safety_stock": [
    { "units": 1 },
    { "node_id": "store-brooklyn-ny", "units": 2 },
    { "node_id": "store-chicago-il", "units": 2 },
    { "node_id": "store-austin-tx", "units": 2 },
    { "node_id": "store-denver-co", "units": 2 },
    { "node_id": "store-seattle-wa", "units": 2 }
  ],
  "capacity_throttles": [{ "node_id": "3pl-dallas-tx", "percent": 80 }],
  "backorder_rule": "backorder",
  "backorder_node_id": "fc-columbus-oh"
}
)";

}  // namespace

DefaultWorld make_default_world(const WorldOptions& options) {
  DemoRandom random(options.seed);
  DefaultWorld world;

  std::vector<Sku> skus;
  skus.reserve(options.sku_count);
  for (std::uint32_t index = 0; index < options.sku_count; ++index) {
    skus.push_back(draw_sku(index, random));
  }

  std::string& network = world.network_json;
  network = "{\n  \"schema_version\": 1,\n  \"version\": 1,\n  \"nodes\": [\n";
  for (std::size_t i = 0; i < kNodes.size(); ++i) {
    network += fmt::format("    {}{}\n", node_json(kNodes[i]), i + 1 < kNodes.size() ? "," : "");
  }
  network += "  ],\n  \"carrier_services\": [\n";
  for (std::size_t i = 0; i < kServices.size(); ++i) {
    network +=
        fmt::format("    {}{}\n", service_json(kServices[i]), i + 1 < kServices.size() ? "," : "");
  }
  network += "  ],\n  \"skus\": [\n";
  for (std::size_t i = 0; i < skus.size(); ++i) {
    network += fmt::format("    {}{}\n", sku_json(skus[i]), i + 1 < skus.size() ? "," : "");
  }
  network += "  ]\n}\n";

  std::string& inventory = world.inventory_json;
  inventory =
      fmt::format("{{\n  \"schema_version\": 1,\n  \"taken_at\": \"{}\",\n  \"records\": [\n",
                  kSnapshotTakenAt);
  bool first_record = true;
  for (std::uint32_t rank = 0; rank < skus.size(); ++rank) {
    for (const NodeSpec& node : kNodes) {
      const std::uint32_t on_hand = draw_on_hand(node, rank, skus[rank], random);
      if (on_hand == 0) continue;
      inventory += fmt::format(R"({}    {{ "node_id": "{}", "sku_id": "{}", "on_hand": {} }})",
                               first_record ? "" : ",\n", node.id, skus[rank].id, on_hand);
      first_record = false;
    }
  }
  inventory += "\n  ]\n}\n";

  world.policy_json = kPolicy;
  world.skus_by_popularity.reserve(skus.size());
  for (Sku& sku : skus) world.skus_by_popularity.push_back(std::move(sku.id));
  for (const NodeSpec& node : kNodes) world.node_kinds.emplace(node.id, node.kind);
  world.snapshot_taken_at = *routing::parse_utc_instant(kSnapshotTakenAt);
  return world;
}

}  // namespace edgeroute::demo
