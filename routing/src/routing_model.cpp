#include "edgeroute/routing/routing_model.h"

#include <string>
#include <utility>

namespace edgeroute::routing {

Result<RoutingModel> RoutingModel::create(std::shared_ptr<const NetworkModel> network,
                                          std::shared_ptr<const PolicyModel> policy) {
  EDGEROUTE_ASSERT(network != nullptr && policy != nullptr, "a routing model needs both parts");
  if (policy->network_version() != network->version()) {
    return Status(StatusCode::failed_precondition,
                  "policy " + std::to_string(policy->version()) + " was compiled for network " +
                      std::to_string(policy->network_version()) + ", not network " +
                      std::to_string(network->version()));
  }
  return RoutingModel(std::move(network), std::move(policy));
}

RoutingModel::RoutingModel(std::shared_ptr<const NetworkModel> network,
                           std::shared_ptr<const PolicyModel> policy)
    : network_(std::move(network)), policy_(std::move(policy)) {
  fixed_.reserve(network_->node_count());
  for (std::uint32_t n = 0; n < network_->node_count(); ++n) {
    const NodeModel& node = network_->node(n);
    FixedCost& fixed = fixed_.emplace_back();
    fixed.terms.handling_cents = node.per_order_cents;
    fixed.terms.partner_fee_cents = node.partner_fee_cents;
    fixed.terms.risk_cents =
        risk_cents(policy_->weights().risk_centicents_per_bp, node.health_shortfall_bp());
    fixed.terms.preference_cents = policy_->preference_cents(n);
    fixed.cents = fixed.terms.objective_cents();
  }
}

}  // namespace edgeroute::routing
