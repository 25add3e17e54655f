// What a simulation run measured, in the figures a planner weighs when deciding whether
// to operate or orchestrate a node (docs/simulate.md): cost per order split into fixed
// and variable, promise kept and delivery-time percentiles, split rate, node utilisation
// and saturation, exceptions and time to recover, partner concentration, and the orders
// lost or backordered. One RunReport per (scenario, band, sensitivity); a
// SimulationReport holds the runs side by side, in the order they were asked for.
//
// Money is integer cents; shares and rates are basis points (1/10000), so that the
// figures, like the run that made them, are the same on every machine. Durations are
// whole minutes; delivery times whole days.
//
// Thread-safety: values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgeroute/routing/fbs/network_generated.h"

namespace edgeroute::simulate {

// Percentiles of a distribution of whole numbers (days, minutes); all zero when empty.
struct Percentiles {
  std::int64_t p50 = 0;
  std::int64_t p90 = 0;
  std::int64_t p99 = 0;
  std::int64_t max = 0;
  // Mean and standard deviation, in hundredths of the unit (a promise's variance is a
  // figure planners weigh, not only its median).
  std::int64_t mean_centi = 0;
  std::int64_t stddev_centi = 0;
  std::uint64_t count = 0;
};

struct NodeReport {
  std::string node_id;
  routing::fbs::NodeKind kind = routing::fbs::NodeKind::owned_fc;
  bool enabled = true;
  std::uint64_t shipments = 0;  // shipments that left the node (handed off)
  std::uint64_t units = 0;
  std::uint64_t failed_shipments = 0;
  // Shipments planned at the node over the orders-per-day capacity of the days it was
  // open, in basis points; 0 when the node has no order limit (capacity_limited false).
  bool capacity_limited = false;
  std::uint32_t utilisation_bp = 0;
  std::uint32_t open_days = 0;       // local days the node picked on
  std::uint32_t saturated_days = 0;  // days on which a plan found the node full
  std::int64_t fixed_cents = 0;      // the node's fixed cost over the run
  std::int64_t variable_cents = 0;   // handling + partner fee + carrier of its shipments
};

// One simulated day (UTC date), for the time series.
struct DayReport {
  std::string date;  // YYYY-MM-DD
  std::uint64_t orders = 0;
  std::uint64_t backordered = 0;
  std::uint64_t rejected = 0;
  std::uint64_t exceptions = 0;  // failed and late (delayed) shipment reports
  // Orders by the kind of node that shipped them (an order shipped from two kinds counts
  // under each), indexed by routing::fbs::NodeKind.
  std::uint64_t shipped_by_kind[4] = {0, 0, 0, 0};
};

struct ReasonCount {
  std::string reason;  // a routing reason code name (no_inventory, unknown_sku, ...)
  std::uint64_t orders = 0;
};

struct RunReport {
  std::string scenario;     // the scenario's name
  std::string band;         // baseline, peak or failure
  std::string sensitivity;  // empty, or demand+20%, partner_fee+10%, labour+15%
  std::uint64_t seed = 0;
  std::string first_day;  // YYYY-MM-DD, UTC
  std::uint32_t days = 0;

  // Orders by how they ended.
  std::uint64_t orders = 0;
  std::uint64_t delivered = 0;    // every line handed off
  std::uint64_t backordered = 0;  // no node could take it; the policy backordered it
  std::uint64_t rejected = 0;     // refused outright (unknown SKU, policy, ...)
  // Lost: routed, but a node failed it and no other node could take it over.
  std::uint64_t lost = 0;
  // Units still reserved when the run ended: every order has ended by then, so anything
  // but 0 is stock the books lost track of.
  std::int64_t units_reserved_at_end = 0;
  std::vector<ReasonCount> rejected_by_reason;
  std::vector<ReasonCount> backordered_by_reason;

  // Cost, over delivered and in-flight orders' shipments (what the retailer pays).
  std::int64_t fixed_cents = 0;     // owned nodes' capacity cost for the run's days
  std::int64_t handling_cents = 0;  // per-order + per-unit handling
  std::int64_t partner_fee_cents = 0;
  std::int64_t carrier_cents = 0;
  // Per delivered order: (fixed + handling + partner fee + carrier) / delivered orders.
  std::int64_t cost_per_order_cents = 0;
  std::int64_t fixed_per_order_cents = 0;
  std::int64_t variable_per_order_cents = 0;

  // Promise: of the delivered orders, those delivered no later than the date first
  // promised; delivery time in days from order to delivery.
  std::uint32_t promise_kept_bp = 0;
  Percentiles delivery_days;

  std::uint64_t split_orders = 0;  // routed to more than one node
  std::uint32_t split_bp = 0;

  // Exceptions: failed or late shipment reports, and the re-routes they caused. Time to
  // recover: from an order's first exception to the hand-off of its last line.
  std::uint64_t exceptions = 0;
  std::uint64_t reroutes = 0;
  Percentiles recover_minutes;

  // Concentration: the partner node (3PL or drop-shipper) with the most shipments, and
  // its share of all shipments.
  std::string largest_partner;
  std::uint32_t largest_partner_share_bp = 0;
  std::uint32_t partner_share_bp = 0;  // all partners' share of shipments

  std::vector<NodeReport> nodes;  // in network order
  std::vector<DayReport> daily;   // one per simulated day, in order
  // How long the run took on this machine (not part of the deterministic result).
  double wall_seconds = 0;
};

struct SimulationReport {
  std::vector<RunReport> runs;
  double wall_seconds = 0;
};

}  // namespace edgeroute::simulate
