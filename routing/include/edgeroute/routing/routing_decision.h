// RoutingDecision: the routing core's answer for one order, in indexes and numbers: the
// chosen plan (its shipments, each with its node, carrier service, lines, promise and
// cost terms), the plan's total cost, the alternatives that lost and why. Fixed-size
// storage, so routing a decision allocates nothing; routing_io turns it into the
// decision.fbs document (ids, dates, words) that is journaled and sent.
//
// Thread-safety: a value type.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/objective.h"
#include "edgeroute/routing/promise.h"
#include "edgeroute/routing/zone.h"

namespace edgeroute::routing {

inline constexpr std::size_t kShipmentsMax = 8;
inline constexpr std::size_t kAlternativesMax = 6;

struct PlannedShipment {
  std::uint32_t node_index = 0;
  std::uint16_t service_index = 0;  // in NetworkModel::services()
  std::uint32_t line_mask = 0;      // bit i: order line i ships here
  std::int32_t units = 0;
  std::int64_t weight_grams = 0;
  Zone zone{Zone::nearest};
  std::uint8_t transit_days = 0;
  bool transit_business_days = false;
  Promise promise;
  CostTerms cost;  // split_cents is a plan term: 0 here
};

enum class ExclusionCause : std::uint8_t {
  none,
  node_disabled,
  sku_not_eligible,    // the SKU's eligible_node_kinds leave out the node's kind
  owned_only_channel,  // the order's channel is served by owned nodes only
  policy_exclusion,    // Alternative::exclusion_index names the rule
  node_failed_order,   // a re-route away from a node that could not ship this order
};

// Why a node or a plan did not serve the order.
struct Alternative {
  // A plan that could serve the order, and lost on the objective or a tie-break.
  // Otherwise a node that held some of the order's SKUs but was ruled out for
  // `reason` (excluded_by_policy, no_inventory, no_capacity, promise_unmeetable,
  // no_carrier_service) on order line `line_index` (-1: the whole node).
  bool feasible = false;
  std::array<std::uint32_t, kShipmentsMax> node_indexes{};
  std::uint8_t node_count = 0;
  std::int64_t objective_cents = 0;
  EpochDay delivery_day = 0;  // the plan's last shipment's delivery day
  fbs::ReasonCode reason = fbs::ReasonCode::none;
  std::int8_t line_index = -1;
  // no_inventory: the levels seen and the safety stock that applied.
  StockLevels stock_seen;
  std::int32_t safety_stock = 0;
  // excluded_by_policy: index of the policy exclusion that matched, -1 for other
  // causes (node disabled, SKU not eligible at the node kind, owned-only channel).
  std::int16_t exclusion_index = -1;
  ExclusionCause exclusion_cause = ExclusionCause::none;

  std::span<const std::uint32_t> nodes() const { return {node_indexes.data(), node_count}; }
};

struct RoutingDecision {
  fbs::Outcome outcome = fbs::Outcome::rejected;
  fbs::ReasonCode reason = fbs::ReasonCode::none;
  std::int8_t reason_line = -1;  // the order line the reason concerns, or -1
  std::array<PlannedShipment, kShipmentsMax> shipments{};
  std::uint8_t shipment_count = 0;
  CostTerms cost;  // the plan's terms; objective_cents() is what it minimised
  bool proven_optimal = true;
  std::array<Alternative, kAlternativesMax> alternatives{};
  std::uint8_t alternative_count = 0;
  std::uint32_t backorder_node_index = 0;  // when outcome == backordered
  std::uint8_t reservation_attempts = 0;   // plans tried before one was reserved

  std::span<const PlannedShipment> planned_shipments() const {
    return {shipments.data(), shipment_count};
  }
  std::span<const Alternative> explained_alternatives() const {
    return {alternatives.data(), alternative_count};
  }
  // The day the last shipment arrives; 0 without shipments.
  EpochDay delivery_day() const;
};

}  // namespace edgeroute::routing
