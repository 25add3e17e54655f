// OrderRequest: an order (order.fbs) resolved against a network: SKU ids to catalog
// indexes, the ship-to postal code to its ZIP prefix, text times to numbers. What is
// wrong with an order is not an error but an answer: the resolution carries the
// decision's reason code (invalid_order, unknown_sku, unknown_destination) and the line
// it concerns, and the planner is never called with such an order.
//
// The strings an OrderRequest holds view the order document, which must outlive it.
//
// Thread-safety: resolve_order() is a pure function (one hash lookup per line); call it
// from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "edgeroute/routing/fbs/decision_generated.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/plan_reservation.h"
#include "edgeroute/routing/time_text.h"
#include "edgeroute/routing/zip3.h"

namespace edgeroute::routing {

// A plan reserves one stock line per order line; lines are numbered by bits of a
// 32-bit mask.
inline constexpr std::size_t kOrderLinesMax = PlanReservation::kStockLinesMax;
static_assert(kOrderLinesMax <= 32, "order lines are bits of a 32-bit mask");

struct OrderLineRequest {
  std::uint32_t sku_index = 0;
  std::int32_t quantity = 0;
};

struct OrderRequest {
  std::string_view id;
  std::string_view correlation_id;  // the order id when the order gave none
  std::string_view channel;
  std::array<OrderLineRequest, kOrderLinesMax> lines{};
  std::uint8_t line_count = 0;
  Zip3 destination{0};
  UnixSeconds created_at_utc = 0;
  std::optional<fbs::ServiceLevel> requested_level;
  std::optional<EpochDay> latest_delivery_day;
  // Nodes that must not ship this order: a re-route away from nodes that reported they
  // cannot. Viewed, not owned: the caller keeps them alive while the order is routed.
  std::span<const std::uint32_t> excluded_nodes;

  std::span<const OrderLineRequest> order_lines() const { return {lines.data(), line_count}; }
};

// Why an order cannot be planned at all, in words fixed at compile time (no allocation).
enum class OrderProblem : std::uint8_t {
  none,
  no_lines,
  too_many_lines,  // more than kOrderLinesMax
  quantity_not_positive,
  quantity_too_large,  // above the counters' range
  duplicate_sku,       // two lines name the same SKU: merge them
  bad_created_at,      // not a UTC instant
  bad_latest_delivery_date,
  unknown_sku,
  unknown_destination,
};

std::string_view describe(OrderProblem problem);

struct OrderResolution {
  OrderProblem problem = OrderProblem::none;
  // The order line the problem concerns, or -1.
  int line_index = -1;
  OrderRequest request;

  bool ok() const { return problem == OrderProblem::none; }
  // invalid_order, unknown_sku or unknown_destination; none when ok().
  fbs::ReasonCode reason() const;
};

OrderResolution resolve_order(const fbs::Order& order, const NetworkModel& network);

}  // namespace edgeroute::routing
