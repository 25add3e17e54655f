// The scenarios of the end-to-end routing benchmarks (routing_router_bench and
// routing_router_instructions), built in memory in the form the engine holds after
// loading: a NetworkModel and a PolicyModel compiled from FlatBuffers documents written
// here, an InventoryTable, CapacityCounters, and orders already resolved to
// OrderRequests (no JSON per order: parsing is not what these figures are about). Every
// random choice comes from a seeded std::mt19937_64, so every run routes the same
// orders against the same stock.
//
//   R1, the common order: 50 nodes (owned FCs, stores, 3PLs, drop-shippers) at real
//       US postal codes, 3 carrier services (ground, two-day, next-day; 8 zones, a few
//       weight breaks each), a 1 M-SKU catalog, each SKU stocked at 10 distinct random
//       nodes, orders of 3 lines on SKUs drawn uniformly from the catalog (the cache's
//       worst case; real demand is skewed towards hot SKUs) shipped anywhere in the US,
//       at most 2 shipments.
//   H, the heavy order: 500 nodes, 20 lines, each SKU stocked at 5 flagship FCs and at
//       3 in 10 of the other nodes, so that nearly every node is a candidate (about
//       500); at most 4 shipments. Beyond kExhaustiveLinesMax lines: the bounded search.
//
// Stock is generous and capacity unlimited, so that a benchmark never runs short: plan()
// reserves nothing, and route() is followed by PlanReservation::release().
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/inventory_table.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/order_request.h"
#include "edgeroute/routing/plan_reservation.h"
#include "edgeroute/routing/policy_model.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/routing/routing_model.h"

namespace edgeroute::routing::bench {

struct ScenarioShape {
  std::string_view name;
  std::uint32_t node_count = 0;
  std::uint32_t sku_count = 0;
  std::uint8_t lines_per_order = 0;
  std::int32_t max_shipments = 1;
  // Each SKU at this many distinct random nodes; 0: at the 5 flagship FCs (the first five
  // owned FCs) and at 3 in 10 of the other nodes.
  std::uint32_t stocked_nodes_per_sku = 0;
  // Orders generated up front and cycled through. Enough of them that the SKUs they
  // touch do not fit in the last-level cache, as a day's real orders would not.
  std::size_t order_count = 0;
  std::uint64_t seed = 0;
};

inline constexpr ScenarioShape kR1{.name = "R1",
                                   .node_count = 50,
                                   .sku_count = 1'000'000,
                                   .lines_per_order = 3,
                                   .max_shipments = 2,
                                   .stocked_nodes_per_sku = 10,
                                   .order_count = 131'072,
                                   .seed = 20260618};
inline constexpr ScenarioShape kH{.name = "H",
                                  .node_count = 500,
                                  .sku_count = 10'000,
                                  .lines_per_order = 20,
                                  .max_shipments = 4,
                                  .stocked_nodes_per_sku = 0,
                                  .order_count = 4'096,
                                  .seed = 20260619};

// What building the scenario cost, measured as it was built.
struct BuildFigures {
  std::size_t network_document_bytes = 0;  // the network.fbs buffer the model was built from
  // Heap the NetworkModel holds (malloc's in-use bytes before and after build()), and
  // the growth of the process's resident set over the same call.
  std::int64_t network_model_heap_bytes = 0;
  std::int64_t network_model_resident_bytes = 0;
  std::size_t inventory_table_bytes = 0;  // InventoryTable::memory_bytes()
  std::int64_t inventory_resident_bytes = 0;
  std::size_t stocked_cells = 0;
  double network_build_seconds = 0;
  double inventory_build_seconds = 0;
};

// What the orders ask of the router, from a first plan() of each (no reservation).
struct OrderProfile {
  double routed_share = 0;        // orders that got a plan
  double mean_shipments = 0;      // per routed order
  double mean_stocked_nodes = 0;  // nodes holding at least one of an order's SKUs
};

class Scenario {
 public:
  // Builds everything; asserts on any failure (the inputs are ours). Seconds for R1.
  static std::unique_ptr<Scenario> build(const ScenarioShape& shape);

  const ScenarioShape& shape() const { return shape_; }
  const RoutingModel& model() const { return *model_; }
  const std::shared_ptr<const NetworkModel>& network() const { return network_; }
  InventoryTable& inventory() { return *inventory_; }
  CapacityCounters& capacity() { return *capacity_; }
  std::span<const OrderRequest> orders() const { return orders_; }
  const BuildFigures& figures() const { return figures_; }
  const OrderProfile& profile() const { return profile_; }

  // The scenario's policy as version `version`: the same rules, with weights that move
  // with the version, so that a swap changes what plans cost. Allocates (it writes and
  // compiles a policy document): for the writer of the policy-swap benchmark.
  std::shared_ptr<const PolicyModel> policy(std::uint64_t version) const;

 private:
  explicit Scenario(const ScenarioShape& shape) : shape_(shape) {}

  ScenarioShape shape_;
  std::shared_ptr<const NetworkModel> network_;
  std::optional<RoutingModel> model_;
  std::optional<InventoryTable> inventory_;
  std::optional<CapacityCounters> capacity_;
  std::vector<OrderRequest> orders_;
  BuildFigures figures_;
  OrderProfile profile_;
};

// The shared instances, built on first use (R1: a few seconds and about 300 MB).
Scenario& r1();
Scenario& h();

// One routing worker: a Router and the PlanReservation route() fills. decide() is a
// whole decision: plan(), or route() and then release() of whatever it reserved, so
// that stock and capacity are where they were.
enum class Decision : std::uint8_t { plan, route };

class Worker {
 public:
  explicit Worker(Scenario& scenario)
      : scenario_(&scenario), reservation_(scenario.inventory(), scenario.capacity()) {}

  const RoutingDecision& decide(const OrderRequest& order, Decision how) {
    return decide(order, how, scenario_->model());
  }
  const RoutingDecision& decide(const OrderRequest& order, Decision how,
                                const RoutingModel& model) {
    if (how == Decision::plan) {
      return router_.plan(order, model, scenario_->inventory(), scenario_->capacity());
    }
    const RoutingDecision& decision =
        router_.route(order, model, scenario_->inventory(), scenario_->capacity(), reservation_);
    if (reservation_.holds_reservation()) reservation_.release();
    reservation_.clear();
    return decision;
  }

 private:
  Scenario* scenario_;
  Router router_;
  PlanReservation reservation_;
};

// The process's resident set, from /proc/self/statm; 0 where that cannot be read.
std::int64_t resident_bytes();

}  // namespace edgeroute::routing::bench
