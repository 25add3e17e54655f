// PolicyModel: the routing core's compiled form of one policy version (policy.fbs),
// resolved against the NetworkModel it will be used with: node and SKU ids become
// indexes, capacity throttles become each node's daily limits, safety stock becomes a
// lookup that costs one hash probe per order line (never per (SKU, node) pair).
//
// The rules it encodes, as docs/routing.md states them:
//   - exclusions: a node may not ship an order line when an exclusion matches the
//     order's channel (empty: any), the line's SKU handling (0: any line; otherwise the
//     SKU carries one of the flags) and the node's kind (empty: any kind);
//   - owned-only channels: orders on these channels ship from owned_fc and store nodes
//     only;
//   - safety stock for (node, SKU): the (node, SKU) entry, else the SKU's, else the
//     node's, else the default (an entry with neither id), else 0;
//   - capacity per local day: the node's orders_per_day and units_per_day (0: no limit)
//     times the node's throttle percent, rounded down; a throttle does not limit an
//     unlimited figure, except 0 percent, which stops the node.
//
// Thread-safety: immutable once built; read from any number of threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/capacity_counters.h"
#include "edgeroute/routing/fbs/policy_generated.h"
#include "edgeroute/routing/network_model.h"
#include "edgeroute/routing/time_text.h"

namespace edgeroute::routing {

struct ObjectiveWeights {
  std::int32_t risk_centicents_per_bp = 0;
  std::int32_t lateness_cents_per_day = 0;
  std::int32_t split_cents = 0;
  std::int32_t owned_bias_cents = 0;
};

struct ExclusionRule {
  std::string channel;            // empty: every channel
  std::uint8_t sku_handling = 0;  // fbs::HandlingFlags bits; 0: every line
  NodeKindSet node_kinds = kAllNodeKinds;
  std::string reason;
};

struct EscrowGrant {
  std::uint32_t node_index = 0;
  std::uint32_t sku_index = 0;
  std::int32_t units = 0;
};

// Safety stock given for one SKU: its own figure and its (node, SKU) figures.
struct SkuSafetyEntry {
  std::int32_t sku_units = -1;                                     // -1: none given
  std::vector<std::pair<std::uint32_t, std::int32_t>> node_units;  // by node, ascending
};

class PolicyModel {
 public:
  static constexpr std::int32_t kMaxShipmentsLimit = 8;

  // Errors (invalid_argument) name the first field that does not resolve against
  // `network` or is out of range, as "preferences[1].node_id: 'x' is not a node".
  static Result<PolicyModel> build(const fbs::Policy& policy, const NetworkModel& network);

  std::uint64_t version() const { return version_; }
  // The network version the indexes refer to.
  std::uint64_t network_version() const { return network_version_; }
  std::optional<UnixSeconds> expires_at() const { return expires_at_; }
  const ObjectiveWeights& weights() const { return weights_; }
  std::int32_t max_shipments() const { return max_shipments_; }
  fbs::BackorderRule backorder_rule() const { return backorder_rule_; }
  std::optional<std::uint32_t> backorder_node() const { return backorder_node_; }
  // Whether the gateway routes a node's part of an order again after the node reports
  // it failed, or late past the promise.
  bool reroute_failed() const { return reroute_failed_; }
  bool reroute_delayed_past_promise() const { return reroute_delayed_past_promise_; }
  const std::vector<ExclusionRule>& exclusions() const { return exclusions_; }
  const std::vector<EscrowGrant>& escrow_grants() const { return escrow_grants_; }

  bool owned_only(std::string_view channel) const;
  // The per-shipment preference term of `node_index`: its preference cents, minus the
  // owned bias for owned nodes.
  std::int32_t preference_cents(std::uint32_t node_index) const {
    return preference_cents_[node_index];
  }
  CapacityLimits capacity_limits(std::uint32_t node_index) const {
    return capacity_limits_[node_index];
  }

  // The safety stock rules for one SKU, looked up once per order line.
  class SkuSafetyStock {
   public:
    std::int32_t at(std::uint32_t node_index) const;

   private:
    friend class PolicyModel;
    const PolicyModel* policy_ = nullptr;
    const SkuSafetyEntry* entry_ = nullptr;
  };
  SkuSafetyStock safety_stock_for(std::uint32_t sku_index) const;

 private:
  friend class SkuSafetyStock;
  PolicyModel() = default;

  std::uint64_t version_ = 0;
  std::uint64_t network_version_ = 0;
  std::optional<UnixSeconds> expires_at_;
  ObjectiveWeights weights_;
  std::int32_t max_shipments_ = 1;
  fbs::BackorderRule backorder_rule_ = fbs::BackorderRule::reject;
  std::optional<std::uint32_t> backorder_node_;
  bool reroute_failed_ = true;
  bool reroute_delayed_past_promise_ = true;
  std::vector<ExclusionRule> exclusions_;
  std::vector<std::string> owned_only_channels_;
  std::vector<std::int32_t> preference_cents_;   // per node
  std::vector<CapacityLimits> capacity_limits_;  // per node
  std::vector<EscrowGrant> escrow_grants_;
  std::int32_t default_safety_stock_ = 0;
  std::vector<std::int32_t> node_safety_stock_;  // per node; -1: none given
  std::unordered_map<std::uint32_t, SkuSafetyEntry> sku_safety_stock_;
};

// Inline: asked once per (order line, stocked node) while gathering candidates.
inline std::int32_t PolicyModel::SkuSafetyStock::at(std::uint32_t node_index) const {
  if (entry_ != nullptr) {
    for (const auto& [node, units] : entry_->node_units) {
      if (node == node_index) return units;
      if (node > node_index) break;
    }
    if (entry_->sku_units >= 0) return entry_->sku_units;
  }
  const std::int32_t node_units = policy_->node_safety_stock_[node_index];
  return node_units >= 0 ? node_units : policy_->default_safety_stock_;
}

}  // namespace edgeroute::routing
