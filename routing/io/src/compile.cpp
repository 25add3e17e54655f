#include "edgeroute/routing/io/compile.h"

#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "edgeroute/hal/time_zone.h"
#include "edgeroute/routing/tz/offset_schedule_from_tz.h"

namespace edgeroute::routing::io {

OffsetHorizon OffsetHorizon::around(UnixSeconds earliest_utc, UnixSeconds latest_utc,
                                    int days_after) {
  return {earliest_utc - kSecondsPerDay, latest_utc + days_after * kSecondsPerDay};
}

Result<std::shared_ptr<const NetworkModel>> compile_network(
    const fbs::Network& network, std::shared_ptr<const Geography> geography,
    OffsetHorizon horizon) {
  std::vector<UtcOffsetSchedule> offsets;
  // Nodes mostly share a handful of zones: read each from the tz database once.
  std::unordered_map<std::string_view, std::size_t> first_node_in_zone;
  if (network.nodes() != nullptr) {
    for (flatbuffers::uoffset_t i = 0; i < network.nodes()->size(); ++i) {
      const fbs::Node& node = *network.nodes()->Get(i);
      const std::string_view zone_name =
          node.time_zone() != nullptr ? node.time_zone()->string_view() : std::string_view();
      if (const auto seen = first_node_in_zone.find(zone_name); seen != first_node_in_zone.end()) {
        offsets.push_back(offsets[seen->second]);
        continue;
      }
      Result<hal::TimeZone> zone = hal::TimeZone::locate(zone_name);
      if (!zone)
        return Status(zone.status().code(),
                      fmt::format("nodes[{}].time_zone: {}", i, zone.status().message()));
      Result<UtcOffsetSchedule> schedule =
          tz::make_offset_schedule(*zone, horizon.from_utc, horizon.until_utc);
      if (!schedule) {
        return Status(schedule.status().code(),
                      fmt::format("nodes[{}].time_zone: {}", i, schedule.status().message()));
      }
      first_node_in_zone.emplace(zone_name, offsets.size());
      offsets.push_back(*schedule);
    }
  }
  Result<NetworkModel> model = NetworkModel::build(network, std::move(geography), offsets);
  if (!model) return model.status();
  return std::make_shared<const NetworkModel>(std::move(model).value());
}

Result<std::shared_ptr<const PolicyModel>> compile_policy(const fbs::Policy& policy,
                                                          const NetworkModel& network) {
  Result<PolicyModel> model = PolicyModel::build(policy, network);
  if (!model) return model.status();
  return std::make_shared<const PolicyModel>(std::move(model).value());
}

Result<InventoryTable> compile_inventory(const fbs::InventorySnapshot& inventory,
                                         const NetworkModel& network) {
  std::vector<StockRecord> records;
  if (inventory.records() != nullptr) {
    records.reserve(inventory.records()->size());
    for (flatbuffers::uoffset_t i = 0; i < inventory.records()->size(); ++i) {
      const fbs::StockRecord& record = *inventory.records()->Get(i);
      const auto node = network.find_node(record.node_id()->string_view());
      const auto sku = network.find_sku(record.sku_id()->string_view());
      if (!node || !sku) {
        return Status(StatusCode::invalid_argument,
                      fmt::format("records[{}]: '{}' / '{}' is not a node and SKU of network {}", i,
                                  record.node_id()->string_view(), record.sku_id()->string_view(),
                                  network.version()));
      }
      records.push_back({*sku, *node, record.on_hand()});
    }
  }
  return InventoryTable::build(network.sku_count(), records);
}

}  // namespace edgeroute::routing::io
