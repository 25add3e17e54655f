#include "edgeroute/gateway/node_promise.h"

#include <algorithm>

#include "edgeroute/routing/time_text.h"

namespace edgeroute::gateway {

std::vector<NodePromise> promises_of(const routing::fbs::Decision& decision) {
  std::vector<NodePromise> promises;
  if (const auto* shipments = decision.shipments()) {
    for (const routing::fbs::Shipment* shipment : *shipments) {
      NodePromise& promise = promises.emplace_back();
      promise.node_id = shipment->node_id()->str();
      if (const routing::fbs::PromiseSteps* steps = shipment->promise()) {
        if (steps->delivery_date() != nullptr) {
          promise.delivery_day = routing::parse_epoch_day(steps->delivery_date()->string_view());
        }
        if (steps->cutoff_at() != nullptr) {
          promise.cutoff_at = routing::parse_utc_instant(steps->cutoff_at()->string_view());
        }
      }
    }
  }
  return promises;
}

void reroute_promises(std::vector<NodePromise>& promises, std::string_view from_node_id,
                      const routing::fbs::Decision& rerouted) {
  std::erase_if(promises,
                [&](const NodePromise& promise) { return promise.node_id == from_node_id; });
  for (NodePromise& added : promises_of(rerouted)) {
    std::erase_if(promises,
                  [&](const NodePromise& promise) { return promise.node_id == added.node_id; });
    promises.push_back(std::move(added));
  }
}

const NodePromise* promise_at(const std::vector<NodePromise>& promises, std::string_view node_id) {
  const auto found =
      std::find_if(promises.begin(), promises.end(),
                   [&](const NodePromise& promise) { return promise.node_id == node_id; });
  return found == promises.end() ? nullptr : &*found;
}

}  // namespace edgeroute::gateway
