#include "edgeroute/gateway/order_book.h"

namespace edgeroute::gateway {

std::optional<OrderRecord> OrderBook::find(std::string_view order_id) const {
  Shard& shard = shard_of(order_id);
  std::lock_guard lock(shard.mutex);
  const auto found = shard.orders.find(order_id);
  if (found == shard.orders.end()) return std::nullopt;
  return found->second;
}

std::size_t OrderBook::size() const {
  std::size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.orders.size();
  }
  return total;
}

void OrderBook::reserve(std::size_t orders) {
  // A shard gets its share and an eighth more, since the hash does not split ids evenly.
  const std::size_t share = orders / kShardCount;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.orders.reserve(share + share / 8 + 1);
  }
}

}  // namespace edgeroute::gateway
