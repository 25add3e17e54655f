#include <set>
#include <utility>

#include "edgeroute/routing/time_text.h"
#include "validate.h"

namespace edgeroute::routing::io::detail {

void validate_inventory(const fbs::InventorySnapshot& inventory, const fbs::Network& network,
                        ErrorList& errors) {
  if (inventory.schema_version() != 1) {
    errors.add("schema_version", "{} is not supported (this build reads 1)",
               inventory.schema_version());
  }
  if (inventory.taken_at() != nullptr && !parse_utc_instant(inventory.taken_at()->string_view())) {
    errors.add("taken_at", "'{}' is not a UTC instant YYYY-MM-DDTHH:MM:SSZ",
               inventory.taken_at()->string_view());
  }
  if (inventory.records() == nullptr) return;
  const IdIndex nodes = node_index(network);
  const IdIndex skus = sku_index(network);
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (flatbuffers::uoffset_t i = 0; i < inventory.records()->size(); ++i) {
    const fbs::StockRecord& record = *inventory.records()->Get(i);
    const std::string at = fmt::format("records[{}]", i);
    const std::string_view node = record.node_id()->string_view();
    const std::string_view sku = record.sku_id()->string_view();
    if (!nodes.contains(node))
      errors.add(at + ".node_id", "'{}' is not a node of the network", node);
    if (!skus.contains(sku)) errors.add(at + ".sku_id", "'{}' is not a SKU of the network", sku);
    if (record.on_hand() < 0) errors.add(at + ".on_hand", "{} is negative", record.on_hand());
    if (!seen.emplace(node, sku).second) {
      errors.add(at, "a second record for node '{}' and SKU '{}'", node, sku);
    }
  }
}

}  // namespace edgeroute::routing::io::detail
