// EscrowLedger: which nodes this gateway homes, and the escrow leases it holds at the
// others (docs/sync.md, "Escrow"). A gateway that syncs with central homes the nodes of
// its configuration's served_node_ids: their stock is its own to count and sell. Stock at
// any other node is shared with other gateways, and this gateway may reserve there only
// the units central leased it: on_hand of such a (SKU, node) starts at 0 and is what the
// leases brought, less what shipped and what went back. The routing core needs to know
// nothing of it: ATP there is lease units no order holds, and the reservation's
// compare-and-swap keeps every order within it.
//
// A gateway without central (escrow off) homes every node.
//
// Thread-safety: the journal writer (and the replay, before any thread starts) changes
// the leases; any thread reads them. The lock is held for a copy, never across I/O.
#pragma once

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgeroute/base/result.h"
#include "edgeroute/routing/network_model.h"

namespace edgeroute::gateway {

// One lease as the journal left it.
struct EscrowLeaseTerms {
  std::uint32_t sku_index = 0;
  std::uint32_t node_index = 0;
  std::uint64_t epoch = 0;  // the newest grant's
  std::int64_t expires_at_us = 0;
  // The correlation ids of every grant the journal holds for the lease: central may send
  // any of them again (a lost session), and each is applied once.
  std::vector<std::string> references;

  bool expired_at(std::int64_t now_us) const { return expires_at_us <= now_us; }
  bool holds(std::string_view reference) const {
    return std::find(references.begin(), references.end(), reference) != references.end();
  }
};

class EscrowLedger {
 public:
  // Escrow off: every node is homed here.
  EscrowLedger() = default;
  // Escrow on: the nodes named are homed here, every other node of `network` is shared.
  // invalid_argument naming the first id the network does not have.
  static Result<EscrowLedger> homing(const routing::NetworkModel& network,
                                     std::span<const std::string> homed_node_ids);

  EscrowLedger(EscrowLedger&& other) noexcept;
  EscrowLedger& operator=(EscrowLedger&& other) noexcept;

  bool enabled() const { return !homed_.empty(); }
  // Whether stock at the node can be reserved only within a lease.
  bool governs(std::uint32_t node_index) const {
    return enabled() && node_index < homed_.size() && !homed_[node_index];
  }

  // A grant is durable in the journal: the lease takes its epoch (the highest seen) and
  // expiry. Journal writer, or replay.
  void record_grant(std::uint32_t sku_index, std::uint32_t node_index, std::uint64_t epoch,
                    std::int64_t expires_at_us, std::string_view reference);

  std::optional<EscrowLeaseTerms> lease(std::uint32_t sku_index, std::uint32_t node_index) const;
  // Every lease, by SKU then node index.
  std::vector<EscrowLeaseTerms> leases() const;

 private:
  std::vector<bool> homed_;  // by node index; empty: escrow off
  mutable std::mutex mutex_;
  std::vector<EscrowLeaseTerms> leases_;  // guarded by mutex_; sorted by (sku, node)
};

}  // namespace edgeroute::gateway
