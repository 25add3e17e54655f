// NetworkModel: the routing core's compiled form of one network version (network.fbs):
// nodes with their calendars, carrier services with their rate tables, the SKU catalog,
// every id mapped once to a dense index. A planner reads it by index and never touches
// a string on the per-order path, except to resolve the order's own SKU ids (one hash
// lookup per line, find_sku).
//
// Built from a verified network document and one UtcOffsetSchedule per node (the core
// knows no tz database; routing_io's compile_network() derives the schedules from each
// node's IANA zone for a horizon). build() re-checks what the planner relies on
// (references resolve, zones priced, postal codes known), so a model is never half
// right even when the document skipped routing_io's validation; routing_io reports
// problems field by field, build() only the first.
//
// Memory: the carrier services, the SKU catalog (up to a million SKUs) and the ids of
// SKUs and nodes never change between health variants of one network, so build() puts
// them in one immutable catalog that every with_node_health() copy shares; a copy owns
// only its nodes, which are few and carry the health figures that differ. A SKU is
// 8 bytes of what the planner reads (SkuModel) plus its id in an IdIndex (id_index.h):
// a million SKUs with 11-character ids take 29 MB.
//
// Thread-safety: immutable once built, and so is the shared catalog; published to
// routing workers as part of a RoutingModel snapshot (routing_model.h) and read from any
// number of threads.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/fbs/network_generated.h"
#include "edgeroute/routing/geography.h"
#include "edgeroute/routing/id_index.h"
#include "edgeroute/routing/node_calendar.h"
#include "edgeroute/routing/utc_offset_schedule.h"
#include "edgeroute/routing/zip3.h"
#include "edgeroute/routing/zone.h"

namespace edgeroute::routing {

inline constexpr std::size_t kZoneCount = Zone::farthest;

// One bit per fbs::NodeKind (bit = 1 << kind), for eligibility sets.
using NodeKindSet = std::uint8_t;
inline constexpr NodeKindSet kAllNodeKinds = 0x0F;
constexpr NodeKindSet node_kind_bit(fbs::NodeKind kind) {
  return static_cast<NodeKindSet>(1u << static_cast<unsigned>(kind));
}

struct RateBreak {
  std::int32_t up_to_grams = 0;
  std::int32_t cents = 0;
};

struct CarrierServiceModel {
  std::string id;
  std::string carrier;
  fbs::ServiceLevel level = fbs::ServiceLevel::ground;
  std::array<std::uint8_t, kZoneCount> transit_days{};
  bool transit_business_days = true;
  // The breaks of zone z are rate_breaks[zone_begin[z - 1], zone_begin[z]), ascending.
  std::vector<RateBreak> rate_breaks;
  std::array<std::uint32_t, kZoneCount + 1> zone_begin{};

  // The breaks of `zone`, ascending: what a planner narrows a service to once per
  // (node, zone) before pricing parcels of many weights against it.
  std::span<const RateBreak> rate_breaks_to(Zone zone) const {
    const std::uint32_t begin = zone_begin[zone.number() - 1];
    return std::span<const RateBreak>(rate_breaks)
        .subspan(begin, zone_begin[zone.number()] - begin);
  }
  // The break of `breaks` (one zone's) that prices a parcel of `weight_grams`: the first
  // whose up_to_grams is at least the weight; nullptr when the parcel is heavier than the
  // last (the service cannot take it).
  static const RateBreak* break_taking(std::span<const RateBreak> breaks,
                                       std::int64_t weight_grams) {
    for (const RateBreak& rate : breaks) {
      if (rate.up_to_grams >= weight_grams) return &rate;
    }
    return nullptr;
  }
  // The price of a parcel of `weight_grams` to `zone`; nullopt when the service cannot
  // take it (break_taking).
  std::optional<std::int32_t> rate_cents(Zone zone, std::int64_t weight_grams) const {
    const RateBreak* rate = break_taking(rate_breaks_to(zone), weight_grams);
    return rate == nullptr ? std::nullopt : std::optional<std::int32_t>(rate->cents);
  }
  std::uint8_t transit_days_to(Zone zone) const { return transit_days[zone.number() - 1]; }
};

struct NodeServiceModel {
  std::uint16_t service_index = 0;
  LocalMinute cutoff_local_minute = 0;
};

struct NodeModel {
  NodeModel(std::string id_in, fbs::NodeKind kind_in, Zip3 origin_in, NodeCalendar calendar_in)
      : id(std::move(id_in)), kind(kind_in), origin(origin_in), calendar(std::move(calendar_in)) {}

  std::string id;
  fbs::NodeKind kind = fbs::NodeKind::owned_fc;
  Zip3 origin{0};
  NodeCalendar calendar;
  std::vector<NodeServiceModel> services;  // in the network file's order
  std::int32_t per_order_cents = 0;
  std::int32_t per_unit_cents = 0;
  std::int32_t partner_fee_cents = 0;
  std::int32_t orders_per_day = 0;  // 0: no limit
  std::int32_t units_per_day = 0;   // 0: no limit
  std::int32_t on_time_bp = 10000;
  std::int32_t fill_bp = 10000;
  std::int32_t acceptance_bp = 10000;
  bool enabled = true;
  std::string home_gateway;

  // Operated by the retailer (owned_fc, store), as opposed to orchestrated partners.
  bool owned() const { return kind == fbs::NodeKind::owned_fc || kind == fbs::NodeKind::store; }
  // Basis points short of 100%, summed over on-time, fill and acceptance: 0..30000.
  std::int32_t health_shortfall_bp() const {
    return (10000 - on_time_bp) + (10000 - fill_bp) + (10000 - acceptance_bp);
  }
};

// What the planner reads of a SKU, kept to 8 bytes so that a line's SKU is one small
// read; the id is NetworkModel::sku_id().
struct SkuModel {
  std::int32_t weight_grams = 0;
  std::uint8_t handling = 0;  // fbs::HandlingFlags bits
  NodeKindSet eligible_kinds = kAllNodeKinds;
};
static_assert(sizeof(SkuModel) == 8, "the catalog's memory budget assumes 8-byte SKUs");

// A node's health in basis points (10000 = 100%), as NodeModel carries it.
struct NodeHealth {
  std::int32_t on_time_bp = 10000;
  std::int32_t fill_bp = 10000;
  std::int32_t acceptance_bp = 10000;
};

class NetworkModel {
 public:
  // `node_offsets[i]` is the UTC offset schedule of network.nodes()[i]. Errors
  // (invalid_argument) name the first field the planner could not use, as
  // "nodes[2].services[0].service_id: 'ups-air' is not a carrier service".
  static Result<NetworkModel> build(const fbs::Network& network,
                                    std::shared_ptr<const Geography> geography,
                                    std::span<const UtcOffsetSchedule> node_offsets);

  NetworkModel(NetworkModel&&) noexcept = default;
  NetworkModel& operator=(NetworkModel&&) noexcept = default;
  NetworkModel(const NetworkModel&) = delete;
  NetworkModel& operator=(const NetworkModel&) = delete;

  std::uint64_t version() const { return version_; }
  // Distinct for every model built in this process (never 0): caches keyed by a model
  // use it rather than its address, which a later model may reuse.
  std::uint64_t instance_id() const { return instance_id_; }
  const Geography& geography() const { return *geography_; }

  std::span<const NodeModel> nodes() const { return nodes_; }
  std::span<const CarrierServiceModel> services() const { return catalog_->services; }
  std::span<const SkuModel> skus() const { return catalog_->skus; }
  const NodeModel& node(std::uint32_t index) const { return nodes_[index]; }
  const CarrierServiceModel& service(std::uint16_t index) const {
    return catalog_->services[index];
  }
  const SkuModel& sku(std::uint32_t index) const { return catalog_->skus[index]; }
  std::string_view sku_id(std::uint32_t index) const { return catalog_->sku_ids.id(index); }
  std::uint32_t node_count() const { return static_cast<std::uint32_t>(nodes_.size()); }
  std::uint32_t sku_count() const { return static_cast<std::uint32_t>(catalog_->skus.size()); }

  // The node's kind bit when it is enabled, 0 when it is disabled: the first filter of
  // every (order line, stocked node) pair, kept apart from NodeModel so that the check
  // reads one byte instead of a node's cache lines.
  NodeKindSet routable_kind(std::uint32_t node_index) const { return routable_kind_[node_index]; }

  std::optional<std::uint32_t> find_node(std::string_view id) const;
  std::optional<std::uint32_t> find_sku(std::string_view id) const;

  // This model with other node health figures (node i takes health[i]): the gateway
  // blends what its nodes report into the configured figures and republishes. Same
  // version, since the network of record did not change; a new instance_id. The copy
  // shares this model's catalog (services(), skus(): the same objects at the same
  // addresses), which lives as long as any model sharing it, so it costs a copy of
  // the nodes, not of the catalog.
  // REQUIRES: health.size() == node_count().
  std::shared_ptr<const NetworkModel> with_node_health(std::span<const NodeHealth> health) const;
  // This model with the nodes at `closed` (indexes) disabled: nothing is routed to them
  // (a closure central decided while the network of record still lists them). Same
  // version; a new instance_id; shares the catalog as with_node_health() does.
  // REQUIRES: every index < node_count().
  std::shared_ptr<const NetworkModel> with_nodes_closed(
      std::span<const std::uint32_t> closed) const;

 private:
  // What never changes between health variants of one network: built once by build(),
  // then shared, never modified, by every with_node_health() copy.
  struct Catalog {
    std::vector<CarrierServiceModel> services;
    std::vector<SkuModel> skus;
    IdIndex sku_ids;   // position i: skus[i]'s id
    IdIndex node_ids;  // position i: the id of every variant's nodes_[i]
  };

  NetworkModel() = default;
  // A variant to change: the same catalog, its own nodes, a new instance_id.
  std::shared_ptr<NetworkModel> copy() const;

  std::uint64_t version_ = 0;
  std::uint64_t instance_id_ = 0;
  std::shared_ptr<const Geography> geography_;
  std::shared_ptr<const Catalog> catalog_;  // never null once built
  std::vector<NodeModel> nodes_;
  std::vector<NodeKindSet> routable_kind_;  // per node
};

}  // namespace edgeroute::routing
