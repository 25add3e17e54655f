#include "routing_router_scenarios.h"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>
#include <utility>

#include "edgeroute/base/assert.h"
#include "edgeroute/routing/fbs/network_generated.h"
#include "edgeroute/routing/fbs/policy_generated.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/utc_offset_schedule.h"

namespace edgeroute::routing::bench {
namespace {

using fbs::NodeKind;
using Builder = flatbuffers::FlatBufferBuilder;

template <typename T>
T built(Result<T> result, const char* what) {
  EDGEROUTE_ASSERT(result.has_value(), what);
  return std::move(result).value();
}

std::shared_ptr<const Geography> shared_geography() {
  static const std::shared_ptr<const Geography> geography = std::make_shared<const Geography>(
      built(Geography::load_embedded(), "the embedded geography must load"));
  return geography;
}

std::int64_t heap_in_use_bytes() {
  const struct mallinfo2 info = mallinfo2();
  return static_cast<std::int64_t>(info.uordblks + info.hblkhd);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Uniform in [0, bound): the modulo bias is irrelevant at these bounds, and unlike
// std::uniform_int_distribution the sequence is the same with every standard library.
std::uint32_t below(std::mt19937_64& random, std::uint64_t bound) {
  return static_cast<std::uint32_t>(random() % bound);
}
bool chance(std::mt19937_64& random, std::uint32_t percent) {
  return below(random, 100) < percent;
}

// R1's nodes stand in real cities, spread over the lower 48 states.
constexpr std::array<const char*, 50> kCityPostalCodes = {
    "10001", "90012", "60601", "77002", "85004", "19103", "78205", "92101", "75201", "95113",
    "78701", "32202", "94103", "43215", "46204", "28202", "98101", "80202", "20001", "02108",
    "79901", "37203", "48226", "73102", "97204", "89101", "38103", "40202", "21202", "53202",
    "87102", "85701", "93721", "95814", "64105", "30303", "68102", "27601", "33131", "55401",
    "74103", "44113", "67202", "70112", "84101", "15222", "45202", "63101", "33602", "83702"};

// Kinds in the proportions of a retailer that ships from stores: of every 25 nodes, 3
// owned FCs, 4 3PLs, 3 drop-shippers and 15 stores.
NodeKind kind_of_node(std::uint32_t index) {
  switch (index % 25) {
    case 0:
    case 8:
    case 16: return NodeKind::owned_fc;
    case 4:
    case 12:
    case 20:
    case 24: return NodeKind::partner_3pl;
    case 6:
    case 14:
    case 22: return NodeKind::dropship;
    default: return NodeKind::store;
  }
}

// Standard time by longitude: what a calendar needs, without a tz database. Alaska and
// Hawaii lie west of the Pacific zone, Alaska north of Hawaii.
std::int32_t standard_offset_hours(Coordinates where) {
  if (where.longitude_degrees > -87.5) return -5;
  if (where.longitude_degrees > -102.0) return -6;
  if (where.longitude_degrees > -114.5) return -7;
  if (where.longitude_degrees > -130.0) return -8;
  return where.latitude_degrees > 50.0 ? -9 : -10;
}

struct ServiceSpec {
  const char* id;
  fbs::ServiceLevel level;
  std::array<std::uint8_t, 8> transit_days;
  std::array<std::int32_t, 6> breaks_grams;  // ascending; 0 ends the list early
  std::int32_t base_cents;
  std::int32_t per_zone_cents;
  std::int32_t per_break_cents;
};

constexpr std::array<ServiceSpec, 3> kServices = {{
    {.id = "ground",
     .level = fbs::ServiceLevel::ground,
     .transit_days = {1, 1, 2, 3, 4, 5, 5, 5},
     .breaks_grams = {1000, 2000, 5000, 10000, 20000, 31500},
     .base_cents = 650,
     .per_zone_cents = 55,
     .per_break_cents = 140},
    {.id = "two-day",
     .level = fbs::ServiceLevel::two_day,
     .transit_days = {2, 2, 2, 2, 2, 2, 2, 2},
     .breaks_grams = {1000, 2000, 5000, 10000, 20000, 0},
     .base_cents = 1350,
     .per_zone_cents = 110,
     .per_break_cents = 290},
    {.id = "next-day",
     .level = fbs::ServiceLevel::next_day,
     .transit_days = {1, 1, 1, 1, 1, 1, 1, 1},
     .breaks_grams = {1000, 2000, 5000, 10000, 0, 0},
     .base_cents = 2450,
     .per_zone_cents = 190,
     .per_break_cents = 480},
}};

flatbuffers::Offset<fbs::CarrierService> write_service(Builder& builder, const ServiceSpec& spec) {
  std::vector<flatbuffers::Offset<fbs::ZoneRates>> zones;
  for (std::uint8_t zone = 1; zone <= 8; ++zone) {
    std::vector<flatbuffers::Offset<fbs::WeightBreak>> breaks;
    for (std::size_t i = 0; i < spec.breaks_grams.size() && spec.breaks_grams[i] != 0; ++i) {
      const std::int32_t cents = spec.base_cents + spec.per_zone_cents * (zone - 1) +
                                 spec.per_break_cents * static_cast<std::int32_t>(i);
      breaks.push_back(fbs::CreateWeightBreak(builder, spec.breaks_grams[i], cents));
    }
    zones.push_back(fbs::CreateZoneRatesDirect(builder, zone, &breaks));
  }
  const std::vector<std::uint8_t> transit(spec.transit_days.begin(), spec.transit_days.end());
  return fbs::CreateCarrierServiceDirect(builder, spec.id, "parcel-co", spec.level, &transit, true,
                                         &zones);
}

// How a node of each kind works: pick windows, processing, cut-offs, costs.
struct NodeProfile {
  const char* opens;
  const char* closes;
  int last_weekday;  // open Monday..last_weekday
  std::int32_t processing_minutes;
  std::array<const char*, 3> cutoffs;  // ground, two-day, next-day; nullptr: not offered
  std::int32_t per_order_cents;
  std::int32_t per_unit_cents;
  std::int32_t partner_fee_cents;
  std::int32_t health_floor_bp;
};

NodeProfile profile_of(NodeKind kind) {
  switch (kind) {
    case NodeKind::owned_fc:
      return {"06:00", "23:00", 5, 90, {"20:00", "19:00", "17:00"}, 250, 40, 0, 9800};
    case NodeKind::store:
      return {"10:00", "20:00", 6, 180, {"17:00", "16:00", nullptr}, 350, 60, 0, 9400};
    case NodeKind::partner_3pl:
      return {"07:00", "19:00", 4, 120, {"18:00", "17:00", "16:00"}, 200, 35, 150, 9300};
    case NodeKind::dropship:
      return {"09:00", "17:00", 4, 480, {"15:00", nullptr, nullptr}, 100, 0, 300, 9000};
  }
  return profile_of(NodeKind::store);
}

std::string node_id(NodeKind kind, std::uint32_t index) {
  static constexpr std::array<const char*, 4> kPrefixes = {"fc", "store", "3pl", "ds"};
  return std::string(kPrefixes[static_cast<std::size_t>(kind)]) + "-" + std::to_string(index);
}

std::string sku_id(std::uint32_t index) {
  std::array<char, 16> text{};
  std::snprintf(text.data(), text.size(), "sku-%07u", static_cast<unsigned>(index));
  return text.data();
}

struct Site {
  std::string postal_code;
  std::int32_t offset_seconds = 0;
};

// R1: the cities; H: ZIP prefixes drawn from the geography's table.
std::vector<Site> sites_for(const ScenarioShape& shape, std::mt19937_64& random) {
  const Geography& geography = *shared_geography();
  std::vector<Site> sites;
  for (std::uint32_t i = 0; i < shape.node_count; ++i) {
    Site site;
    if (shape.node_count <= kCityPostalCodes.size()) {
      site.postal_code = kCityPostalCodes[i];
    } else {
      const Zip3 prefix = geography.prefixes()[below(random, geography.prefix_count())];
      site.postal_code = prefix.to_string() + "01";
    }
    const Zip3 located = built(geography.locate(site.postal_code), "a site's postal code");
    site.offset_seconds = standard_offset_hours(geography.centroid(located)) * 3600;
    sites.push_back(std::move(site));
  }
  return sites;
}

flatbuffers::Offset<fbs::Node> write_node(Builder& builder, std::uint32_t index, const Site& site,
                                          std::mt19937_64& random) {
  const NodeKind kind = kind_of_node(index);
  const NodeProfile profile = profile_of(kind);
  std::vector<flatbuffers::Offset<fbs::PickWindow>> windows;
  for (int weekday = 0; weekday <= profile.last_weekday; ++weekday) {
    windows.push_back(fbs::CreatePickWindowDirect(builder, static_cast<fbs::Weekday>(weekday),
                                                  profile.opens, profile.closes));
  }
  std::vector<flatbuffers::Offset<flatbuffers::String>> closed;
  for (const char* date : {"2026-05-25", "2026-07-03", "2026-09-07", "2026-11-26", "2026-12-25"}) {
    closed.push_back(builder.CreateString(date));
  }
  std::vector<flatbuffers::Offset<fbs::NodeService>> services;
  for (std::size_t s = 0; s < kServices.size(); ++s) {
    if (profile.cutoffs[s] == nullptr) continue;
    services.push_back(fbs::CreateNodeServiceDirect(builder, kServices[s].id, profile.cutoffs[s]));
  }
  const std::int32_t hours_west = -site.offset_seconds / 3600;
  const std::string time_zone = "Etc/GMT+" + std::to_string(hours_west);
  const std::int32_t spread = 10000 - profile.health_floor_bp + 1;
  const auto health = [&] {
    return profile.health_floor_bp +
           static_cast<std::int32_t>(below(random, static_cast<std::uint64_t>(spread)));
  };
  const auto costs = fbs::CreateNodeCosts(
      builder, profile.per_order_cents + static_cast<std::int32_t>(below(random, 60)),
      profile.per_unit_cents, profile.partner_fee_cents);
  const auto node_health = fbs::CreateNodeHealth(builder, health(), health(), health());
  // Capacity 0: unlimited, so that no benchmark loop fills a node's day.
  const auto capacity = fbs::CreateNodeCapacity(builder, 0, 0);
  return fbs::CreateNodeDirect(builder, node_id(kind, index).c_str(), kind,
                               site.postal_code.c_str(), time_zone.c_str(),
                               profile.processing_minutes, &windows, &closed, &services, capacity,
                               costs, node_health, true, "gw-bench");
}

// Light parcels mostly, one SKU in ten heavy; a few hazmat, oversize or fragile; one
// in twenty not for stores and drop-shippers.
void write_skus(Builder& builder, std::uint32_t sku_count, std::mt19937_64& random,
                std::vector<flatbuffers::Offset<fbs::Sku>>& skus) {
  const std::vector<NodeKind> warehouse_only = {NodeKind::owned_fc, NodeKind::partner_3pl};
  const auto warehouse_kinds = builder.CreateVector(warehouse_only);
  skus.reserve(sku_count);
  for (std::uint32_t i = 0; i < sku_count; ++i) {
    const std::string id = sku_id(i);
    const auto id_offset = builder.CreateString(id);
    const std::int32_t weight = chance(random, 90)
                                    ? 100 + static_cast<std::int32_t>(below(random, 1900))
                                    : 2000 + static_cast<std::int32_t>(below(random, 8000));
    const std::uint32_t roll = below(random, 100);
    const fbs::HandlingFlags handling = roll < 3    ? fbs::HandlingFlags::hazmat
                                        : roll < 5  ? fbs::HandlingFlags::oversize
                                        : roll < 10 ? fbs::HandlingFlags::fragile
                                                    : static_cast<fbs::HandlingFlags>(0);
    skus.push_back(fbs::CreateSku(builder, id_offset, weight, handling,
                                  chance(random, 5) ? warehouse_kinds : 0));
  }
}

std::vector<std::uint8_t> write_network(const ScenarioShape& shape, std::mt19937_64& random,
                                        std::vector<Site>& sites) {
  Builder builder(std::size_t{64} << 20);
  sites = sites_for(shape, random);
  std::vector<flatbuffers::Offset<fbs::Node>> nodes;
  for (std::uint32_t i = 0; i < shape.node_count; ++i) {
    nodes.push_back(write_node(builder, i, sites[i], random));
  }
  std::vector<flatbuffers::Offset<fbs::CarrierService>> services;
  for (const ServiceSpec& spec : kServices) services.push_back(write_service(builder, spec));
  std::vector<flatbuffers::Offset<fbs::Sku>> skus;
  write_skus(builder, shape.sku_count, random, skus);
  builder.Finish(fbs::CreateNetworkDirect(builder, 1, 1, &nodes, &services, &skus));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

std::vector<std::uint8_t> write_policy(const NetworkModel& network, std::int32_t max_shipments,
                                       std::uint64_t version) {
  Builder builder(4096);
  const auto step = static_cast<std::int32_t>(version % 8);
  const auto weights =
      fbs::CreateObjectiveWeights(builder, 10 + step, 500, 300 + 25 * step, 50 + 5 * step);
  const std::vector<NodeKind> stores = {NodeKind::store};
  const std::vector<NodeKind> stores_and_dropship = {NodeKind::store, NodeKind::dropship};
  std::vector<flatbuffers::Offset<fbs::Exclusion>> exclusions = {
      fbs::CreateExclusionDirect(builder, nullptr, fbs::HandlingFlags::hazmat, &stores,
                                 "stores do not ship hazmat"),
      fbs::CreateExclusionDirect(builder, nullptr, fbs::HandlingFlags::oversize,
                                 &stores_and_dropship, "oversize ships from warehouses"),
  };
  std::vector<flatbuffers::Offset<flatbuffers::String>> owned_only = {
      builder.CreateString("employee")};
  std::vector<flatbuffers::Offset<fbs::NodePreference>> preferences = {
      fbs::CreateNodePreferenceDirect(builder, network.node(0).id.c_str(), -25),
      fbs::CreateNodePreferenceDirect(builder, network.node(1).id.c_str(), 40),
  };
  // A default, node figures for a few stores and SKU figures for a hundred SKUs: the
  // lookup a decision makes per line is then a real hash probe.
  std::vector<flatbuffers::Offset<fbs::SafetyStock>> safety_stock = {
      fbs::CreateSafetyStockDirect(builder, nullptr, nullptr, 1)};
  for (std::uint32_t n = 0, stores_given = 0; n < network.node_count() && stores_given < 5; ++n) {
    if (network.node(n).kind != NodeKind::store) continue;
    safety_stock.push_back(
        fbs::CreateSafetyStockDirect(builder, network.node(n).id.c_str(), nullptr, 2));
    ++stores_given;
  }
  for (std::uint32_t s = 0; s < 100; ++s) {
    const std::uint32_t sku = s * (network.sku_count() / 100);
    safety_stock.push_back(fbs::CreateSafetyStockDirect(
        builder, nullptr, std::string(network.sku_id(sku)).c_str(), 3));
  }
  builder.Finish(fbs::CreatePolicyDirect(builder, 1, version, "2027-01-01T00:00:00Z", weights,
                                         max_shipments, &exclusions, &owned_only, &preferences,
                                         &safety_stock));
  return {builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize()};
}

constexpr std::int32_t kGenerousOnHand = 1'000'000;

// As ScenarioShape::stocked_nodes_per_sku says.
std::vector<StockRecord> stock_records(const ScenarioShape& shape, std::mt19937_64& random) {
  std::vector<StockRecord> records;
  std::vector<std::uint32_t> nodes(shape.node_count);
  std::iota(nodes.begin(), nodes.end(), 0u);
  if (shape.stocked_nodes_per_sku != 0) {
    records.reserve(std::size_t{shape.sku_count} * shape.stocked_nodes_per_sku);
    for (std::uint32_t sku = 0; sku < shape.sku_count; ++sku) {
      for (std::uint32_t i = 0; i < shape.stocked_nodes_per_sku;
           ++i) {  // a partial Fisher-Yates shuffle
        std::swap(nodes[i], nodes[i + below(random, shape.node_count - i)]);
        records.push_back({sku, nodes[i], kGenerousOnHand});
      }
    }
    return records;
  }
  std::vector<bool> flagship(shape.node_count, false);
  for (std::uint32_t n = 0, given = 0; n < shape.node_count && given < 5; ++n) {
    if (kind_of_node(n) == NodeKind::owned_fc) {
      flagship[n] = true;
      ++given;
    }
  }
  for (std::uint32_t sku = 0; sku < shape.sku_count; ++sku) {
    for (std::uint32_t n = 0; n < shape.node_count; ++n) {
      if (flagship[n] || chance(random, 30)) records.push_back({sku, n, kGenerousOnHand});
    }
  }
  return records;
}

// Orders over three days from Thursday 2026-06-18 00:00 UTC: weekdays, a Saturday (3PLs
// and drop-shippers closed), waits over the weekend. In the order they were placed, as a
// gateway receives them; their packing days span less than CapacityCounters::kDaySlots
// days, as a live stream's do.
std::vector<OrderRequest> make_orders(const ScenarioShape& shape, const NetworkModel& network,
                                      std::mt19937_64& random) {
  const UnixSeconds first = *parse_utc_instant("2026-06-18T00:00:00Z");
  const std::span<const Zip3> destinations = shared_geography()->prefixes();
  std::vector<OrderRequest> orders(shape.order_count);
  for (OrderRequest& order : orders) {
    order.id = "bench-order";
    order.correlation_id = order.id;
    const std::uint32_t channel = below(random, 100);
    order.channel = channel < 90 ? "web" : channel < 95 ? "marketplace" : "employee";
    order.line_count = shape.lines_per_order;
    for (std::uint8_t l = 0; l < shape.lines_per_order; ++l) {
      std::uint32_t sku = 0;
      bool repeated = true;
      while (repeated) {  // an order names each SKU once
        sku = below(random, network.sku_count());
        repeated = std::any_of(order.lines.begin(), order.lines.begin() + l,
                               [&](const OrderLineRequest& line) { return line.sku_index == sku; });
      }
      const std::uint32_t quantity = below(random, 100);
      order.lines[l] = {sku, quantity < 85 ? 1 : quantity < 97 ? 2 : 3};
    }
    order.destination = destinations[below(random, destinations.size())];
    order.created_at_utc = first + below(random, 3 * kSecondsPerDay);
    const std::uint32_t level = below(random, 100);
    order.requested_level = level < 75   ? fbs::ServiceLevel::ground
                            : level < 93 ? fbs::ServiceLevel::two_day
                                         : fbs::ServiceLevel::next_day;
    if (chance(random, 30)) order.latest_delivery_day = day_of(order.created_at_utc) + 5;
  }
  std::stable_sort(orders.begin(), orders.end(), [](const OrderRequest& a, const OrderRequest& b) {
    return a.created_at_utc < b.created_at_utc;
  });
  return orders;
}

OrderProfile profile_orders(Scenario& scenario) {
  Worker worker(scenario);
  std::size_t routed = 0;
  std::size_t shipments = 0;
  std::size_t stocked = 0;
  std::vector<bool> seen(scenario.network()->node_count(), false);
  for (const OrderRequest& order : scenario.orders()) {
    const RoutingDecision& decision = worker.decide(order, Decision::plan);
    if (decision.outcome == fbs::Outcome::routed) {
      ++routed;
      shipments += decision.shipment_count;
    }
    std::fill(seen.begin(), seen.end(), false);
    for (const OrderLineRequest& line : order.order_lines()) {
      for (const InventoryCell& cell : scenario.inventory().stocked_nodes(line.sku_index)) {
        if (!seen[cell.node_index()]) ++stocked;
        seen[cell.node_index()] = true;
      }
    }
  }
  const auto count = static_cast<double>(scenario.orders().size());
  return {.routed_share = static_cast<double>(routed) / count,
          .mean_shipments =
              routed == 0 ? 0 : static_cast<double>(shipments) / static_cast<double>(routed),
          .mean_stocked_nodes = static_cast<double>(stocked) / count};
}

}  // namespace

std::int64_t resident_bytes() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long size_pages = 0;
  unsigned long resident_pages = 0;
  const int read = std::fscanf(statm, "%lu %lu", &size_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return 0;
  return static_cast<std::int64_t>(resident_pages) * sysconf(_SC_PAGESIZE);
}

std::unique_ptr<Scenario> Scenario::build(const ScenarioShape& shape) {
  std::unique_ptr<Scenario> scenario(new Scenario(shape));
  BuildFigures& figures = scenario->figures_;
  std::mt19937_64 random(shape.seed);
  (void)shared_geography();  // loaded before anything is measured

  std::vector<Site> sites;
  {
    std::vector<std::uint8_t> document = write_network(shape, random, sites);
    figures.network_document_bytes = document.size();
    std::vector<UtcOffsetSchedule> offsets;
    for (const Site& site : sites) {
      offsets.push_back(UtcOffsetSchedule::constant(site.offset_seconds));
    }
    const std::int64_t heap_before = heap_in_use_bytes();
    const std::int64_t resident_before = resident_bytes();
    const auto started = std::chrono::steady_clock::now();
    NetworkModel network =
        built(NetworkModel::build(*fbs::GetNetwork(document.data()), shared_geography(), offsets),
              "the scenario's network must build");
    figures.network_build_seconds = seconds_since(started);
    figures.network_model_heap_bytes = heap_in_use_bytes() - heap_before;
    figures.network_model_resident_bytes = resident_bytes() - resident_before;
    scenario->network_ = std::make_shared<const NetworkModel>(std::move(network));
  }  // the document goes: the model holds its own copy of everything

  scenario->model_.emplace(built(RoutingModel::create(scenario->network_, scenario->policy(1)),
                                 "the scenario's model must build"));

  {
    const std::vector<StockRecord> records = stock_records(shape, random);
    const std::int64_t resident_before = resident_bytes();
    const auto started = std::chrono::steady_clock::now();
    scenario->inventory_.emplace(built(InventoryTable::build(shape.sku_count, records),
                                       "the scenario's inventory must build"));
    figures.inventory_build_seconds = seconds_since(started);
    figures.inventory_resident_bytes = resident_bytes() - resident_before;
    figures.inventory_table_bytes = scenario->inventory_->memory_bytes();
    figures.stocked_cells = scenario->inventory_->cell_count();
  }
  scenario->capacity_.emplace(shape.node_count);
  scenario->orders_ = make_orders(shape, *scenario->network_, random);
  scenario->profile_ = profile_orders(*scenario);
  return scenario;
}

std::shared_ptr<const PolicyModel> Scenario::policy(std::uint64_t version) const {
  const std::vector<std::uint8_t> document = write_policy(*network_, shape_.max_shipments, version);
  return std::make_shared<const PolicyModel>(built(
      PolicyModel::build(*fbs::GetPolicy(document.data()), *network_), "the policy must build"));
}

Scenario& r1() {
  static const std::unique_ptr<Scenario> scenario = Scenario::build(kR1);
  return *scenario;
}

Scenario& h() {
  static const std::unique_ptr<Scenario> scenario = Scenario::build(kH);
  return *scenario;
}

}  // namespace edgeroute::routing::bench
