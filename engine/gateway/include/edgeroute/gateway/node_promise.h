// NodePromise: what an order's decisions promised at each node that ships a part of it.
// The order book keeps one per node, so that a report from any of them, after any
// re-route, is judged against its own shipment's promise (re-routing when a delay goes
// past it; node health's on-time count).
//
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/routing/fbs/decision_generated.h"

namespace edgeroute::gateway {

struct NodePromise {
  std::string node_id;
  std::optional<std::int32_t> delivery_day;  // days since 1970-01-01
  std::optional<std::int64_t> cutoff_at;     // UTC seconds
};
// The promises of a decision's shipments, in shipment order.
std::vector<NodePromise> promises_of(const routing::fbs::Decision& decision);
// After a re-route away from `from_node_id`: its promise goes, the re-route's come in
// (a node already shipping a part takes the newer promise).
void reroute_promises(std::vector<NodePromise>& promises, std::string_view from_node_id,
                      const routing::fbs::Decision& rerouted);
// The promise at `node_id`, or null when the order does not ship from it.
const NodePromise* promise_at(const std::vector<NodePromise>& promises, std::string_view node_id);

}  // namespace edgeroute::gateway
