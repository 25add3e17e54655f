// Router: decides which node(s) ship an order. One Router per routing worker: it owns
// the scratch space of a decision, sized once per network, so that routing allocates
// nothing in steady state. The model (network + policy), inventory and capacity are
// shared by every worker; the Router only reads them, except for the reservation that
// route() makes through a PlanReservation.
//
// What a plan is. Every order line ships whole from one node; the lines a node ships
// form one shipment, sent with one carrier service; a plan has at most the policy's
// max_shipments shipments, from distinct nodes. A node may ship a line when it is
// enabled, its kind is eligible for the line (the SKU's eligible kinds, the policy's
// exclusions and owned-only channels) and its available-to-promise (on hand - reserved -
// safety stock) covers the line's quantity. A shipment is feasible when its node has a
// pick window and a departure within the promise horizon for some carrier service of
// the requested level or better, its daily capacity (on the local day it is packed)
// has room for one more order and the shipment's units, and some such service prices a
// parcel of its weight to the zone. Among a shipment's feasible services the one with
// the lowest carrier + lateness cost is used (ties: earlier delivery, then the node's
// service order). The objective is objective.h's.
//
// Which plan. The feasible plan with the lowest objective; ties go to the plan whose
// last delivery is earliest, then to fewer shipments, then to the plan whose nodes,
// listed by order line, come first in network order. Orders of up to
// kExhaustiveLinesMax lines are searched exhaustively (every assignment of lines to
// nodes, whatever the number of nodes: the search enumerates the set partitions of the
// lines and, for each part, only the nodes no dearer than its max_shipments-th cheapest,
// which is enough for distinct nodes to be optimal, tie-breaks included); larger orders
// get a bounded search (best single node,
// then a greedy split improved by moving lines) and proven_optimal = false.
//
// Reservation. route() plans against a relaxed read of the counters, then reserves the
// plan all-or-nothing (PlanReservation). A plan that loses a race is planned again on
// fresh levels, up to reservation_attempts_max times; then the order is rejected with
// reservation_contention.
//
// Thread-safety: a Router is used by one thread at a time. Many Routers may route
// against the same model, inventory and capacity at once.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/order_request.h"
#include "edgeroute/routing/plan_reservation.h"
#include "edgeroute/routing/routing_decision.h"
#include "edgeroute/routing/routing_model.h"

namespace edgeroute::routing {

inline constexpr std::size_t kExhaustiveLinesMax = 8;

struct RouterOptions {
  std::uint8_t reservation_attempts_max = 4;
};

// One delivery option of a quote: the best plan when the customer asks for `level`.
struct QuoteOption {
  fbs::ServiceLevel level = fbs::ServiceLevel::ground;
  bool available = false;
  fbs::ReasonCode reason = fbs::ReasonCode::none;  // why not, when !available
  EpochDay delivery_day = 0;
  std::int64_t objective_cents = 0;
  std::int64_t carrier_cents = 0;  // what shipping costs the retailer
  std::uint8_t shipment_count = 0;
};

inline constexpr std::size_t kServiceLevelCount = 3;

class Router {
 public:
  explicit Router(RouterOptions options = {});
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // The decision the order would get now, without reserving anything.
  const RoutingDecision& plan(const OrderRequest& order, const RoutingModel& model,
                              const InventoryTable& inventory, const CapacityCounters& capacity);

  // Plans and reserves. When the outcome is routed, `reservation` holds the plan's stock
  // lines and capacity claims (keep() once the decision is durable, release() on
  // failure). REQUIRES: `reservation` is empty (fresh or clear()ed) and works on
  // `inventory` and `capacity`.
  const RoutingDecision& route(const OrderRequest& order, const RoutingModel& model,
                               InventoryTable& inventory, CapacityCounters& capacity,
                               PlanReservation& reservation);

  // For each service level, ground first: the plan the order would get if the customer
  // asked for that level (nothing is reserved). The order's own requested level is
  // ignored; its latest delivery date is kept.
  std::array<QuoteOption, kServiceLevelCount> quote(const OrderRequest& order,
                                                    const RoutingModel& model,
                                                    const InventoryTable& inventory,
                                                    const CapacityCounters& capacity);

 private:
  struct Workspace;
  RouterOptions options_;
  std::unique_ptr<Workspace> workspace_;
};

}  // namespace edgeroute::routing
