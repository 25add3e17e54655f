#include "edgeroute/gateway/reroute.h"

namespace edgeroute::gateway {

bool report_calls_for_reroute(const routing::PolicyModel& policy,
                              protocol::fbs::FulfillmentEventKind event,
                              std::optional<routing::EpochDay> expected_delivery_day,
                              std::optional<routing::EpochDay> promised_delivery_day) {
  using Event = protocol::fbs::FulfillmentEventKind;
  if (event == Event::failed) return policy.reroute_failed();
  if (event != Event::delayed || !policy.reroute_delayed_past_promise()) return false;
  return expected_delivery_day && promised_delivery_day &&
         *expected_delivery_day > *promised_delivery_day;
}

std::optional<routing::OrderRequest> reroute_request(
    const routing::fbs::Order& order, const routing::NetworkModel& network,
    const HeldReservation& at_node, routing::UnixSeconds now,
    std::span<const std::uint32_t> excluded_nodes) {
  routing::OrderResolution resolution = routing::resolve_order(order, network);
  if (!resolution.ok()) return std::nullopt;
  routing::OrderRequest& request = resolution.request;
  request.line_count = 0;
  for (const HeldStock& line : at_node.stock()) {
    request.lines[request.line_count++] = {line.cell->sku_index(), line.quantity};
  }
  request.created_at_utc = now;
  request.excluded_nodes = excluded_nodes;
  return request;
}

}  // namespace edgeroute::gateway
