#include "field_order.h"

#include <algorithm>
#include <array>
#include <string_view>

namespace edgeroute::firmware_config::detail {
namespace {

// Every field path in declaration order (schema/gateway_config.fbs).
constexpr std::array<std::string_view, 31> kFieldPaths{
    "schema_version",
    "device_profile",
    "gateway_id",
    "served_node_ids",
    "orders.address",
    "orders.port",
    "ops.address",
    "ops.port",
    "sync.address",
    "sync.port",
    "data_dir",
    "routing_workers",
    "queues.ingress_capacity",
    "queues.journal_capacity",
    "queues.completion_capacity",
    "journal.batch_max_decisions",
    "journal.batch_max_delay_us",
    "journal.wal_checkpoint_pages",
    "central.host",
    "central.port",
    "central.server_name",
    "central.ca_certificate",
    "central.certificate",
    "central.private_key",
    "policy_trust_anchor",
    "wan_interface",
    "policy_trial.seconds",
    "policy_trial.min_decisions",
    "policy_trial.max_rejection_rise_percent",
    "policy_trial.max_rejection_percent_without_baseline",
    "",  // anything else sorts last
};

std::size_t rank(const ConfigError& error) {
  if (error.path.empty()) return 0;
  // "served_node_ids[2]" ranks as "served_node_ids".
  const std::string_view field = std::string_view(error.path).substr(0, error.path.find('['));
  const auto* found = std::find(kFieldPaths.begin(), kFieldPaths.end() - 1, field);
  return 1 + static_cast<std::size_t>(found - kFieldPaths.begin());
}

}  // namespace

void sort_in_schema_order(std::vector<ConfigError>& errors) {
  std::stable_sort(errors.begin(), errors.end(),
                   [](const ConfigError& a, const ConfigError& b) { return rank(a) < rank(b); });
}

}  // namespace edgeroute::firmware_config::detail
