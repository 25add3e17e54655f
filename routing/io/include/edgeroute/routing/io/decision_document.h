// The decision document (decision.fbs) of a RoutingDecision: indexes become ids, days
// and instants become text, reasons get a person's words naming the line, SKU, node or
// rule concerned ("line 1 (sku-kayak): no eligible node has 2 units available"), and
// each alternative says why it lost ("costs 212 cents more"). This is what is journaled
// and sent to the client, and what `edgeroute route` prints.
//
// Thread-safety: pure functions; they allocate (a decision document is built once per
// decision, off the planner's hot loop).
#pragma once

#include "edgeroute/routing/io/load.h"
#include "edgeroute/routing/order_request.h"
#include "edgeroute/routing/router.h"
#include "edgeroute/routing/routing_decision.h"
#include "edgeroute/routing/routing_model.h"

namespace edgeroute::routing::io {

// The document of a decision the Router made for `order`.
DecisionDocument build_decision(const RoutingDecision& decision, const OrderRequest& order,
                                const RoutingModel& model, UnixSeconds decided_at_utc);

// The rejection of an order that could not be resolved (invalid_order, unknown_sku,
// unknown_destination), naming the line and what is wrong with it.
DecisionDocument build_rejection(const fbs::Order& order, const OrderResolution& resolution,
                                 const RoutingModel& model, UnixSeconds decided_at_utc);

// The document of a quote (Router::quote) for `order`.
QuoteDocument build_quote(const std::array<QuoteOption, kServiceLevelCount>& options,
                          const OrderRequest& order, const RoutingModel& model,
                          UnixSeconds quoted_at_utc);

}  // namespace edgeroute::routing::io
