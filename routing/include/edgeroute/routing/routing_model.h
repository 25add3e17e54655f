// RoutingModel: what one decision routes against: a network version and a policy
// compiled for it, published together as one snapshot (SnapshotPublisher<RoutingModel>)
// so a reader never sees a policy whose indexes belong to another network. A policy
// swap publishes a new RoutingModel that shares the current network; a network swap
// publishes one with the policy recompiled for it.
//
// What depends on the network and the policy together, and on nothing an order brings,
// is worked out here, once per model, rather than in every decision: each node's fixed
// cost terms.
//
// Thread-safety: immutable; the shared_ptrs are copied only when a model is made
// (publication), never by readers.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/objective.h"
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

  // The terms of objective.h that every shipment from the node pays, whatever it
  // carries: handling, partner fee, risk and preference (the others are 0), and their
  // sum.
  const CostTerms& fixed_terms(std::uint32_t node_index) const { return fixed_[node_index].terms; }
  std::int64_t fixed_cents(std::uint32_t node_index) const { return fixed_[node_index].cents; }

 private:
  struct FixedCost {
    CostTerms terms;
    std::int64_t cents = 0;
  };

  RoutingModel(std::shared_ptr<const NetworkModel> network,
               std::shared_ptr<const PolicyModel> policy);

  std::shared_ptr<const NetworkModel> network_;
  std::shared_ptr<const PolicyModel> policy_;
  std::vector<FixedCost> fixed_;  // per node
};

}  // namespace edgeroute::routing
