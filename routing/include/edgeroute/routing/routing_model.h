// RoutingModel: what one decision routes against: a network version and a policy
// compiled for it, published together as one snapshot (SnapshotPublisher<RoutingModel>)
// so a reader never sees a policy whose indexes belong to another network. A policy
// swap publishes a new RoutingModel that shares the current network; a network swap
// publishes one with the policy recompiled for it.
//
// Thread-safety: immutable; the shared_ptrs are copied only when a model is made
// (publication), never by readers.
#pragma once

#include <memory>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/policy_model.h"

namespace edgeroute::routing {

class RoutingModel {
 public:
  // failed_precondition when `policy` was compiled for another network version.
  static Result<RoutingModel> create(std::shared_ptr<const NetworkModel> network,
                                     std::shared_ptr<const PolicyModel> policy);

  const NetworkModel& network() const { return *network_; }
  const PolicyModel& policy() const { return *policy_; }
  const std::shared_ptr<const NetworkModel>& shared_network() const { return network_; }
  const std::shared_ptr<const PolicyModel>& shared_policy() const { return policy_; }

 private:
  RoutingModel(std::shared_ptr<const NetworkModel> network,
               std::shared_ptr<const PolicyModel> policy)
      : network_(std::move(network)), policy_(std::move(policy)) {}

  std::shared_ptr<const NetworkModel> network_;
  std::shared_ptr<const PolicyModel> policy_;
};

}  // namespace edgeroute::routing
