// The stock of record a gateway reports to central (docs/sync.md, "Stock of record").
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "edgeroute/gateway/gateway.h"

namespace edgeroute::gateway {
namespace {

// One homed record as read, before it is named.
struct ReadRecord {
  std::uint32_t sku_index = 0;
  std::uint32_t node_index = 0;
  routing::StockLevels levels;
};

// SplitMix64's finaliser: each field moves every bit of the digest.
std::uint64_t mixed(std::uint64_t digest, std::uint64_t value) {
  std::uint64_t z = digest ^ (value + 0x9E37'79B9'7F4A'7C15ULL + (digest << 6) + (digest >> 2));
  z = (z ^ (z >> 30)) * 0xBF58'476D'1CE4'E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D0'49BB'1331'11EBULL;
  return z ^ (z >> 31);
}

std::uint64_t digest_of(const std::vector<ReadRecord>& records) {
  std::uint64_t digest = mixed(0, records.size());
  for (const ReadRecord& record : records) {
    digest = mixed(digest, (std::uint64_t{record.sku_index} << 32) | record.node_index);
    digest =
        mixed(digest, (std::uint64_t{static_cast<std::uint32_t>(record.levels.on_hand)} << 32) |
                          static_cast<std::uint32_t>(record.levels.reserved));
  }
  return digest;
}

}  // namespace

sync::StockReportPart Gateway::stock_report(std::uint32_t first_sku, std::uint32_t sku_count,
                                            std::optional<std::uint64_t> unless_digest) const {
  const routing::InventoryTable& inventory = state_.inventory();
  const EscrowLedger& escrow = state_.escrow();
  const std::uint32_t skus = inventory.sku_count();
  const std::uint32_t first = std::min(first_sku, skus);
  const std::uint32_t end = first + std::min(sku_count, skus - first);

  std::vector<ReadRecord> read;
  sync::StockReportPart part;
  // On-hand moves only on the journal writer, between begin() and end() of a batch: a
  // read that no batch overlapped is the journal's at one position (each cell read with
  // acquire, as the position requires).
  part.as_of_sequence = pipeline_->applied().read([&] {
    read.clear();
    for (std::uint32_t sku = first; sku < end; ++sku) {
      for (const routing::InventoryCell& cell : inventory.stocked_nodes(sku)) {
        if (escrow.governs(cell.node_index())) continue;  // shared stock: central's
        read.push_back({sku, cell.node_index(), cell.levels_acquire()});
      }
    }
  });
  part.next_sku = end;
  part.last = end == skus;
  part.digest = digest_of(read);
  if (unless_digest == part.digest) return part;

  const routing::NetworkModel& network = state_.network();
  part.records.reserve(read.size());
  for (const ReadRecord& record : read) {
    // The table keeps on-hand and reserved at or above 0; a report that broke that
    // would be refused whole at central, so a figure below 0 is sent as 0.
    part.records.push_back(
        {network.node(record.node_index).id, std::string(network.sku_id(record.sku_index)),
         std::max(record.levels.on_hand, 0), std::max(record.levels.reserved, 0)});
  }
  return part;
}

}  // namespace edgeroute::gateway
