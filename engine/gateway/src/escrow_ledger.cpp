#include "edgeroute/gateway/escrow_ledger.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace edgeroute::gateway {
namespace {

// Where the lease of (sku, node) is, or would go, in leases sorted by (sku, node).
template <typename Leases>
auto position_of(Leases& leases, std::uint32_t sku_index, std::uint32_t node_index) {
  return std::lower_bound(leases.begin(), leases.end(), std::pair{sku_index, node_index},
                          [](const EscrowLeaseTerms& lease, const auto& key) {
                            return std::pair{lease.sku_index, lease.node_index} < key;
                          });
}

template <typename Position>
bool is_lease_of(Position at, Position end, std::uint32_t sku_index, std::uint32_t node_index) {
  return at != end && at->sku_index == sku_index && at->node_index == node_index;
}

}  // namespace

Result<EscrowLedger> EscrowLedger::homing(const routing::NetworkModel& network,
                                          std::span<const std::string> homed_node_ids) {
  EscrowLedger ledger;
  ledger.homed_.assign(network.node_count(), false);
  for (std::size_t i = 0; i < homed_node_ids.size(); ++i) {
    const std::optional<std::uint32_t> node = network.find_node(homed_node_ids[i]);
    if (!node) {
      return Status{
          StatusCode::invalid_argument,
          fmt::format("served_node_ids[{}]: the network has no node '{}'", i, homed_node_ids[i])};
    }
    ledger.homed_[*node] = true;
  }
  return ledger;
}

EscrowLedger::EscrowLedger(EscrowLedger&& other) noexcept
    : homed_(std::move(other.homed_)), leases_(std::move(other.leases_)) {}

EscrowLedger& EscrowLedger::operator=(EscrowLedger&& other) noexcept {
  homed_ = std::move(other.homed_);
  leases_ = std::move(other.leases_);
  return *this;
}

void EscrowLedger::record_grant(std::uint32_t sku_index, std::uint32_t node_index,
                                std::uint64_t epoch, std::int64_t expires_at_us,
                                std::string_view reference) {
  const std::lock_guard lock(mutex_);
  const auto at = position_of(leases_, sku_index, node_index);
  if (!is_lease_of(at, leases_.end(), sku_index, node_index)) {
    leases_.insert(at, {sku_index, node_index, epoch, expires_at_us, {std::string(reference)}});
    return;
  }
  at->references.emplace_back(reference);
  // Central sends one grant of a lease at a time, each above the last; should two ever
  // cross, the newest epoch's terms stand.
  if (epoch < at->epoch) return;
  at->epoch = epoch;
  at->expires_at_us = expires_at_us;
}

std::optional<EscrowLeaseTerms> EscrowLedger::lease(std::uint32_t sku_index,
                                                    std::uint32_t node_index) const {
  const std::lock_guard lock(mutex_);
  const auto at = position_of(leases_, sku_index, node_index);
  if (!is_lease_of(at, leases_.end(), sku_index, node_index)) return std::nullopt;
  return *at;
}

std::vector<EscrowLeaseTerms> EscrowLedger::leases() const {
  const std::lock_guard lock(mutex_);
  return leases_;
}

}  // namespace edgeroute::gateway
