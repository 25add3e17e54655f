#include "edgeroute/routing/time_text.h"
#include "validate.h"

namespace edgeroute::routing::io::detail {
namespace {

constexpr int kMaxShipmentsLimit = 8;

void check_node_reference(const flatbuffers::String* id, const IdIndex& nodes,
                          const std::string& path, ErrorList& errors) {
  if (id != nullptr && !id->string_view().empty() && !nodes.contains(id->string_view())) {
    errors.add(path, "'{}' is not a node of the network", id->string_view());
  }
}

void check_weights(const fbs::ObjectiveWeights* weights, ErrorList& errors) {
  if (weights == nullptr) return;
  const std::pair<const char*, int> non_negative[] = {
      {"risk_centicents_per_bp", weights->risk_centicents_per_bp()},
      {"lateness_cents_per_day", weights->lateness_cents_per_day()},
      {"split_cents", weights->split_cents()},
      {"owned_bias_cents", weights->owned_bias_cents()}};
  for (const auto& [name, value] : non_negative) {
    if (value < 0) errors.add(fmt::format("weights.{}", name), "{} is negative", value);
  }
}

void check_lists(const fbs::Policy& policy, const IdIndex& nodes, const IdIndex& skus,
                 ErrorList& errors) {
  if (policy.preferences() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.preferences()->size(); ++i) {
      check_node_reference(policy.preferences()->Get(i)->node_id(), nodes,
                           fmt::format("preferences[{}].node_id", i), errors);
    }
  }
  if (policy.safety_stock() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.safety_stock()->size(); ++i) {
      const fbs::SafetyStock& entry = *policy.safety_stock()->Get(i);
      const std::string at = fmt::format("safety_stock[{}]", i);
      check_node_reference(entry.node_id(), nodes, at + ".node_id", errors);
      if (entry.sku_id() != nullptr && !entry.sku_id()->string_view().empty() &&
          !skus.contains(entry.sku_id()->string_view())) {
        errors.add(at + ".sku_id", "'{}' is not a SKU of the network",
                   entry.sku_id()->string_view());
      }
      if (entry.units() < 0) errors.add(at + ".units", "{} is negative", entry.units());
    }
  }
  if (policy.capacity_throttles() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < policy.capacity_throttles()->size(); ++i) {
      const fbs::CapacityThrottle& throttle = *policy.capacity_throttles()->Get(i);
      const std::string at = fmt::format("capacity_throttles[{}]", i);
      check_node_reference(throttle.node_id(), nodes, at + ".node_id", errors);
      if (throttle.percent() < 0 || throttle.percent() > 100) {
        errors.add(at + ".percent", "{} is not in 0..100", throttle.percent());
      }
    }
  }
}

}  // namespace

void validate_policy(const fbs::Policy& policy, const fbs::Network& network, ErrorList& errors) {
  if (policy.schema_version() != 1) {
    errors.add("schema_version", "{} is not supported (this build reads 1)",
               policy.schema_version());
  }
  if (policy.version() == 0) errors.add("version", "must be at least 1");
  if (policy.expires_at() == nullptr || !parse_utc_instant(policy.expires_at()->string_view())) {
    errors.add("expires_at", "'{}' is not a UTC instant YYYY-MM-DDTHH:MM:SSZ",
               policy.expires_at() == nullptr ? "" : policy.expires_at()->string_view());
  }
  check_weights(policy.weights(), errors);
  if (policy.max_shipments() < 1 || policy.max_shipments() > kMaxShipmentsLimit) {
    errors.add("max_shipments", "{} is not in 1..{}", policy.max_shipments(), kMaxShipmentsLimit);
  }
  const IdIndex nodes = node_index(network);
  check_lists(policy, nodes, sku_index(network), errors);
  if (policy.backorder_rule() == fbs::BackorderRule::backorder) {
    if (policy.backorder_node_id() == nullptr || policy.backorder_node_id()->size() == 0) {
      errors.add("backorder_node_id", "is required when backorder_rule is backorder");
    } else {
      check_node_reference(policy.backorder_node_id(), nodes, "backorder_node_id", errors);
    }
  }
}

}  // namespace edgeroute::routing::io::detail
