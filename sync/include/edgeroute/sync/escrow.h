// Escrow as both ends of the sync protocol speak of it (docs/sync.md, "Escrow"): a grant
// central sends a gateway, and the standing of one lease as the gateway holds it. Plain
// values: the messages carry them (messages.h), the agent hands a grant to the gateway
// and its standing to central (sync_agent.h), central keeps the standing on the lease
// (central_store.h).
#pragma once

#include <cstdint>
#include <string>

namespace edgeroute::sync {

// Central leases a gateway `units` more of a node the gateway does not home.
struct EscrowGrant {
  std::uint64_t grant_id = 0;  // central's, never 0
  std::string node_id;
  std::string sku_id;
  std::uint64_t epoch = 0;         // the lease's after this grant, above every earlier one
  std::int32_t units = 0;          // > 0
  std::int64_t expires_at_us = 0;  // central's clock, UTC µs
  std::string correlation_id;      // "central-escrow:<nonce>" (central_delta.h)
};

// One lease as a gateway holds it now.
struct EscrowLeaseStanding {
  std::string node_id;
  std::string sku_id;
  std::uint64_t epoch = 0;            // the newest grant's
  std::int32_t unreserved_units = 0;  // what the gateway can still sell there
  std::int32_t reserved_units = 0;    // what its orders hold there
  std::int64_t expires_at_us = 0;

  bool operator==(const EscrowLeaseStanding&) const = default;
};

}  // namespace edgeroute::sync
