// Re-routing a node's part of an order (docs/routing.md section 8), as rules that the
// gateway and the simulator (engine/simulate) share, so that a simulated network
// re-routes exactly as a gateway would: which reports call for it, and the request that
// plans the part again.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <span>

#include "edgeroute/gateway/held_reservation.h"
#include "edgeroute/protocol/fbs/protocol_generated.h"
#include "edgeroute/routing/fbs/order_generated.h"
#include "edgeroute/routing/order_request.h"
#include "edgeroute/routing/policy_model.h"

namespace edgeroute::gateway {

// Whether a node's report re-routes its part, as far as the policy and the dates go: a
// `failed` report when the policy re-routes failures; a `delayed` one whose new expected
// delivery day is past the day promised, when the policy re-routes such delays.
bool report_calls_for_reroute(const routing::PolicyModel& policy,
                              protocol::fbs::FulfillmentEventKind event,
                              std::optional<routing::EpochDay> expected_delivery_day,
                              std::optional<routing::EpochDay> promised_delivery_day);

// The request that plans again the lines `at_node` holds: the order as resolved against
// `network`, with those lines only, placed at `now`, kept away from `excluded_nodes`
// (which the caller keeps alive while the request is routed). nullopt when the order
// no longer resolves (the catalog lost its SKUs): there is nothing to plan.
std::optional<routing::OrderRequest> reroute_request(const routing::fbs::Order& order,
                                                     const routing::NetworkModel& network,
                                                     const HeldReservation& at_node,
                                                     routing::UnixSeconds now,
                                                     std::span<const std::uint32_t> excluded_nodes);

}  // namespace edgeroute::gateway
