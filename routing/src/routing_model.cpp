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

}  // namespace edgeroute::routing
