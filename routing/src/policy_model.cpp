#include "edgeroute/routing/policy_model.h"

#include <algorithm>
#include <string>
#include <utility>

#include "document_fields.h"

namespace edgeroute::routing {
namespace {

using detail::at;
using detail::invalid;
using detail::text_of;

// A throttled daily figure: `limit` 0 means no limit (network.fbs NodeCapacity).
std::uint32_t throttled(std::int32_t limit, std::int32_t percent, std::uint32_t unlimited) {
  if (percent == 0) return 0;
  if (limit == 0) return unlimited;
  const std::int64_t scaled = std::int64_t{limit} * percent / 100;
  return static_cast<std::uint32_t>(std::min<std::int64_t>(scaled, unlimited));
}

}  // namespace

Result<PolicyModel> PolicyModel::build(const fbs::Policy& policy, const NetworkModel& network) {
  PolicyModel model;
  model.version_ = policy.version();
  model.network_version_ = network.version();
  if (policy.expires_at() != nullptr) {
    const auto expires = parse_utc_instant(policy.expires_at()->string_view());
    if (!expires) return invalid("expires_at", "is not a UTC instant YYYY-MM-DDTHH:MM:SSZ");
    model.expires_at_ = *expires;
  }
  if (const fbs::ObjectiveWeights* weights = policy.weights(); weights != nullptr) {
    model.weights_ = {weights->risk_centicents_per_bp(), weights->lateness_cents_per_day(),
                      weights->split_cents(), weights->owned_bias_cents()};
  }
  const ObjectiveWeights& w = model.weights_;
  if (w.risk_centicents_per_bp < 0 || w.lateness_cents_per_day < 0 || w.split_cents < 0 ||
      w.owned_bias_cents < 0) {
    return invalid("weights", "weights must not be negative");
  }
  model.max_shipments_ = policy.max_shipments();
  if (model.max_shipments_ < 1 || model.max_shipments_ > kMaxShipmentsLimit) {
    return invalid("max_shipments", std::to_string(model.max_shipments_) + " is not in 1..8");
  }

  const auto resolve_node = [&](const flatbuffers::String* id,
                                const std::string& path) -> Result<std::uint32_t> {
    const auto found = network.find_node(text_of(id));
    if (!found) {
      return invalid(path, "'" + std::string(text_of(id)) + "' is not a node of the network");
    }
    return *found;
  };

  if (policy.exclusions() != nullptr) {
    for (const fbs::Exclusion* exclusion : *policy.exclusions()) {
      ExclusionRule rule{.channel = std::string(text_of(exclusion->channel())),
                         .sku_handling = static_cast<std::uint8_t>(exclusion->sku_handling()),
                         .reason = std::string(text_of(exclusion->reason()))};
      if (exclusion->node_kinds() != nullptr && exclusion->node_kinds()->size() > 0) {
        rule.node_kinds = 0;
        for (auto kind : *exclusion->node_kinds()) {
          rule.node_kinds |= node_kind_bit(static_cast<fbs::NodeKind>(kind));
        }
      }
      model.exclusions_.push_back(std::move(rule));
    }
  }
  if (policy.owned_only_channels() != nullptr) {
    for (const flatbuffers::String* channel : *policy.owned_only_channels()) {
      model.owned_only_channels_.emplace_back(channel->string_view());
    }
  }

  model.preference_cents_.assign(network.node_count(), 0);
  for (std::uint32_t node = 0; node < network.node_count(); ++node) {
    if (network.node(node).owned()) model.preference_cents_[node] = -w.owned_bias_cents;
  }
  if (policy.preferences() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.preferences()->size(); ++i) {
      const fbs::NodePreference& preference = *policy.preferences()->Get(i);
      Result<std::uint32_t> node =
          resolve_node(preference.node_id(), at("preferences", i) + ".node_id");
      if (!node) return node.status();
      model.preference_cents_[*node] += preference.cents();
    }
  }

  std::vector<std::int32_t> throttle_percent(network.node_count(), 100);
  if (policy.capacity_throttles() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.capacity_throttles()->size(); ++i) {
      const fbs::CapacityThrottle& throttle = *policy.capacity_throttles()->Get(i);
      const std::string path = at("capacity_throttles", i);
      Result<std::uint32_t> node = resolve_node(throttle.node_id(), path + ".node_id");
      if (!node) return node.status();
      if (throttle.percent() < 0 || throttle.percent() > 100) {
        return invalid(path + ".percent", std::to_string(throttle.percent()) + " is not in 0..100");
      }
      throttle_percent[*node] = throttle.percent();
    }
  }
  model.capacity_limits_.reserve(network.node_count());
  for (std::uint32_t node = 0; node < network.node_count(); ++node) {
    const NodeModel& spec = network.node(node);
    model.capacity_limits_.push_back(
        {throttled(spec.orders_per_day, throttle_percent[node], CapacityCounters::kOrdersMax),
         throttled(spec.units_per_day, throttle_percent[node], CapacityCounters::kUnitsMax)});
  }

  model.node_safety_stock_.assign(network.node_count(), -1);
  if (policy.safety_stock() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.safety_stock()->size(); ++i) {
      const fbs::SafetyStock& entry = *policy.safety_stock()->Get(i);
      const std::string path = at("safety_stock", i);
      if (entry.units() < 0) return invalid(path + ".units", "is negative");
      std::optional<std::uint32_t> node;
      if (!text_of(entry.node_id()).empty()) {
        Result<std::uint32_t> found = resolve_node(entry.node_id(), path + ".node_id");
        if (!found) return found.status();
        node = *found;
      }
      std::optional<std::uint32_t> sku;
      if (!text_of(entry.sku_id()).empty()) {
        sku = network.find_sku(text_of(entry.sku_id()));
        if (!sku) {
          return invalid(path + ".sku_id", "'" + std::string(text_of(entry.sku_id())) +
                                               "' is not a SKU of the network");
        }
      }
      if (node && sku) {
        auto& pairs = model.sku_safety_stock_[*sku].node_units;
        const auto place = std::lower_bound(pairs.begin(), pairs.end(), *node,
                                            [](const std::pair<std::uint32_t, std::int32_t>& pair,
                                               std::uint32_t n) { return pair.first < n; });
        if (place != pairs.end() && place->first == *node) {
          place->second = entry.units();
        } else {
          pairs.insert(place, {*node, entry.units()});
        }
      } else if (sku) {
        model.sku_safety_stock_[*sku].sku_units = entry.units();
      } else if (node) {
        model.node_safety_stock_[*node] = entry.units();
      } else {
        model.default_safety_stock_ = entry.units();
      }
    }
  }

  model.backorder_rule_ = policy.backorder_rule();
  model.reroute_failed_ = policy.reroute_failed();
  model.reroute_delayed_past_promise_ = policy.reroute_delayed_past_promise();
  if (!text_of(policy.backorder_node_id()).empty()) {
    Result<std::uint32_t> node = resolve_node(policy.backorder_node_id(), "backorder_node_id");
    if (!node) return node.status();
    model.backorder_node_ = *node;
  }
  if (model.backorder_rule_ == fbs::BackorderRule::backorder && !model.backorder_node_) {
    return invalid("backorder_node_id", "is required when backorder_rule is backorder");
  }

  if (policy.escrow_quotas() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.escrow_quotas()->size(); ++i) {
      const fbs::EscrowQuota& quota = *policy.escrow_quotas()->Get(i);
      const std::string path = at("escrow_quotas", i);
      Result<std::uint32_t> node = resolve_node(quota.node_id(), path + ".node_id");
      if (!node) return node.status();
      const auto sku = network.find_sku(text_of(quota.sku_id()));
      if (!sku) return invalid(path + ".sku_id", "is not a SKU of the network");
      if (quota.units() < 0) return invalid(path + ".units", "is negative");
      model.escrow_grants_.push_back({*node, *sku, quota.units()});
    }
  }
  return model;
}

bool PolicyModel::owned_only(std::string_view channel) const {
  return std::find(owned_only_channels_.begin(), owned_only_channels_.end(), channel) !=
         owned_only_channels_.end();
}

PolicyModel::SkuSafetyStock PolicyModel::safety_stock_for(std::uint32_t sku_index) const {
  SkuSafetyStock lookup;
  lookup.policy_ = this;
  if (!sku_safety_stock_.empty()) {
    const auto found = sku_safety_stock_.find(sku_index);
    if (found != sku_safety_stock_.end()) lookup.entry_ = &found->second;
  }
  return lookup;
}

}  // namespace edgeroute::routing
